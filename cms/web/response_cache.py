"""Answers to repeated anonymous queries, served without running GraphQL again.

A news site's readers ask the same few questions (the front page, the newest articles, one
article) thousands of times between two edits. :class:`CachedGraphQL` wraps the ``/graphql``
endpoint. The first time an anonymous query is asked it simply runs (a request that fails, or is
never asked again, costs nothing more); if it succeeded, the cache remembers it. From then on the
cache reads the content's :class:`~cms.services.content.Stamp` (one small SQL statement: the
version that database triggers raise on every content write, and when the next scheduled article
comes into view) and, when it holds an answer to the very same request made under the same stamp,
sends those bytes; otherwise the query runs and its answer (a success: no ``errors``) is kept,
bounded in bytes, least recently used out. Requests that miss together (after a write, every
reader of the front page at once) run the query once: the others wait for that answer.

Whether an answer is a successful query is strawberry's word, not a second reading of the
document or of the answer: the view reports it with :func:`report_cacheable`.

It is never stale: a write (from this process, another instance or the CLI) changes the version
in the database in the writing transaction, and a scheduled article's time changes the stamp
too. The stamp is read *before* the query runs, so an answer that might include a write made
meanwhile is filed under the older stamp, which no later request has.

GET answers carry an ``ETag`` and ``Cache-Control: no-cache``: mobile apps and CDNs revalidate
with ``If-None-Match`` and get a bodiless ``304`` while the content is unchanged. Only answers
to a :attr:`~cms.services.visibility.Viewer.shared` viewer are kept (see :mod:`cms.web.viewer`);
mutations never are.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.datastructures import Headers, QueryParams
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cms.services import clock, content
from cms.services.content import Stamp
from cms.services.errors import Unauthenticated
from cms.web.body import ClientDisconnected, read_body, replay
from cms.web.conditional import etag_matches
from cms.web.viewer import viewer_for

__all__ = ["CachedGraphQL", "Entry", "ResponseCache", "report_cacheable"]

CACHE_HEADER = b"x-cms-cache"
"""``hit`` or ``miss`` on every answer the cache looked at: for operators and tests."""

PUBLIC = "public"
"""The audience of every kept answer: anonymous readers, who all see the same content."""

_CACHEABLE = "cms.cacheable"
"""Scope key set by :func:`report_cacheable`."""

_OWN_HEADERS = frozenset({b"content-length", b"etag", b"cache-control", CACHE_HEADER})
"""Headers the cache writes itself when it sends an entry; the view's others are kept."""

RawHeaders = tuple[tuple[bytes, bytes], ...]


def report_cacheable(scope: Scope) -> None:
    """The GraphQL view's word that this request's answer is a successful query (keepable)."""
    scope[_CACHEABLE] = True


def _cacheable(scope: Scope) -> bool:
    return scope.get(_CACHEABLE) is True


@dataclass(frozen=True, slots=True)
class Entry:
    """One kept answer, the stamp of the content it was computed from, and its headers."""

    stamp: Stamp
    body: bytes
    content_type: bytes
    etag: bytes
    headers: RawHeaders = ()
    """The view's other headers, sent again with every copy."""

    @property
    def size(self) -> int:
        return len(self.body) + 256  # the body, and roughly the key, headers and bookkeeping


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

    def put(self, key: bytes, entry: Entry) -> None:
        if entry.size > self.max_bytes // 16:  # one huge answer must not flush all the others
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = entry
        self._size += entry.size
        while self._size > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: bytes) -> None:
        self._size -= self._entries.pop(key).size


@dataclass(frozen=True, slots=True)
class _Operation:
    """What identifies a GraphQL request's answer, whatever its transport."""

    query: str
    variables: Any
    operation_name: str | None


class CachedGraphQL:
    """The ``/graphql`` ASGI app with a :class:`ResponseCache` in front (see the module doc)."""

    def __init__(self, app: ASGIApp, cache: ResponseCache, public_url: str | None) -> None:
        self.app = app
        self.cache = cache
        self.public_url = public_url
        self._running: dict[tuple[bytes, Stamp], asyncio.Future[Entry | None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.cache.max_bytes == 0:
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        headers = connection.headers
        if headers.get("content-type", "").lower().startswith("multipart/"):
            await self.app(scope, receive, send)  # an upload: streamed, never cached or buffered
            return
        try:
            viewer = await viewer_for(connection)
        except Unauthenticated:  # the view refuses it, as it would without the cache
            await self.app(scope, receive, send)
            return
        try:
            body = await read_body(receive) if scope["method"] == "POST" else b""
        except ClientDisconnected:
            return
        replayed = replay(body, receive)
        operation = _operation(scope, headers, body)
        if operation is None or not viewer.shared:  # only answers anyone may see are shared
            await self.app(scope, replayed, send)
            return
        key = self._key(scope, headers, operation)
        if key is None:  # variables that cannot be a key (nested past what orjson writes)
            await self.app(scope, replayed, send)
            return
        if not self.cache.known(key):
            # The first time, just answer (and remember it if it is a success worth keeping): a
            # request that fails validation or never comes again costs no extra statement.
            response = await self._record(scope, replayed)
            if _cacheable(scope):
                self.cache.seen(key)
            await response.replay(send)
            return
        stamp = await content.stamp(clock.now())
        if stamp is None:  # a database without the version (migrations not yet applied)
            await self.app(scope, replayed, send)
            return
        entry = self.cache.get(key, stamp)
        if entry is not None:
            await _send_entry(entry, scope, headers, send, hit=True)
            return
        await self._miss(key, stamp, scope, headers, replayed, send)

    async def _miss(
        self,
        key: bytes,
        stamp: Stamp,
        scope: Scope,
        headers: Headers,
        receive: Receive,
        send: Send,
    ) -> None:
        """Run the query once for every request that misses ``key`` under ``stamp`` meanwhile."""
        running = self._running.get((key, stamp))
        if running is not None:
            entry = await asyncio.shield(running)
            if entry is not None:
                await _send_entry(entry, scope, headers, send, hit=False)
            else:  # that answer was not one to keep (an error): this request runs on its own
                await self.app(scope, receive, send)
            return
        future: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        self._running[key, stamp] = future
        entry = None
        try:
            response = await self._record(scope, receive)
            entry = response.entry(stamp) if _cacheable(scope) else None
            if entry is not None:
                self.cache.put(key, entry)
        finally:
            del self._running[key, stamp]
            future.set_result(entry)
        if entry is None:
            await response.replay(send)
            return
        await _send_entry(entry, scope, headers, send, hit=False)

    async def _record(self, scope: Scope, receive: Receive) -> _Recorder:
        response = _Recorder()
        await self.app(scope, receive, response.send)
        return response

    def _key(self, scope: Scope, headers: Headers, operation: _Operation) -> bytes | None:
        """The request's key among the answers kept for the public (the only audience kept)."""
        # Media URLs are absolute: without a public URL they follow the request's own origin.
        origin = self.public_url or f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"
        parts = [PUBLIC, operation.query, operation.variables, operation.operation_name, origin]
        try:
            raw = orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            return None
        return hashlib.blake2b(raw).digest()


def _operation(scope: Scope, headers: Headers, body: bytes) -> _Operation | None:
    """The request's query, variables and operation name; ``None`` if it is not a plain query.

    Only the request is read here; whether its document is a query that succeeds is left to
    the execution (:func:`report_cacheable`).
    """
    if scope["method"] == "GET":
        params = QueryParams(scope.get("query_string", b""))
        query = params.get("query")
        if not query:  # GraphiQL's page, or a request GraphQL will refuse anyway
            return None
        return _Operation(query, params.get("variables"), params.get("operationName"))
    if scope["method"] != "POST":
        return None
    content_type = headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        return None
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return None
    name = payload.get("operationName")
    return _Operation(
        payload["query"], payload.get("variables"), name if isinstance(name, str) else None
    )


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

    def entry(self, stamp: Stamp) -> Entry | None:
        """The answer as an :class:`Entry` (only asked of one the view reported cacheable)."""
        if self.start is None or self.start["status"] != 200:
            return None
        body = b"".join(self.chunks)
        headers = Headers(raw=self.start["headers"])
        content_type = headers.get("content-type", "application/json").encode("latin-1")
        etag = b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'
        kept = tuple(
            (name, value)
            for name, value in self.start["headers"]
            if name.lower() not in _OWN_HEADERS and name.lower() != b"content-type"
        )
        return Entry(stamp, body, content_type, etag, kept)

    async def replay(self, send: Send) -> None:
        if self.start is None:
            return
        await send(self.start)
        await send({"type": "http.response.body", "body": b"".join(self.chunks)})


async def _send_entry(
    entry: Entry, scope: Scope, headers: Headers, send: Send, *, hit: bool
) -> None:
    status = "hit" if hit else "miss"
    raw = [*entry.headers, (b"etag", entry.etag), (CACHE_HEADER, status.encode())]
    if scope["method"] == "GET":
        raw.append((b"cache-control", b"no-cache"))
        if etag_matches(headers.get("if-none-match"), entry.etag.decode()):
            await send({"type": "http.response.start", "status": 304, "headers": raw})
            await send({"type": "http.response.body", "body": b""})
            return
    raw += [
        (b"content-type", entry.content_type),
        (b"content-length", str(len(entry.body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": raw})
    await send({"type": "http.response.body", "body": entry.body})
