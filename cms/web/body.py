"""Request bodies: read whole (bounded), replayed to the app, decoded strictly.

Every JSON request body is read once, by the HTTP edge (:mod:`cms.web.edge`), before the API
sees it: at most ``max_bytes``, arriving within ``timeout`` seconds (:func:`read_within`). It is
decoded once (:mod:`cms.web.graphql.params`) and taken strictly (:func:`decode_object`): valid
UTF-8, valid JSON (orjson: no lone surrogates, nesting under 1,024, numbers that fit a double), an
object, and nested at most :data:`MAX_DEPTH` deep. Anything else is the client's error, answered
with a 4xx.

Uploads (``multipart/form-data`` to the GraphQL endpoint) are not buffered: they stream through
to the API (:class:`StreamedUpload`), counted as they come against their own limit (the
request's bytes of ``UploadLimits``), and cut off (413) as soon as they pass it; a pause longer
than ``timeout`` between two chunks is a 408.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cms.web.errors import Refused
from cms.web.head import Head

MAX_DEPTH = 64
"""How deeply JSON values may nest (no GraphQL input of this schema comes near)."""


class BadBody(ValueError):
    """A body that is not the JSON object a GraphQL request is (the message says why)."""


class TooLarge(Exception):
    """The body passed the limit while it was read."""


class ClientDisconnected(Exception):
    """The client went away before its body was whole: there is no one left to answer."""


def is_upload(head: Head) -> bool:
    """Whether a request to the GraphQL endpoint is an upload (multipart)."""
    return head.media_type == b"multipart/form-data"


async def read_within(receive: Receive, max_bytes: int, seconds: float) -> bytes:
    """The whole body, at most ``max_bytes`` (:class:`TooLarge`), arriving within ``seconds``
    (``TimeoutError``)."""
    async with asyncio.timeout(seconds):
        return await read_body(receive, max_bytes)


class StreamedUpload:
    """One upload request, passed on as it arrives: counted, timed, and cut off when over."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float, declared: bytes | None):
        self.app, self.max_bytes, self.timeout = app, max_bytes, timeout
        self.declared = declared or b""
        """Its ``Content-Length``, if it has one."""
        self.size = 0
        self.started = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = self.declared
        if declared.isdigit() and int(declared) > self.max_bytes:
            await Refused(413, self._too_large).send(send)
            return

        async def counted() -> Message:
            try:
                async with asyncio.timeout(self.timeout):
                    message = await receive()
            except TimeoutError:
                raise _Stalled from None
            if message["type"] != "http.request":
                raise ClientDisconnected
            self.size += len(message.get("body", b""))
            if self.size > self.max_bytes:
                raise TooLarge
            return message

        async def watched(message: Message) -> None:
            self.started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except TooLarge:
            await self._refuse(send, 413, self._too_large)
        except _Stalled:
            message = f"The upload paused for more than {self.timeout:g} seconds."
            await self._refuse(send, 408, message)
        except ClientDisconnected:
            return

    async def _refuse(self, send: Send, status: int, message: str) -> None:
        if not self.started:
            await Refused(status, message).send(send)

    @property
    def _too_large(self) -> str:
        return f"The upload is larger than {self.max_bytes} bytes in all."


class _Stalled(Exception):
    """An upload stopped arriving for longer than the timeout."""


async def read_body(receive: Receive, max_bytes: int | None = None) -> bytes:
    """The whole body of a request (at most ``max_bytes``)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` once, then whatever the client sends next."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def decode_object(data: str | bytes, what: str = "The request body") -> dict[str, Any]:
    """A JSON object, strictly decoded; :class:`BadBody` naming ``what`` otherwise."""
    return checked_object(loads_json(data, what), what)


def loads_json(data: str | bytes, what: str = "The request body") -> object:
    """Any JSON value, strictly decoded (the first half of :func:`decode_object`)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise BadBody(f"{what} is not valid JSON: {_short(str(error))}") from None


def checked_object(value: object, what: str = "The request body") -> dict[str, Any]:
    """``value`` if it is an object nested at most :data:`MAX_DEPTH` deep (the second half of
    :func:`decode_object`, which a cache hit never needs)."""
    if not isinstance(value, dict):
        raise BadBody(f"{what} must be a JSON object, not {_json_type(value)}.")
    if _too_deep(value, MAX_DEPTH):
        raise BadBody(f"{what} nests deeper than {MAX_DEPTH} levels.")
    return value


def _too_deep(value: object, limit: int) -> bool:
    """Whether ``value`` nests more than ``limit`` levels (iterative: no recursion limit)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string"}.get(
        type(value), "an array"
    )


def _short(text: str, limit: int = 120) -> str:
    """At most ``limit`` characters of text that may carry the client's input."""
    return text if len(text) <= limit else text[:limit] + "…"
