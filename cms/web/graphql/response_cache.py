"""Answers to repeated anonymous queries, sent from memory, and the HTTP caching of ``/graphql``.

A news site's readers ask the same few questions (the front page, the newest articles, one
article) thousands of times between two edits. :class:`CachedGraphQL` wraps the ``/graphql``
endpoint. The first time an anonymous query is asked it simply runs (a request that fails, or is
never asked again, costs nothing more); if it succeeded, the cache remembers it. From then on,
when it holds an answer to the very same request made under the content's current
:class:`~cms.notify.content.Stamp` (the version that database triggers raise on every content
write, and when the next scheduled article comes into view), it sends those bytes; otherwise the
query runs and its answer (a success: no ``errors``) is kept, bounded in bytes, least recently
used out. Requests that miss together (after a write, every reader of the front page at once)
run the query once: the others wait for that answer.

The stamp comes from a :class:`~cms.notify.content_watch.ContentWatch`, which knows it without
a statement while nothing can have changed it (its module doc says how writes of this process,
of other instances and of the importer are noticed, and within what time); when it cannot tell,
the stamp is read (one small statement). So an answer from memory costs no SQL statement and no
thread hop, and is sent by the HTTP edge before routing (:meth:`CachedGraphQL.answer_from_memory`).
The stamp is read *before* a query runs, so an answer that might include a write made meanwhile
is filed under the older stamp, which no later request has.

A request's key is its method, its document (or, for an Apollo persisted query sent without one,
the document's hash), variables and operation name, its ``Accept`` (which decides the answer's
media type) and the origin that absolute media URLs are made for. Whether an answer is a
successful query is strawberry's word, not a second reading of the document or of the answer:
the view reports it with :func:`report_cacheable`, and preview answers with
:func:`report_private`.

HTTP caching, for apps and CDNs: an anonymous GET answer carries a strong ``ETag`` (a hash of
its bytes, marked per encoding: ``"…-br"``) and ``Cache-Control: public, max-age=N`` (``N`` the
``cache_max_age`` setting, never past the next scheduled publication; ``no-cache`` when that is
0), and ``If-None-Match`` gets a bodiless ``304``. Answers with errors are ``no-store`` (the
view), answers to credentials or preview tokens ``private, no-store``; anonymous POST answers
carry no ``Cache-Control`` (HTTP caches do not keep them). Kept answers are compressed once per
encoding a client asked for and kept so (:mod:`cms.web.compression`).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cms.core import clock
from cms.notify import content
from cms.notify.content import Stamp
from cms.notify.content_watch import ContentWatch
from cms.web.body import ClientDisconnected, read_body, replay
from cms.web.compression import choose, encode_async, tagged, varying
from cms.web.conditional import etag_matches_raw
from cms.web.head import BODY, Head, head_of

__all__ = ["CachedGraphQL", "Entry", "ResponseCache", "report_cacheable", "report_private"]

CACHE_HEADER = b"x-cms-cache"
"""``hit`` or ``miss`` on every answer the cache looked at: for operators and tests."""

PUBLIC = "public"
"""The audience of every kept answer: anonymous readers, who all see the same content."""

NO_CACHE = b"no-cache"
PRIVATE = b"private, no-store"
"""Answers to credentials or a preview token: for that client alone, and not even kept by it."""

_CACHEABLE = "cms.cacheable"
"""Scope key set by :func:`report_cacheable`."""

_PRIVATE = "cms.private"
"""Scope key set by :func:`report_private`."""

_KEY = "cms.cache.key"
"""Scope key of the request's cache key, once worked out (``None``: not one to keep)."""

_OWN_HEADERS = frozenset(
    {b"content-length", b"content-type", b"etag", b"cache-control", CACHE_HEADER}
)
"""Headers the cache writes itself when it sends an entry; the view's others are kept."""

RawHeaders = tuple[tuple[bytes, bytes], ...]
Variant = tuple[bytes, bytes]
"""A kept answer in one encoding: its bytes and its ``ETag``."""


def report_cacheable(scope: Scope) -> None:
    """The GraphQL view's word that this request's answer is a successful query (keepable)."""
    scope[_CACHEABLE] = True


def report_private(scope: Scope) -> None:
    """The GraphQL view's word that this answer is for its requester alone (a preview)."""
    scope[_PRIVATE] = True


def _cacheable(scope: Scope) -> bool:
    return scope.get(_CACHEABLE) is True


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

    def grew(self, key: bytes, entry: Entry, size: int) -> None:
        """``entry`` (kept under ``key``, unless dropped meanwhile) took ``size`` more bytes."""
        if self._entries.get(key) is entry:
            self._size += size
            self._shrink()

    def clear(self) -> None:
        """Drop every kept answer (what was only seen stays seen)."""
        self._entries.clear()
        self._size = 0

    def _shrink(self) -> None:
        while self._size > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: bytes) -> None:
        self._size -= self._entries.pop(key).size


class CachedGraphQL:
    """The ``/graphql`` ASGI app with a :class:`ResponseCache` in front (see the module doc).

    Without a ``watch``, the stamp is read for every request that may be answered from memory.
    """

    def __init__(
        self,
        app: ASGIApp,
        cache: ResponseCache,
        public_url: str | None,
        watch: ContentWatch | None = None,
        *,
        max_age: int = 0,
        compress_min_bytes: int = 1024,
    ) -> None:
        self.app = app
        self.cache = cache
        self.public_url = public_url
        self.watch = watch
        self.max_age = max_age
        self.min_bytes = compress_min_bytes
        self._running: dict[tuple[bytes, Stamp], asyncio.Future[Entry | None]] = {}

    async def answer_from_memory(self, scope: Scope, head: Head, body: bytes, send: Send) -> bool:
        """Send the kept answer to this request if the watch vouches for it, with no statement
        and nothing else running; ``False`` when the full path (:meth:`__call__`) must decide."""
        if self.watch is None or head.authorization or not self.cache.max_bytes:
            return False
        key = self._key_of(scope, head, body)
        entry = self.cache.peek(key) if key is not None else None
        if key is None or entry is None:
            return False
        now = clock.now()
        stamp = self.watch.current(now)
        if stamp is None or (stamp is not entry.stamp and stamp != entry.stamp):
            return False
        coding = self._coding(head, entry)
        variant = entry.variants.get(coding) if coding is not None else None
        if coding is not None and variant is None:
            return False  # not yet made in this encoding: the full path makes it
        self.cache.touch(key)
        await self._send(entry, coding, variant, scope, head, now, send, b"hit")
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = head_of(scope)
        if head.authorization:  # the view checks the credentials; the answer is theirs alone
            await self.app(scope, receive, _private(send))
            return
        method = scope["method"]
        if not self.cache.max_bytes or method not in ("GET", "POST") or _multipart(head):
            await self.app(scope, receive, _guarded(scope, send))  # uploads: streamed, unread
            return
        body = b""
        if method == "POST":
            if BODY not in scope:  # not read by the edge (this app used on its own)
                try:
                    scope[BODY] = await read_body(receive)
                except ClientDisconnected:
                    return
                receive = replay(scope[BODY], receive)
            body = scope[BODY]
        key = self._key_of(scope, head, body)
        if key is None:
            await self.app(scope, receive, _guarded(scope, send))
        elif not self.cache.known(key):
            await self._first(key, scope, head, receive, send)
        else:
            await self._known(key, scope, head, receive, send)

    async def _first(
        self, key: bytes, scope: Scope, head: Head, receive: Receive, send: Send
    ) -> None:
        """The first time, just answer (and remember it if it is a success worth keeping): a
        request that fails validation or never comes again costs no extra statement."""
        response = await self._record(scope, receive)
        if not _cacheable(scope) or response.start is None:
            await response.replay(_guarded(scope, send))
            return
        self.cache.seen(key)
        if scope["method"] != "GET" or response.start["status"] != 200:
            await response.replay(send)
            return
        body = b"".join(response.chunks)
        etag = _etag(body)
        coding = choose(head.accept_encoding) if len(body) >= self.min_bytes else None
        now = clock.now()
        stamp = self.watch.current(now) if self.watch is not None else None
        headers = [h for h in response.start["headers"] if h[0].lower() not in _OWN_HEADERS]
        headers += [(b"content-type", _content_type(response.start))]
        headers += [(b"etag", etag), (b"cache-control", self._cache_control(stamp, now))]
        if _not_modified(head, tagged(etag, coding) if coding else etag):
            await _send_304(varying(headers) if len(body) >= self.min_bytes else headers, send)
            return
        # The compression layer around this app compresses it, and marks the ETag likewise.
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**response.start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _known(
        self, key: bytes, scope: Scope, head: Head, receive: Receive, send: Send
    ) -> None:
        now = clock.now()
        stamp = await self._stamp(now)
        if stamp is None:  # a database without the version (migrations not yet applied)
            await self.app(scope, receive, _guarded(scope, send))
            return
        entry = self.cache.get(key, stamp)
        if entry is not None:
            await self._send_entry(key, entry, scope, head, now, send, b"hit")
            return
        await self._miss(key, stamp, scope, head, receive, send)

    async def _stamp(self, now: datetime) -> Stamp | None:
        if self.watch is None:
            return await content.stamp(now)
        return self.watch.current(now) or await self.watch.read(now)

    async def _miss(
        self, key: bytes, stamp: Stamp, scope: Scope, head: Head, receive: Receive, send: Send
    ) -> None:
        """Run the query once for every request that misses ``key`` under ``stamp`` meanwhile."""
        running = self._running.get((key, stamp))
        if running is not None:
            entry = await asyncio.shield(running)
            if entry is not None:
                await self._send_entry(key, entry, scope, head, clock.now(), send, b"miss")
            else:  # that answer was not one to keep (an error): this request runs on its own
                await self.app(scope, receive, _guarded(scope, send))
            return
        future: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        self._running[key, stamp] = future
        entry = None
        try:
            response = await self._record(scope, receive)
            entry = response.entry(stamp, self.min_bytes) if _cacheable(scope) else None
            if entry is not None:
                self.cache.put(key, entry)
        finally:
            del self._running[key, stamp]
            future.set_result(entry)
        if entry is None:
            await response.replay(_guarded(scope, send))
            return
        await self._send_entry(key, entry, scope, head, clock.now(), send, b"miss")

    async def _record(self, scope: Scope, receive: Receive) -> _Recorder:
        response = _Recorder()
        await self.app(scope, receive, response.send)
        return response

    async def _send_entry(
        self,
        key: bytes,
        entry: Entry,
        scope: Scope,
        head: Head,
        now: datetime,
        send: Send,
        status: bytes,
    ) -> None:
        """Send a kept answer, compressed as the client accepts (made now if it is the first to
        ask for this encoding)."""
        coding = self._coding(head, entry)
        variant = None
        if coding is not None:
            variant = entry.variants.get(coding)
            if variant is None:
                data = await encode_async(entry.body, coding)
                variant = entry.variants.setdefault(coding, (data, tagged(entry.etag, coding)))
                if variant[0] is data:
                    self.cache.grew(key, entry, len(data))
        await self._send(entry, coding, variant, scope, head, now, send, status)

    async def _send(
        self,
        entry: Entry,
        coding: str | None,
        variant: Variant | None,
        scope: Scope,
        head: Head,
        now: datetime,
        send: Send,
        status: bytes,
    ) -> None:
        body, etag = variant if variant is not None else (entry.body, entry.etag)
        headers = [*entry.headers, (b"etag", etag), (CACHE_HEADER, status)]
        if scope["method"] == "GET":
            headers.append((b"cache-control", self._cache_control(entry.stamp, now)))
            if _not_modified(head, etag):
                await _send_304(headers, send)
                return
        headers.append((b"content-type", entry.content_type))
        if coding is not None:
            headers.append((b"content-encoding", coding.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _coding(self, head: Head, entry: Entry) -> str | None:
        if not head.accept_encoding or len(entry.body) < self.min_bytes:
            return None
        return choose(head.accept_encoding)

    def _cache_control(self, stamp: Stamp | None, now: datetime) -> bytes:
        """``public, max-age=N`` for a GET answer under ``stamp``: never past its next change,
        and ``no-cache`` (revalidate every time) when that leaves nothing, or the stamp is not
        known for free."""
        if self.max_age <= 0 or stamp is None:
            return NO_CACHE
        age = self.max_age
        if stamp.next_change is not None:
            age = min(age, int((stamp.next_change - now).total_seconds()))
        return b"public, max-age=%d" % age if age > 0 else NO_CACHE

    def _key_of(self, scope: Scope, head: Head, body: bytes) -> bytes | None:
        """The request's key (worked out once per request: the edge may have done it)."""
        if _KEY not in scope:
            scope[_KEY] = self._key(scope, head, body)
        key: bytes | None = scope[_KEY]
        return key

    def _key(self, scope: Scope, head: Head, body: bytes) -> bytes | None:
        """The request's key among the answers kept for the public (the only audience kept);
        ``None`` for a request that is no query to keep."""
        method = scope["method"]
        if method == "GET":
            operation = _get_operation(scope.get("query_string", b""))
        elif method == "POST" and head.media_type == b"application/json":
            operation = _post_operation(body)
        else:
            return None
        if operation is None:
            return None
        # Media URLs are absolute: without a public URL they follow the request's own origin.
        origin = self.public_url or f"{scope.get('scheme', 'http')}://{head.host.decode('latin-1')}"
        parts = [PUBLIC, method, *operation, head.accept.decode("latin-1"), origin]
        try:
            raw = orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:  # variables nested past what orjson writes
            return None
        return hashlib.blake2b(raw, digest_size=20).digest()


_Operation = tuple[str | None, Any, str | None, str | None]
"""A request's document, variables, operation name, and persisted query (when no document)."""


def _get_operation(query_string: bytes) -> _Operation | None:
    """The operation in a GET's parameters (read as Starlette does: the last of repeated ones
    counts); ``variables`` stay text, and a persisted query is its ``extensions`` as sent."""
    if not query_string:
        return None
    params = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
    query, extensions = params.get("query"), params.get("extensions")
    if query:  # extensions kept in the key: a wrong hash beside the text is the view's to refuse
        return query, params.get("variables"), params.get("operationName"), extensions
    if not extensions:  # GraphiQL's page, or a request GraphQL will refuse anyway
        return None
    return None, params.get("variables"), params.get("operationName"), extensions


def _post_operation(body: bytes) -> _Operation | None:
    """The operation in a JSON body; ``None`` if it is not a plain query request.

    Only the request is read here; whether its document is a query that succeeds is left to
    the execution (:func:`report_cacheable`).
    """
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict):
        return None
    name, extensions = payload.get("operationName"), payload.get("extensions")
    if name is not None and not isinstance(name, str):
        return None  # malformed: the view refuses it, and it must not share a clean key
    if extensions is not None and not isinstance(extensions, dict):
        return None
    query = payload.get("query")
    if isinstance(query, str):
        return query, payload.get("variables"), name, _persisted_hash(extensions)
    persisted = _persisted_hash(extensions)
    if persisted is None:
        return None
    return None, payload.get("variables"), name, persisted


def _persisted_hash(extensions: object) -> str | None:
    """``extensions.persistedQuery.sha256Hash`` (Apollo's automatic persisted queries)."""
    if not isinstance(extensions, dict):
        return None
    persisted = extensions.get("persistedQuery")
    digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    return digest if isinstance(digest, str) else None


def _multipart(head: Head) -> bool:
    return head.media_type.startswith(b"multipart/")


def _etag(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'


def _content_type(start: Message) -> bytes:
    for name, value in start["headers"]:
        if name.lower() == b"content-type":
            return bytes(value)
    return b"application/json"


def _not_modified(head: Head, etag: bytes) -> bool:
    return head.if_none_match is not None and etag_matches_raw(head.if_none_match, etag)


async def _send_304(headers: list[tuple[bytes, bytes]], send: Send) -> None:
    await send({"type": "http.response.start", "status": 304, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def _private(send: Send) -> Send:
    """``send``, marking the answer ``private, no-store`` (credentials: the requester's own)."""

    async def private(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = _with_cache_control(message, PRIVATE)
        await send(message)

    return private


def _guarded(scope: Scope, send: Send) -> Send:
    """``send``, marking the answer ``private, no-store`` if the view reported it private."""

    async def guarded(message: Message) -> None:
        if message["type"] == "http.response.start" and scope.get(_PRIVATE):
            message = _with_cache_control(message, PRIVATE)
        await send(message)

    return guarded


def _with_cache_control(start: Message, value: bytes) -> Message:
    headers = [h for h in start.get("headers", ()) if h[0].lower() != b"cache-control"]
    return {**start, "headers": [*headers, (b"cache-control", value)]}


class _Recorder:
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
            if name.lower() not in _OWN_HEADERS
        ]
        if len(body) >= min_bytes:
            kept = varying(kept)
        return Entry(stamp, body, _content_type(self.start), _etag(body), tuple(kept))

    async def replay(self, send: Send) -> None:
        if self.start is None:
            return
        await send(self.start)
        await send({"type": "http.response.body", "body": b"".join(self.chunks)})
