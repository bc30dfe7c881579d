"""The errors the services raise on purpose. Everything else is a bug and is masked by the API."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Machine-readable error codes, shown to API clients as ``extensions.code``."""

    BAD_USER_INPUT = "BAD_USER_INPUT"
    INVALID_CURSOR = "INVALID_CURSOR"
    INVALID_ID = "INVALID_ID"
    PAGE_SIZE = "PAGE_SIZE"
    NOT_FOUND = "NOT_FOUND"
    INVALID_IMAGE = "INVALID_IMAGE"
    TOO_LARGE = "TOO_LARGE"
    IMPORT_FAILED = "IMPORT_FAILED"
    VALIDATION = "VALIDATION"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    CONFLICT = "CONFLICT"
    SLUG_TAKEN = "SLUG_TAKEN"
    IN_USE = "IN_USE"
    RATE_LIMITED = "RATE_LIMITED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    CHANGES_EXPIRED = "CHANGES_EXPIRED"


class CmsError(Exception):
    """Root of the errors whose message is safe to show to any client."""

    code: ErrorCode = ErrorCode.BAD_USER_INPUT

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(CmsError):
    """The client asked for something malformed or out of range."""


class InvalidCursor(InvalidInput):
    """A pagination cursor that this API did not issue, or issued for another ordering."""

    code = ErrorCode.INVALID_CURSOR


class InvalidId(InvalidInput):
    """An ID that is not one of ours, or names the wrong type."""

    code = ErrorCode.INVALID_ID


class ChangesExpired(InvalidInput):
    """A change-feed cursor older than what the feed still remembers: sync from scratch."""

    code = ErrorCode.CHANGES_EXPIRED


class PageSizeError(InvalidInput):
    """``first``/``last`` outside the allowed range."""

    code = ErrorCode.PAGE_SIZE


class NotFound(CmsError):
    """A referenced object does not exist (or is not visible to the viewer)."""

    code = ErrorCode.NOT_FOUND


class InvalidImage(InvalidInput):
    """Bytes that are not an image we can take (format, size, pixels)."""

    code = ErrorCode.INVALID_IMAGE


class ImageTooLarge(InvalidImage):
    """An image over the configured byte or pixel limit."""

    code = ErrorCode.TOO_LARGE


class Forbidden(CmsError):
    """The viewer is signed in but may not do this (their role, or not their article)."""

    code = ErrorCode.FORBIDDEN


class Unauthenticated(CmsError):
    """No valid credentials: anonymous, or a token that is expired, revoked or malformed."""

    code = ErrorCode.UNAUTHENTICATED


class Conflict(CmsError):
    """The object changed since the client last saw it: nothing was overwritten."""

    code = ErrorCode.CONFLICT

    def __init__(self, message: str, *, current_version: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.current_version = current_version


class SlugTaken(InvalidInput):
    """An explicit slug that another object already has."""

    code = ErrorCode.SLUG_TAKEN


class InUse(CmsError):
    """The object is still referred to (by ``count`` articles): deleting it would leave holes."""

    code = ErrorCode.IN_USE

    def __init__(self, message: str, *, count: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.count = count


class RateLimited(CmsError):
    """Too many attempts: try again after ``retry_after`` seconds."""

    code = ErrorCode.RATE_LIMITED

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


class InvalidCredentials(CmsError):
    """The email and password do not match an active account (never says which is wrong)."""

    code = ErrorCode.INVALID_CREDENTIALS
