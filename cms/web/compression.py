"""Compressed JSON and XML answers for slow networks: brotli, zstd or gzip, as the client accepts.

A 20-article feed is about 15 KB of JSON and 3 KB compressed. :class:`Compress` wraps the
``/graphql`` endpoint and the feeds and sitemaps: a JSON or XML answer of at least
``min_bytes`` goes out in the best encoding the request's ``Accept-Encoding`` allows (the
highest ``q``; on equal terms brotli, then zstd, then gzip), with ``Vary: Accept-Encoding``
whether it was compressed or not, and its ``ETag``, if it has one, marked with the encoding
(``"…-br"``): each encoding is a representation of its own.

Answers the response cache keeps are compressed once per encoding and kept so
(:mod:`cms.web.graphql.response_cache`), with the same :func:`encode`: an answer carrying its
encoding decision (``Content-Encoding`` or ``Vary: Accept-Encoding``) passes through untouched.
The levels are one fixed choice per encoding, so equal answers make equal bytes (the ``ETag``
of a variant is strong). Bodies up to :data:`INLINE_BYTES` are compressed on the event loop
(well under a millisecond); larger ones in a worker thread.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Callable

import brotli
import zstandard
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cms.web.request import request_state

__all__ = ["CODINGS", "Compress", "choose", "encode", "encode_async", "tagged", "varying"]

LEVELS = {"br": 5, "zstd": 6, "gzip": 6}
"""Per encoding, in order of preference. Measured on a 15 KB feed: brotli 5 gives 3.2 KB in about
0.14 ms, zstd 6 3.2 KB in 0.08 ms, gzip 6 3.2 KB in 0.1 ms (brotli 11 would save another 10 % for
15 ms)."""

CODINGS = tuple(LEVELS)

INLINE_BYTES = 64 * 1024
"""Bodies up to this size are compressed on the event loop; larger ones in a thread."""

_ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "br": lambda body: brotli.compress(body, mode=brotli.MODE_TEXT, quality=LEVELS["br"]),
    "zstd": lambda body: zstandard.ZstdCompressor(level=LEVELS["zstd"]).compress(body),
    "gzip": lambda body: gzip.compress(body, LEVELS["gzip"], mtime=0),
}

_CHOSEN: dict[bytes, str | None] = {}
"""``Accept-Encoding`` values already read (clients send few distinct ones)."""

_CHOSEN_MAX = 512

RawHeaders = list[tuple[bytes, bytes]]


def choose(accept_encoding: bytes) -> str | None:
    """The encoding to answer a request with this ``Accept-Encoding`` in; ``None``: identity."""
    try:
        return _CHOSEN[accept_encoding]
    except KeyError:
        pass
    chosen = _choose(accept_encoding.decode("latin-1"))
    if len(_CHOSEN) >= _CHOSEN_MAX:
        _CHOSEN.clear()
    _CHOSEN[accept_encoding] = chosen
    return chosen


def _choose(header: str) -> str | None:
    weights: dict[str, float] = {}
    for part in header.split(","):
        name, _, params = part.partition(";")
        weights.setdefault(name.strip().lower(), _q(params))
    anything = weights.get("*", 0.0)
    ranked = [(weights.get(c, anything), -n, c) for n, c in enumerate(CODINGS)]
    weight, _, best = max(ranked)
    return best if weight > 0 else None


def _q(params: str) -> float:
    """The ``q`` of ``;q=0.5`` (1 without one; a malformed one counts as 0)."""
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def varying(headers: RawHeaders) -> RawHeaders:
    """``headers`` saying that the answer varies with ``Accept-Encoding`` too: added to the
    ``Vary`` already there (one field, as simple clients and the benchmark's ceiling read it)."""
    for n, (name, value) in enumerate(headers):
        if name.lower() == b"vary":
            if b"accept-encoding" not in value.lower():
                headers = [*headers[:n], (name, value + b", Accept-Encoding"), *headers[n + 1 :]]
            return headers
    return [*headers, (b"vary", b"Accept-Encoding")]


def encode(body: bytes, coding: str) -> bytes:
    """``body`` in ``coding`` (one of :data:`CODINGS`), always the same bytes for the same body."""
    return _ENCODERS[coding](body)


async def encode_async(body: bytes, coding: str) -> bytes:
    """:func:`encode`, in a worker thread when ``body`` is large."""
    if len(body) <= INLINE_BYTES:
        return encode(body, coding)
    return await asyncio.to_thread(encode, body, coding)


def tagged(etag: bytes, coding: str) -> bytes:
    """The ``ETag`` of the ``coding`` variant of the answer whose ``ETag`` is ``etag``."""
    return etag[:-1] + b"-" + coding.encode() + b'"'  # '"abc"' (or 'W/"abc"') + "-br"


class Compress:
    """ASGI middleware: JSON and XML answers of ``min_bytes`` or more, compressed (module doc)."""

    def __init__(self, app: ASGIApp, min_bytes: int) -> None:
        self.app = app
        self.min_bytes = min_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "HEAD":
            await self.app(scope, receive, send)
            return
        coding = choose(request_state(scope).head.accept_encoding)
        await self.app(scope, receive, _Compressing(send, coding, self.min_bytes).send)


def _compressible(media_type: bytes) -> bool:
    """JSON (the API's answers) and XML (feeds and sitemaps)."""
    if media_type in (b"application/json", b"application/xml"):
        return True
    return media_type.endswith((b"+json", b"+xml"))


class _Compressing:
    """One answer on its way: held back if it may need compressing, then sent."""

    def __init__(self, send: Send, coding: str | None, min_bytes: int) -> None:
        self.downstream = send
        self.coding = coding
        self.min_bytes = min_bytes
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.passing = False

    async def send(self, message: Message) -> None:
        if self.passing:
            await self.downstream(message)
        elif message["type"] == "http.response.start":
            self.passing = not self._may_compress(message)
            if self.passing:
                await self.downstream(message)
            else:
                self.start = message
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._finish()
        else:
            await self.downstream(message)

    def _may_compress(self, start: Message) -> bool:
        if start["status"] in (204, 304):
            return False
        text = False
        for name, value in start.get("headers", ()):
            name = name.lower()
            if name == b"content-type":
                text = _compressible(value.split(b";", 1)[0].strip().lower())
            elif name == b"content-encoding":
                return False
            elif name == b"vary" and b"accept-encoding" in value.lower():
                return False  # its encoding is decided already (the response cache's answers)
            elif name == b"content-length" and value.isdigit() and int(value) < self.min_bytes:
                return False
        return text

    async def _finish(self) -> None:
        assert self.start is not None
        body = b"".join(self.chunks)
        if len(body) < self.min_bytes:
            await self.downstream(self.start)
            await self.downstream({"type": "http.response.body", "body": body})
            return
        kept = [h for h in self.start.get("headers", ()) if h[0].lower() != b"content-length"]
        headers = varying(kept)
        if self.coding is not None:
            body = await encode_async(body, self.coding)
            headers = [
                (name, tagged(value, self.coding) if name.lower() == b"etag" else value)
                for name, value in headers
            ]
            headers.append((b"content-encoding", self.coding.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        await self.downstream({**self.start, "headers": headers})
        await self.downstream({"type": "http.response.body", "body": body})
