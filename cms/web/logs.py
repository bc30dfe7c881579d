"""Logs: one line per request from the HTTP edge, and every log line tagged with its request.

The edge (:mod:`cms.web.edge`) gives each request an id: the client's ``X-Request-ID`` when it
is short and printable (a load balancer's, so one id follows the request through both logs),
else a new one; the answer always carries it back. While the request runs, the id sits in a
context variable, so a line any code logs meanwhile (a failed webhook, strawberry's error log)
carries it too (:class:`RequestIdFilter`).

A new id is 32 lower-case hex digits, as a UUID's hex was: 16 drawn at random once per process
(at import, and again in a child after ``fork``), then the process's request counter (16,
zero-padded). It costs a tenth of ``uuid4()`` (about 0.2 µs against 2), which was a tenth of
what the edge spends on an answer sent from memory. Unique within a process by the counter;
across worker processes and instances in practice: two processes share a prefix with a
probability of about n²/2⁶⁵ for n processes (under 10⁻¹⁰ for a million). Unlike a UUID4 it is
not unguessable (the next one is the previous one plus one): it names a request, it grants
nothing.

The edge's line (logger ``cms.access``) replaces uvicorn's access log: method, route (the
route's template, ``/media/r/{path:path}``, never the raw path), status, duration, bytes, the
GraphQL operation's name, the kind of viewer (``anonymous``, ``user``, ``token``, ``refused``,
``unchecked``: never a token, an email or a password) and the response cache's outcome. A
request that fails with an exception is one line at ``ERROR`` with the traceback inside it
(``traceback``, the message cut as :mod:`schema.errors` cuts GraphQL's).

``CMS_LOG_FORMAT=json`` (:func:`log_config`) writes each line as one JSON object
(python-json-logger); ``text``, the default, stays readable at a terminal.
"""

from __future__ import annotations

import itertools
import logging
import os
import secrets
import traceback
from contextvars import ContextVar
from typing import Any, Literal

from cms.core.viewer import Viewer

__all__ = [
    "ACCESS",
    "REQUEST_ID",
    "RequestIdFilter",
    "access_line",
    "access_logged",
    "log_config",
    "request_id_of",
    "viewer_kind",
]

ACCESS = logging.getLogger("cms.access")
"""The edge's one line per request."""

REQUEST_ID: ContextVar[str | None] = ContextVar("cms_request_id", default=None)
"""The id of the request being answered (``None`` outside one)."""

MAX_REQUEST_ID = 64
"""The longest client-given ``X-Request-ID`` kept: longer ones get a new id."""
MAX_FAILURE_MESSAGE = 200
"""How much of a failure's message is logged."""
MAX_OPERATION_NAME = 100
"""Operation names are logged cut to this many characters (they are the client's words)."""

LogFormat = Literal["text", "json"]


def request_id_of(given: bytes | None) -> str:
    """The request's id: ``given`` (the client's ``X-Request-ID``) when it is 1 to 64 visible
    ASCII characters, else a new one (this process's prefix and next count: module doc)."""
    if given and len(given) <= MAX_REQUEST_ID and all(0x21 <= c <= 0x7E for c in given):
        return given.decode("ascii")
    return _ids.next()


class _Ids:
    """This process's request ids: a random prefix, then a counter."""

    __slots__ = ("_count", "_prefix")

    def __init__(self) -> None:
        self.restart()

    def restart(self) -> None:
        """A new prefix (random) and count (from 1)."""
        self._prefix = secrets.token_hex(8)
        self._count = itertools.count(1)

    def next(self) -> str:
        return f"{self._prefix}{next(self._count):016x}"


_ids = _Ids()
os.register_at_fork(after_in_child=_ids.restart)  # a forked worker draws its own prefix


def viewer_kind(authorization: bytes | None, viewer: Viewer | None, refused: bool) -> str:
    """Who asked, as a kind only: ``anonymous`` (no credentials), ``user`` or ``token`` (an API
    token), ``refused`` (credentials that were no live token), or ``unchecked`` (credentials
    the answer did not need to look at)."""
    if authorization is None:
        return "anonymous"
    if viewer is None:
        return "refused" if refused else "unchecked"
    if not viewer.signed_in:
        return "anonymous"
    return "user" if viewer.user_id is not None else "token"


def access_logged(failure: BaseException | None) -> bool:
    """Whether a request's line would be written: ``cms.access`` enabled at ``ERROR`` for a
    failed request, at ``INFO`` for the others. The edge gathers the line's fields only then."""
    return ACCESS.isEnabledFor(logging.ERROR if failure is not None else logging.INFO)


def access_line(
    *,
    method: str,
    route: str,
    status: int,
    duration: float,
    size: int,
    operation: object,
    viewer: str,
    cache: str | None,
    failure: BaseException | None = None,
) -> None:
    """Log one request's line (``cms.access``); ``failure``'s traceback goes inside it."""
    level = logging.ERROR if failure is not None else logging.INFO
    if not ACCESS.isEnabledFor(level):
        return
    name = operation[:MAX_OPERATION_NAME] if isinstance(operation, str) and operation else None
    fields = {
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": round(duration * 1000, 3),
        "bytes": size,
        "operation": name,
        "viewer": viewer,
        "cache": cache,
    }
    if failure is not None:
        fields["traceback"] = failure_text(failure)
    shown = f" {name!r}" if name else ""
    args = (method, route, status, size, duration * 1000, shown, viewer, cache or "-")
    # Made and handled as Logger.log would, less its walk up the stack for the caller (always
    # this function; the record names it): about 2 µs of the line's 18 (bench/edge_cost.py).
    record = ACCESS.makeRecord(
        ACCESS.name, level, __file__, _LINE, _ACCESS_FORMAT, args, None, "access_line", fields
    )
    ACCESS.handle(record)


_ACCESS_FORMAT = "%s %s %d %dB %.1fms%s %s cache=%s"
_LINE = access_line.__code__.co_firstlineno


def failure_text(failure: BaseException) -> str:
    """A failure's traceback, its message cut to :data:`MAX_FAILURE_MESSAGE` characters (it may
    quote client input, at any length), as ``schema.errors`` logs GraphQL's."""
    message = str(failure)
    if len(message) > MAX_FAILURE_MESSAGE:
        message = f"{message[:MAX_FAILURE_MESSAGE]}… ({len(message)} characters)"
    frames = "".join(traceback.format_tb(failure.__traceback__))
    return f"Traceback (most recent call last):\n{frames}{type(failure).__name__}: {message}"


class RequestIdFilter(logging.Filter):
    """Gives every record the id of the request it was logged in (``request_id``; ``None``
    outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


_JSON_FIELDS = "{levelname}{name}{message}{request_id}"
_TEXT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def log_config(log_format: LogFormat, *, access: bool = True) -> dict[str, Any]:
    """The ``logging.config.dictConfig`` of ``cms serve`` (uvicorn applies it in each worker):
    every logger (ours, uvicorn's, the libraries') to stdout in ``log_format``, uvicorn's own
    access log off (the edge writes its line instead, unless ``access`` is false)."""
    if log_format == "json":
        formatter: dict[str, Any] = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": _JSON_FIELDS,
            "style": "{",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601, UTC
        }
    else:
        formatter = {"format": _TEXT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "cms.web.logs.RequestIdFilter"}},
        "formatters": {"cms": formatter},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "cms",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["stdout"], "level": "INFO"},
        "loggers": {
            "uvicorn": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.error": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "cms.access": {"level": "INFO" if access else "WARNING"},
        },
    }
