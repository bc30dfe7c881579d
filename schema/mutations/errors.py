"""What a mutation answers when it cannot do what was asked: typed errors, one interface.

Every mutation returns a union of its success type and the error types below, which all
implement :class:`UserError`, so a client selects ``... on UserError { code message field }``
once. A mutation that fails writes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, Any, TypeVar, Union

import strawberry

from cms.core import errors

S = TypeVar("S")


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
        "IN_USE", description="Articles still refer to the object: it cannot be deleted."
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
    count: int = strawberry.field(description="How many articles refer to it.")


@strawberry.type(description="Too many attempts in a short time.")
class RateLimitedError(UserError):
    retry_after: int = strawberry.field(description="Seconds to wait before trying again.")


@strawberry.type(description="The email and password do not match an active account.")
class InvalidCredentialsError(UserError):
    pass


ERROR_TYPES: tuple[type[UserError], ...] = (
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
"""Every mutation's result union holds all of these besides its success type."""


def result(name: str, success: type[Any], description: str) -> Any:
    """The union type ``name``: ``success`` or any :data:`ERROR_TYPES` member."""
    return Annotated[
        Union[(success, *ERROR_TYPES)],
        strawberry.union(name, description=description),
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


async def attempt(work: Callable[[], Awaitable[S]]) -> S | UserError:
    """``work()``'s success, or the :class:`UserError` for the refusal it raised.

    The services run each mutation in one transaction: a refusal has rolled everything back.
    """
    try:
        return await work()
    except errors.CmsError as error:
        return user_error(error)
