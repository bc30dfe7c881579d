"""The response cache's memory: kept answers by key, bounded in bytes, least recently used out;
and the recording of an answer on its way, to keep it (:mod:`cms.web.graphql.response_cache`
decides what to keep and sends it)."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field

from starlette.types import Message, Send

from cms.core.metrics import CACHE_BYTES, CACHE_ENTRIES, CACHE_EVICTIONS
from cms.notify.content import Stamp
from cms.web.compression import varying

__all__ = [
    "CACHE_HEADER",
    "OWN_HEADERS",
    "Entry",
    "RawHeaders",
    "Recorder",
    "ResponseCache",
    "Variant",
    "content_type_of",
    "etag_of",
]

CACHE_HEADER = b"x-cms-cache"
"""``hit`` or ``miss`` on every answer the cache looked at: for operators and tests."""

OWN_HEADERS = frozenset(
    {b"content-length", b"content-type", b"etag", b"cache-control", CACHE_HEADER}
)
"""Headers the cache writes itself when it sends an entry; the view's others are kept."""

RawHeaders = tuple[tuple[bytes, bytes], ...]
Variant = tuple[bytes, bytes]
"""A kept answer in one encoding: its bytes and its ``ETag``."""


@dataclass(slots=True, eq=False)
class Entry:
    """One kept answer, the stamp of the content it was computed from, and its headers."""

    stamp: Stamp
    body: bytes
    content_type: bytes
    etag: bytes
    headers: RawHeaders = ()
    """The view's other headers, sent again with every copy (with ``Vary: Accept-Encoding``
    when the answer is long enough to be compressed)."""
    variants: dict[str, Variant] = field(default_factory=dict)
    """The answer compressed, by encoding (made when a client first asks for one)."""

    @property
    def size(self) -> int:
        # The body, its variants, and roughly the key, headers and bookkeeping.
        return len(self.body) + 256 + sum(len(data) for data, _ in self.variants.values())


class ResponseCache:
    """Answers by request key, at most ``max_bytes`` of them; the least recently used go first."""

    MAX_SEEN = 10_000
    """How many requests answered once (not yet kept) are remembered."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[bytes, Entry] = OrderedDict()
        self._size = 0
        self._seen: OrderedDict[bytes, None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def known(self, key: bytes) -> bool:
        """Whether this request was answered successfully before (kept or only seen)."""
        return key in self._entries or key in self._seen

    def seen(self, key: bytes) -> None:
        """Remember that this request was answered successfully once."""
        self._seen[key] = None
        self._seen.move_to_end(key)
        if len(self._seen) > self.MAX_SEEN:
            self._seen.popitem(last=False)

    def get(self, key: bytes, stamp: Stamp) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.stamp != stamp:  # the content has changed since: this answer is gone for good
            self._drop(key)
            self._report()
            self.seen(key)
            return None
        self._entries.move_to_end(key)
        return entry

    def peek(self, key: bytes) -> Entry | None:
        """The entry kept under ``key``, whatever its stamp (the caller compares it)."""
        return self._entries.get(key)

    def touch(self, key: bytes) -> None:
        """``key`` was just used: it goes last in line to be dropped."""
        self._entries.move_to_end(key)

    def put(self, key: bytes, entry: Entry) -> None:
        if entry.size > self.max_bytes // 16:  # one huge answer must not flush all the others
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = entry
        self._size += entry.size
        self._shrink()
        self._report()

    def grew(self, key: bytes, entry: Entry, size: int) -> None:
        """``entry`` (kept under ``key``, unless dropped meanwhile) took ``size`` more bytes."""
        if self._entries.get(key) is entry:
            self._size += size
            self._shrink()
            self._report()

    def clear(self) -> None:
        """Drop every kept answer (what was only seen stays seen)."""
        self._entries.clear()
        self._size = 0
        self._report()

    def _shrink(self) -> None:
        while self._size > self.max_bytes:
            self._drop(next(iter(self._entries)))
            CACHE_EVICTIONS.inc()

    def _report(self) -> None:
        """The metrics of what is kept (a write, not a statement: only when it changes)."""
        CACHE_BYTES.set(self._size)
        CACHE_ENTRIES.set(len(self._entries))

    def _drop(self, key: bytes) -> None:
        self._size -= self._entries.pop(key).size


def etag_of(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'


def content_type_of(start: Message) -> bytes:
    for name, value in start["headers"]:
        if name.lower() == b"content-type":
            return bytes(value)
    return b"application/json"


class Recorder:
    """Collects an answer instead of sending it, to keep it (and send it) afterwards."""

    def __init__(self) -> None:
        self.start: Message | None = None
        self.chunks: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    def entry(self, stamp: Stamp, min_bytes: int) -> Entry | None:
        """The answer as an :class:`Entry` (only asked of one the view reported cacheable); one
        of ``min_bytes`` or more varies with ``Accept-Encoding`` (it is sent compressed)."""
        if self.start is None or self.start["status"] != 200:
            return None
        body = b"".join(self.chunks)
        kept = [
            (name, value)
            for name, value in self.start["headers"]
            if name.lower() not in OWN_HEADERS
        ]
        if len(body) >= min_bytes:
            kept = varying(kept)
        return Entry(stamp, body, content_type_of(self.start), etag_of(body), tuple(kept))

    async def replay(self, send: Send) -> None:
        if self.start is None:
            return
        await send(self.start)
        await send({"type": "http.response.body", "body": b"".join(self.chunks)})
