"""How many WebSockets one client address may hold open on this instance."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.types import Scope, Send

from cms.core.metrics import SUBSCRIPTIONS_OPEN

CLOSE_TOO_MANY = 1008
"""Policy violation: refused before the handshake completes (the client sees HTTP 403)."""


class SocketLimit:
    """Counts open sockets per client address; a connection over ``limit`` is refused."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open: Counter[str] = Counter()

    @asynccontextmanager
    async def admit(self, scope: Scope, send: Send) -> AsyncIterator[bool]:
        """Whether this socket may go on (refused ones are closed here); counted while open."""
        client = scope.get("client")
        address = str(client[0]) if client else ""
        if self.open[address] >= self.limit:
            await send({"type": "websocket.close", "code": CLOSE_TOO_MANY})
            yield False
            return
        self.open[address] += 1
        SUBSCRIPTIONS_OPEN.inc()
        try:
            yield True
        finally:
            SUBSCRIPTIONS_OPEN.dec()
            self.open[address] -= 1
            if not self.open[address]:
                del self.open[address]
