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
