"""The WebSockets of this instance: how many one client address may hold open, and saying
goodbye to all of them (close code 1001, "going away") when the server stops, so that clients
reconnect to another instance at once rather than wait for a dead connection."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.types import Message, Scope, Send

from cms.core.metrics import SUBSCRIPTIONS_OPEN

CLOSE_TOO_MANY = 1008
"""Policy violation: refused before the handshake completes (the client sees HTTP 403)."""
CLOSE_GOING_AWAY = 1001
"""The server is stopping (RFC 6455): clients reconnect, elsewhere."""


class _Socket:
    """One socket's ``send``: once the server said goodbye, what the handler still sends is
    dropped (the connection is closing; sending would be an error)."""

    __slots__ = ("_send", "closed")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.closed = False

    async def send(self, message: Message) -> None:
        if self.closed:
            return
        if message["type"] == "websocket.close":
            self.closed = True
        await self._send(message)

    async def going_away(self) -> None:
        if self.closed:
            return
        self.closed = True
        reason = "The server is stopping: reconnect."
        with contextlib.suppress(Exception):  # a connection already gone: nothing to say
            await self._send(
                {"type": "websocket.close", "code": CLOSE_GOING_AWAY, "reason": reason}
            )


class SocketLimit:
    """Counts open sockets per client address; a connection over ``limit`` is refused."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open: Counter[str] = Counter()
        self._live: set[_Socket] = set()

    @asynccontextmanager
    async def admit(self, scope: Scope, send: Send) -> AsyncIterator[Send | None]:
        """The ``send`` this socket goes on with, or ``None`` if it is refused (closed here);
        counted while open."""
        client = scope.get("client")
        address = str(client[0]) if client else ""
        if self.open[address] >= self.limit:
            await send({"type": "websocket.close", "code": CLOSE_TOO_MANY})
            yield None
            return
        self.open[address] += 1
        socket = _Socket(send)
        self._live.add(socket)
        SUBSCRIPTIONS_OPEN.inc()
        try:
            yield socket.send
        finally:
            SUBSCRIPTIONS_OPEN.dec()
            self._live.discard(socket)
            self.open[address] -= 1
            if not self.open[address]:
                del self.open[address]

    async def going_away(self) -> None:
        """Close every open socket with 1001 (the server is stopping)."""
        await asyncio.gather(*(socket.going_away() for socket in list(self._live)))
