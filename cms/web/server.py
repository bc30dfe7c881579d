"""How ``cms serve`` runs uvicorn: timeouts for clients that connect and then dawdle.

uvicorn closes idle keep-alive connections itself, but waits for a request's headers forever: a
client that opens connections and sends a byte now and then (slowloris) would hold them all.
:class:`HeaderTimeoutProtocol` closes a connection whose request line and headers do not arrive
within ``header_timeout`` seconds. Bodies have their own limit (:class:`cms.web.edge.Edge`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from cms.core.compat import HttpToolsProtocol


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol, closing connections whose headers come too slowly (it overrides
    httptools' callbacks: see :mod:`cms.core.compat`, which checks them)."""

    header_timeout = 10.0
    """Seconds from a connection's (or a request's) first byte to the end of its headers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_timer is None:
            self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout, self._expire)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expire(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def protocol(header_timeout: float) -> type[HeaderTimeoutProtocol]:
    """The protocol class for ``uvicorn.run(http=...)`` with this header timeout."""
    return type("HeaderTimeout", (HeaderTimeoutProtocol,), {"header_timeout": header_timeout})


def uvicorn_options(header_timeout: float, keep_alive_timeout: int) -> dict[str, Any]:
    """The timeouts ``cms serve`` passes to ``uvicorn.run``."""
    return {"http": protocol(header_timeout), "timeout_keep_alive": keep_alive_timeout}
