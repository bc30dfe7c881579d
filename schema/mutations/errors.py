"""What a mutation answers when it cannot do what was asked: typed errors, one interface.

Every mutation returns a union of its success type and the error types it can answer, no
others, so that the SDL tells a client exactly what to handle: ``articleDelete`` may be
``CONFLICT``, ``login`` never is. Each mutation module declares its mutations' errors in a
table (``REFUSALS``), traced from the services it calls; :func:`result` makes the union from it,
and :func:`attempt` holds the mutation to it at run time. All error types implement
:class:`UserError`, so a client may also select ``... on UserError { code message field }``
once. A mutation that fails writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, Any, TypeVar, Union

import strawberry

from cms.core import errors
from schema.context import Info

S = TypeVar("S")

logger = logging.getLogger("cms.contracts")
"""Where a mutation that answered an error outside its union is reported (a bug of ours)."""


@strawberry.enum(description="Why a mutation was refused.")
class ErrorCode(Enum):
    VALIDATION = strawberry.enum_value(
        "VALIDATION", description="Input that breaks a rule; `field` names it."
    )
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND", description="The object does not exist, or you may not see it."
    )
    FORBIDDEN = strawberry.enum_value(
        "FORBIDDEN", description="You are signed in, but your role may not do this."
    )
    UNAUTHENTICATED = strawberry.enum_value(
        "UNAUTHENTICATED", description="Sign in first (or your token expired or was revoked)."
    )
    CONFLICT = strawberry.enum_value(
        "CONFLICT", description="Someone saved a newer version meanwhile: nothing was overwritten."
    )
    SLUG_TAKEN = strawberry.enum_value("SLUG_TAKEN", description="Another object has this slug.")
    IN_USE = strawberry.enum_value(
        "IN_USE",
        description="Articles (or, for a section, sections below it) still refer to the "
        "object: it cannot be deleted.",
    )
    RATE_LIMITED = strawberry.enum_value(
        "RATE_LIMITED", description="Too many attempts: wait `retryAfter` seconds."
    )
    INVALID_CREDENTIALS = strawberry.enum_value(
        "INVALID_CREDENTIALS", description="The email and password do not match an account."
    )
    INVALID_IMAGE = strawberry.enum_value(
        "INVALID_IMAGE", description="The file is not an image the CMS takes."
    )
    TOO_LARGE = strawberry.enum_value("TOO_LARGE", description="The file is over a size limit.")


@strawberry.interface(
    description="Why a mutation did nothing. Select `... on UserError { code message field }`."
)
class UserError:
    message: str = strawberry.field(description="For people: what is wrong and how to fix it.")
    code: ErrorCode = strawberry.field(description="For programs: the kind of error.")
    field: str | None = strawberry.field(
        description="The input at fault as a path, e.g. `body.3.figure.imageIds.1`; null if none."
    )


@strawberry.type(description="Input that breaks a rule (length, format, a missing reference).")
class ValidationError(UserError):
    pass


@strawberry.type(description="The object does not exist, or you may not see it.")
class NotFoundError(UserError):
    pass


@strawberry.type(description="Your role may not do this, or the article is not yours.")
class ForbiddenError(UserError):
    pass


@strawberry.type(description="No valid credentials: sign in, or get a new token.")
class UnauthenticatedError(UserError):
    pass


@strawberry.type(
    description="The object changed since you loaded it. Reload, reapply your change, and save "
    "with `currentVersion`."
)
class ConflictError(UserError):
    current_version: int = strawberry.field(description="The version saved now.")


@strawberry.type(description="Another object already has this slug.")
class SlugTakenError(UserError):
    pass


@strawberry.type(description="Articles still refer to the object: it cannot be deleted.")
class InUseError(UserError):
    count: int = strawberry.field(
        description="How many articles refer to it (for a section: its articles and the "
        "sections just below it)."
    )


@strawberry.type(description="Too many attempts in a short time.")
class RateLimitedError(UserError):
    retry_after: int = strawberry.field(description="Seconds to wait before trying again.")


@strawberry.type(description="The email and password do not match an active account.")
class InvalidCredentialsError(UserError):
    pass


Refusals = tuple[type[UserError], ...]
"""The error types one mutation can answer."""

ERROR_TYPES: Refusals = (
    ValidationError,
    NotFoundError,
    ForbiddenError,
    UnauthenticatedError,
    ConflictError,
    SlugTakenError,
    InUseError,
    RateLimitedError,
    InvalidCredentialsError,
)
"""Every error type, in the order a union lists those of its mutation."""

SIGNED_IN: Refusals = (UnauthenticatedError, ForbiddenError)
"""What a mutation that some roles may not use (or not on everything) answers: anonymous
callers ``UNAUTHENTICATED``, signed-in ones whose role may not ``FORBIDDEN``. A mutation open to
every role (``eventCreate``, the uploads) lists ``UnauthenticatedError`` alone."""

DECLARED: dict[str, Refusals] = {}
"""Each mutation's errors by its GraphQL name (``articleDelete``), as its union lists them:
filled by :func:`result` as the mutation modules are imported, read by :func:`attempt`."""


def result(
    mutation: str, success: type[Any], refusals: dict[str, Refusals], description: str = ""
) -> Any:
    """The union ``<Mutation>Result``: ``success``, or one of the errors ``refusals`` (the
    module's table) declares for ``mutation``, listed in the order of :data:`ERROR_TYPES`.

    The errors are recorded in :data:`DECLARED`, which :func:`attempt` holds the mutation to.
    """
    given = refusals[mutation]
    unknown = [kind.__name__ for kind in given if kind not in ERROR_TYPES]
    if unknown or len(set(given)) != len(given):
        raise TypeError(f"{mutation}: not a set of error types: {unknown or given}")
    listed = tuple(kind for kind in ERROR_TYPES if kind in given)
    DECLARED[mutation] = listed
    name = f"{mutation[0].upper()}{mutation[1:]}Result"
    return Annotated[
        Union[(success, *listed)],
        strawberry.union(name, description=description or f"What `{mutation}` answers."),
    ]


def user_error(error: errors.CmsError) -> UserError:
    """The GraphQL error type for a refusal raised by the services."""
    code, field = error.code, error.field
    if isinstance(error, errors.Conflict):
        return ConflictError(
            message=error.message,
            code=ErrorCode.CONFLICT,
            field=field,
            current_version=error.current_version,
        )
    if isinstance(error, errors.InUse):
        return InUseError(
            message=error.message, code=ErrorCode.IN_USE, field=field, count=error.count
        )
    if isinstance(error, errors.RateLimited):
        return RateLimitedError(
            message=error.message,
            code=ErrorCode.RATE_LIMITED,
            field=field,
            retry_after=error.retry_after,
        )
    kind, graphql_code = _SIMPLE.get(code, (ValidationError, ErrorCode.VALIDATION))
    if code in {errors.ErrorCode.INVALID_IMAGE, errors.ErrorCode.TOO_LARGE}:
        graphql_code = ErrorCode[code.value]
    return kind(message=error.message, code=graphql_code, field=field)


_SIMPLE: dict[errors.ErrorCode, tuple[type[UserError], ErrorCode]] = {
    errors.ErrorCode.NOT_FOUND: (NotFoundError, ErrorCode.NOT_FOUND),
    errors.ErrorCode.FORBIDDEN: (ForbiddenError, ErrorCode.FORBIDDEN),
    errors.ErrorCode.UNAUTHENTICATED: (UnauthenticatedError, ErrorCode.UNAUTHENTICATED),
    errors.ErrorCode.SLUG_TAKEN: (SlugTakenError, ErrorCode.SLUG_TAKEN),
    errors.ErrorCode.INVALID_CREDENTIALS: (InvalidCredentialsError, ErrorCode.INVALID_CREDENTIALS),
}
"""Error types that carry nothing beyond the interface; everything else is a validation error."""


class UndeclaredError(Exception):
    """A mutation was refused with an error its union does not list: a bug of ours (declare the
    error in the mutation's ``REFUSALS``, or stop raising it). Never answered as such: the API
    masks it as an internal error, and the tests fail on it."""


async def attempt(info: Info, work: Callable[[], Awaitable[S]]) -> S | UserError:
    """``work()``'s success, or the :class:`UserError` for the refusal it raised, if the
    mutation's union lists it (else :class:`UndeclaredError`, logged on ``cms.contracts``).

    The services run each mutation in one transaction: a refusal has rolled everything back.
    """
    try:
        return await work()
    except errors.CmsError as error:
        answer = user_error(error)
        mutation = info.field_name
        if type(answer) in DECLARED.get(mutation, ()):
            return answer
        breach = UndeclaredError(
            f"`{mutation}` was refused with {type(answer).__name__} ({error.code.value}, "
            f"field {error.field!r}), which its union does not list"
        )
        logger.error("%s", breach)
        raise breach from error
