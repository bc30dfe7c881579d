"""What ``cms serve`` does first when told to stop (SIGTERM, or Ctrl-C's SIGINT).

uvicorn's shutdown stops accepting, lets requests in flight finish (``CMS_SHUTDOWN_TIMEOUT``)
and runs the lifespan's end; but it closes WebSockets with 1012 ("service restart") before the
app hears of it. So the app, once started, puts its own handler in front of uvicorn's: it
schedules the app's goodbye (the subscriptions closed with 1001, "going away") on the loop, and
hands the signal on to uvicorn, whose main loop notices it at its next tick (0.1 s later).
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable, Coroutine
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def on_stop(goodbye: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], None]:
    """Run ``goodbye`` on this loop when a stop signal arrives, before the handler that was
    there (uvicorn's) gets it; the undo. Only the main thread may handle signals: elsewhere
    nothing is installed."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    loop = asyncio.get_running_loop()
    running: set[asyncio.Task[None]] = set()
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}

    def start() -> None:
        if not running:  # once, however many signals come
            running.add(loop.create_task(goodbye()))

    def handler(sig: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(start)
        then = previous[signal.Signals(sig)]
        if callable(then):
            then(sig, frame)

    for sig in STOP_SIGNALS:
        signal.signal(sig, handler)

    def undo() -> None:
        for sig, then in previous.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, then)

    return undo
