"""What clients see when something goes wrong: typed errors for their mistakes, nothing of ours."""

from __future__ import annotations

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from cms.services.errors import CmsError

MASKED_MESSAGE = "Unexpected error."


def is_unexpected(error: GraphQLError) -> bool:
    """True for a failure of ours (a bug, a dead database): its details must not reach clients.

    Syntax, validation and variable errors carry no original exception or no path; errors the
    services raise on purpose are :class:`CmsError`. Everything else is masked.
    """
    original = error.original_error
    if original is None or error.path is None:
        return False
    return not isinstance(original, CmsError | GraphQLError)


class PublicErrors(MaskErrors):
    """Mask unexpected errors; give expected ones ``extensions.code`` (and ``field``)."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=MASKED_MESSAGE)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [_with_code(error) for error in super()._process_errors(errors)]


def _with_code(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, CmsError):
        extensions = {"code": original.code.value}
        if original.field:
            extensions["field"] = original.field
    elif error.message == MASKED_MESSAGE and original is None and error.path is not None:
        extensions = {"code": "INTERNAL_ERROR"}
    elif error.path is None and not error.extensions:
        extensions = {"code": "GRAPHQL_VALIDATION_FAILED"}
    else:
        return error
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=original,
        extensions={**(error.extensions or {}), **extensions},
    )
