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
thread hop: the HTTP edge hands ``/graphql`` requests to :class:`CachedGraphQL` before routing,
and an answer from memory is the first thing it tries (nothing else runs for it).
The stamp is read *before* a query runs, so an answer that might include a write made meanwhile
is filed under the older stamp, which no later request has.

A request's key is its method, its document (or, for an Apollo persisted query sent without one,
the document's hash), variables and operation name (the request's parameters, read once:
:class:`~cms.web.graphql.params.GraphQLParams`), its ``Accept`` (which decides the answer's
media type) and the origin that absolute media URLs are made for. Whether an answer is a
successful query is strawberry's word, not a second reading of the document or of the answer:
the view reports it in the request's state (:func:`report_cacheable`), and preview answers
(:func:`report_private`).

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
from collections.abc import Awaitable
from datetime import datetime

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cms.core import clock
from cms.notify import content
from cms.notify.content import Stamp
from cms.notify.content_watch import ContentWatch
from cms.web.body import ClientDisconnected, read_body, replay
from cms.web.compression import Compress, choose, encode_async, tagged, varying
from cms.web.conditional import etag_matches_raw
from cms.web.graphql.kept import (
    CACHE_HEADER,
    OWN_HEADERS,
    Entry,
    Recorder,
    ResponseCache,
    Variant,
    content_type_of,
    etag_of,
)
from cms.web.head import Head
from cms.web.request import RequestState, request_state

__all__ = ["CachedGraphQL", "Entry", "ResponseCache", "report_cacheable", "report_private"]

PUBLIC = "public"
"""The audience of every kept answer: anonymous readers, who all see the same content."""

NO_CACHE = b"no-cache"
PRIVATE = b"private, no-store"
"""Answers to credentials or a preview token: for that client alone, and not even kept by it."""


def report_cacheable(scope: Scope, surrogate_keys: str = "") -> None:
    """The GraphQL view's word that this request's answer is a successful query (keepable),
    and the surrogate keys of what it shows."""
    state = request_state(scope)
    state.cacheable = True
    state.surrogate_keys = surrogate_keys


def report_private(scope: Scope) -> None:
    """The GraphQL view's word that this answer is for its requester alone (a preview)."""
    request_state(scope).private = True


_Kept = tuple[Entry, str | None, Variant | None, datetime]
"""A kept answer to send: its entry, the encoding and its variant, and the time it is sent."""


class CachedGraphQL:
    """The ``/graphql`` ASGI app with a :class:`ResponseCache` in front (see the module doc):
    an answer from memory first, else the rest (:mod:`~cms.web.compression` compressing what
    the cache has not), the view's answers kept on the way.

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
        surrogate_key_header: str = "Surrogate-Key",
    ) -> None:
        self.app = app
        self.surrogate_key_header = surrogate_key_header.lower().encode("latin-1")
        self.cache = cache
        self.public_url = public_url
        self.watch = watch
        self.max_age = max_age
        self.min_bytes = compress_min_bytes
        self._running: dict[tuple[bytes, Stamp], asyncio.Future[Entry | None]] = {}
        self._rest = Compress(self._through, compress_min_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.answer(request_state(scope), scope, receive, send)

    def answer(
        self, state: RequestState, scope: Scope, receive: Receive, send: Send
    ) -> Awaitable[None]:
        """Answer the request whose state the HTTP edge made (the ASGI call, with its state):
        from memory if the watch vouches for the kept answer (no statement, nothing else
        running), else through the rest. (A plain function returning what to await: an answer
        from memory costs no coroutine of its own.)"""
        kept = self._kept(state, scope)
        if kept is None:
            return self._rest(scope, receive, send)
        entry, coding, variant, now = kept
        return self._send(entry, coding, variant, state, now, send, b"hit")

    def _kept(self, state: RequestState, scope: Scope) -> _Kept | None:
        """The kept answer to this request and the encoding the client takes, if the watch
        vouches for it; ``None`` when the rest must decide."""
        head, watch = state.head, self.watch
        if watch is None or head.authorization is not None or not self.cache.max_bytes:
            return None
        if state.body is None and state.method != "GET":  # not read by an edge: the rest reads it
            return None
        key = state.cache_key if state.keyed else self._key_of(state, scope)
        entry = self.cache.peek(key) if key is not None else None
        if key is None or entry is None:
            return None
        now = clock.now()
        stamp = watch.current(now)
        if stamp is None or (stamp is not entry.stamp and stamp != entry.stamp):
            return None
        coding = self._coding(head, entry)
        variant = entry.variants.get(coding) if coding is not None else None
        if coding is not None and variant is None:
            return None  # not yet made in this encoding: the rest makes it
        self.cache.touch(key)
        return entry, coding, variant, now

    async def _through(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The request through the view: kept on the way if it is worth keeping."""
        state = request_state(scope)
        if state.head.authorization is not None:  # the view checks the credentials: theirs alone
            await self.app(scope, receive, _private(send))
            return
        method = state.method
        if not self.cache.max_bytes or method not in ("GET", "POST") or _multipart(state.head):
            await self.app(scope, receive, _guarded(state, send))  # uploads: streamed, unread
            return
        if method == "POST" and state.body is None:  # not read by the edge (used on its own)
            try:
                state.body = await read_body(receive)
            except ClientDisconnected:
                return
            receive = replay(state.body, receive)
        key = self._key_of(state, scope)
        if key is None:
            await self.app(scope, receive, _guarded(state, send))
        elif not self.cache.known(key):
            await self._first(key, scope, state, receive, send)
        else:
            await self._known(key, scope, state, receive, send)

    async def _first(
        self, key: bytes, scope: Scope, state: RequestState, receive: Receive, send: Send
    ) -> None:
        """The first time, just answer (and remember it if it is a success worth keeping): a
        request that fails validation or never comes again costs no extra statement."""
        response = await self._record(scope, receive)
        if not state.cacheable or response.start is None:
            await response.replay(_guarded(state, send))
            return
        self.cache.seen(key)
        if state.method != "GET" or response.start["status"] != 200:
            await response.replay(send)
            return
        body = b"".join(response.chunks)
        etag = etag_of(body)
        head = state.head
        coding = choose(head.accept_encoding) if len(body) >= self.min_bytes else None
        now = clock.now()
        stamp = self.watch.current(now) if self.watch is not None else None
        headers = [h for h in response.start["headers"] if h[0].lower() not in OWN_HEADERS]
        headers += [(b"content-type", content_type_of(response.start))]
        headers += [(b"etag", etag), (b"cache-control", self._cache_control(stamp, now))]
        if _not_modified(head, tagged(etag, coding) if coding else etag):
            await _send_304(varying(headers) if len(body) >= self.min_bytes else headers, send)
            return
        # The compression layer around this app compresses it, and marks the ETag likewise.
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**response.start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _known(
        self, key: bytes, scope: Scope, state: RequestState, receive: Receive, send: Send
    ) -> None:
        now = clock.now()
        stamp = await self._stamp(now)
        if stamp is None:  # a database without the version (migrations not yet applied)
            await self.app(scope, receive, _guarded(state, send))
            return
        entry = self.cache.get(key, stamp)
        if entry is not None:
            await self._send_entry(key, entry, state, now, send, b"hit")
            return
        await self._miss(key, stamp, scope, state, receive, send)

    async def _stamp(self, now: datetime) -> Stamp | None:
        if self.watch is None:
            return await content.stamp(now)
        return self.watch.current(now) or await self.watch.read(now)

    async def _miss(
        self,
        key: bytes,
        stamp: Stamp,
        scope: Scope,
        state: RequestState,
        receive: Receive,
        send: Send,
    ) -> None:
        """Run the query once for every request that misses ``key`` under ``stamp`` meanwhile."""
        running = self._running.get((key, stamp))
        if running is not None:
            entry = await asyncio.shield(running)
            if entry is not None:
                await self._send_entry(key, entry, state, clock.now(), send, b"miss")
            else:  # that answer was not one to keep (an error): this request runs on its own
                await self.app(scope, receive, _guarded(state, send))
            return
        future: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        self._running[key, stamp] = future
        entry = None
        try:
            response = await self._record(scope, receive)
            entry = response.entry(stamp, self.min_bytes) if state.cacheable else None
            if entry is not None:
                self.cache.put(key, entry)
        finally:
            del self._running[key, stamp]
            future.set_result(entry)
        if entry is None:
            await response.replay(_guarded(state, send))
            return
        await self._send_entry(key, entry, state, clock.now(), send, b"miss")

    async def _record(self, scope: Scope, receive: Receive) -> Recorder:
        """The answer, recorded; a keepable one carries its surrogate keys (kept with it)."""
        response = Recorder()
        await self.app(scope, receive, response.send)
        state = request_state(scope)
        if state.cacheable and state.surrogate_keys and response.start is not None:
            keys = (self.surrogate_key_header, state.surrogate_keys.encode("ascii"))
            response.start = {**response.start, "headers": [*response.start["headers"], keys]}
        return response

    async def _send_entry(
        self,
        key: bytes,
        entry: Entry,
        state: RequestState,
        now: datetime,
        send: Send,
        status: bytes,
    ) -> None:
        """Send a kept answer, compressed as the client accepts (made now if it is the first to
        ask for this encoding)."""
        coding = self._coding(state.head, entry)
        variant = None
        if coding is not None:
            variant = entry.variants.get(coding)
            if variant is None:
                data = await encode_async(entry.body, coding)
                variant = entry.variants.setdefault(coding, (data, tagged(entry.etag, coding)))
                if variant[0] is data:
                    self.cache.grew(key, entry, len(data))
        await self._send(entry, coding, variant, state, now, send, status)

    async def _send(
        self,
        entry: Entry,
        coding: str | None,
        variant: Variant | None,
        state: RequestState,
        now: datetime,
        send: Send,
        status: bytes,
    ) -> None:
        body, etag = variant if variant is not None else (entry.body, entry.etag)
        headers = [*entry.headers, (b"etag", etag), (CACHE_HEADER, status)]
        state.cache_outcome = status.decode("ascii")  # the edge's log line, the metrics
        if state.method == "GET":
            headers.append((b"cache-control", self._cache_control(entry.stamp, now)))
            if _not_modified(state.head, etag):
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

    def _key_of(self, state: RequestState, scope: Scope) -> bytes | None:
        """The request's key, worked out once per request (kept in its state)."""
        if not state.keyed:
            state.cache_key, state.keyed = self._key(state, scope), True
        return state.cache_key

    def _key(self, state: RequestState, scope: Scope) -> bytes | None:
        """The request's key among the answers kept for the public (the only audience kept);
        ``None`` for a request that is no query to keep."""
        method, head = state.method, state.head
        if method != "GET" and (method != "POST" or head.media_type != b"application/json"):
            return None
        operation = state.graphql.operation()
        if operation is None:
            return None
        parts = [
            PUBLIC,
            method,
            *operation,
            head.accept.decode("latin-1"),
            self.origin(state, scope),
        ]
        if head.query_cost:  # the answer carries its cost: another answer
            parts.append("cost")
        try:
            raw = orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:  # variables nested past what orjson writes
            return None
        return hashlib.blake2b(raw, digest_size=20).digest()

    def origin(self, state: RequestState, scope: Scope) -> str:
        """Where absolute media URLs point: the public URL, else the request's own origin (so
        answers are kept per origin)."""
        host = state.head.host.decode("latin-1")
        return self.public_url or f"{scope.get('scheme', 'http')}://{host}"


def _multipart(head: Head) -> bool:
    return head.media_type.startswith(b"multipart/")


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


def _guarded(state: RequestState, send: Send) -> Send:
    """``send``, marking the answer ``private, no-store`` if the view reported it private."""

    async def guarded(message: Message) -> None:
        if message["type"] == "http.response.start" and state.private:
            message = _with_cache_control(message, PRIVATE)
        await send(message)

    return guarded


def _with_cache_control(start: Message, value: bytes) -> Message:
    headers = [h for h in start.get("headers", ()) if h[0].lower() != b"cache-control"]
    return {**start, "headers": [*headers, (b"cache-control", value)]}
