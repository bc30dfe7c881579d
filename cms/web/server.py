"""How ``cms serve`` runs uvicorn: timeouts for clients that connect and then dawdle.

uvicorn closes idle keep-alive connections itself, but waits for a request's headers forever: a
client that opens connections and sends a byte now and then (slowloris) would hold them all.
:class:`HeaderTimeoutProtocol` closes a connection whose request line and headers do not arrive
within ``header_timeout`` seconds. Bodies have their own limit (:class:`cms.web.edge.Edge`).
"""

from __future__ import annotations

import asyncio
import functools
import os
from typing import Any

import settings as settings_module
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


class ServeProtocol(HeaderTimeoutProtocol):
    """``cms serve``'s protocol: the header timeout of the environment's settings. A class of
    this module, not one made by :func:`protocol`: uvicorn's worker processes (``--workers``)
    receive their configuration pickled, and a class pickles by its importable name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = _configured_header_timeout()


@functools.cache
def _configured_header_timeout() -> float:
    return settings_module.load().header_timeout


def worker_count(given: str) -> int:
    """``--workers``: a number from 1, or ``auto`` for the machine's cores; ValueError else."""
    if given.strip().lower() == "auto":
        return os.cpu_count() or 1
    count = int(given)
    if count < 1:
        raise ValueError("at least 1")
    return count


def protocol(header_timeout: float) -> type[HeaderTimeoutProtocol]:
    """The protocol class for ``uvicorn.run(http=...)`` with this header timeout."""
    return type("HeaderTimeout", (HeaderTimeoutProtocol,), {"header_timeout": header_timeout})


def uvicorn_options(header_timeout: float, keep_alive_timeout: int) -> dict[str, Any]:
    """The timeouts of an in-process server (tests): the protocol made for ``header_timeout``."""
    return {"http": protocol(header_timeout), "timeout_keep_alive": keep_alive_timeout}


def serve_options(keep_alive_timeout: int, shutdown_timeout: float) -> dict[str, Any]:
    """The timeouts ``cms serve`` passes to ``uvicorn.run``, picklable for worker processes:
    headers (:class:`ServeProtocol`), idle connections, and requests in flight after SIGTERM."""
    return {
        "http": ServeProtocol,
        "timeout_keep_alive": keep_alive_timeout,
        "timeout_graceful_shutdown": shutdown_timeout,
    }
