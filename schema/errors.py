"""What clients see when something goes wrong: typed errors for their mistakes, nothing of ours."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from cms.core.db import is_unavailable
from cms.core.errors import CmsError

MASKED_MESSAGE = "Unexpected error."
UNAVAILABLE_MESSAGE = "The database cannot be reached: try again in a few seconds."
LOGGED_MESSAGE_LENGTH = 200
"""How much of an exception's message is logged: it may quote client input, at any length."""

logger = logging.getLogger("cms.errors")


def is_unexpected(error: GraphQLError) -> bool:
    """True for a failure of ours (a bug, a dead database): its details must not reach clients.

    Syntax, validation and variable errors carry no original exception or no path; errors the
    services raise on purpose are :class:`CmsError`. Everything else is masked.
    """
    original = error.original_error
    if original is None or error.path is None:
        return False
    return not isinstance(original, CmsError | GraphQLError)


def log_unexpected(error: GraphQLError) -> None:
    """Log a failure of ours with its traceback, but only a short prefix of its message."""
    original = error.original_error or error
    message = str(original)
    if len(message) > LOGGED_MESSAGE_LENGTH:
        message = f"{message[:LOGGED_MESSAGE_LENGTH]}… ({len(message)} characters)"
    frames = "".join(traceback.format_tb(original.__traceback__))
    path = ".".join(str(part) for part in error.path or ())
    logger.error(
        "Unexpected error in %s: %s: %s\n%s", path, type(original).__name__, message, frames
    )


class PublicErrors(SchemaExtension):
    """Mask unexpected errors; give every error an ``extensions.code`` (and ``field``).

    Codes: the services' own (``PAGE_SIZE``, ``INVALID_CURSOR``, ...), ``INTERNAL_ERROR`` for a
    masked failure, ``DATABASE_UNAVAILABLE`` for one because the database cannot be reached (the
    transport answers it ``503``), ``GRAPHQL_VALIDATION_FAILED`` for a document that does not fit
    the schema.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [_public(error) for error in errors]


def _public(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    message = error.message
    if is_unexpected(error) and is_unavailable(original or error):
        message, original, extensions = UNAVAILABLE_MESSAGE, None, {"code": "DATABASE_UNAVAILABLE"}
    elif is_unexpected(error):
        message, original, extensions = MASKED_MESSAGE, None, {"code": "INTERNAL_ERROR"}
    elif isinstance(original, CmsError):
        extensions = {"code": original.code.value}
        if original.field:
            extensions["field"] = original.field
    elif error.path is None and not error.extensions:
        extensions = {"code": "GRAPHQL_VALIDATION_FAILED"}
    else:
        return error
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=original,
        extensions={**(error.extensions or {}), **extensions},
    )
