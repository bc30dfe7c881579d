"""Whatever fails while a GraphQL request is answered, the answer is JSON.

Errors inside the GraphQL execution are strawberry's to report (masked as ``INTERNAL_ERROR`` by
the schema). Around it, a request reads the database too: its viewer's token, a trusted
document, the content's version for the response cache. An exception there used to reach
Starlette, which answers ``500`` in plain text. Here it becomes a GraphQL-shaped JSON answer:
``503`` with ``Retry-After`` while the database cannot be reached (it may work again in a
moment), ``500`` ``INTERNAL_ERROR`` for anything else (logged with its traceback).
"""

from __future__ import annotations

import logging

from starlette.types import Send

from cms.core.db import is_unavailable
from cms.web.errors import Refused

__all__ = ["RETRY_AFTER", "UNAVAILABLE", "answer_failure", "unavailable"]

RETRY_AFTER = "5"
"""Seconds a client should wait before asking again while the database cannot be reached."""

UNAVAILABLE = "DATABASE_UNAVAILABLE"

logger = logging.getLogger("cms.errors")


def unavailable() -> Refused:
    return Refused(
        503,
        "The database cannot be reached: try again in a few seconds.",
        code=UNAVAILABLE,
        headers={"Retry-After": RETRY_AFTER},
    )


async def answer_failure(error: Exception, send: Send) -> None:
    """Answer ``error``, raised answering a GraphQL request before its response started, as
    JSON: ``503`` while the database cannot be reached, else ``500`` (logged with its traceback).
    (The edge catches it: once the response started, an error can only go on up.)"""
    if is_unavailable(error):
        logger.warning("Database unavailable: %s: %s", type(error).__name__, error)
        await unavailable().send(send)
        return
    logger.exception("Unexpected error answering a GraphQL request", exc_info=error)
    await Refused(500, "Unexpected error.", code="INTERNAL_ERROR").send(send)
