"""The one encoding of opaque cursors: a JSON list, base64url without padding.

Lists and search write different parts into their cursors (see :mod:`cms.core.pagination`
and :mod:`cms.search.engine`); this module only turns those parts into text and back.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import orjson

from cms.core.errors import InvalidCursor

T = TypeVar("T")

MAX_INT = 2**31 - 1
"""The largest integer a cursor holds: ids (and scores) fit a signed 32-bit column."""
MAX_TEXT = 255
"""The longest text a cursor holds: a sort key (a title's) is at most a column's 255."""
MAX_LENGTH = 2048
"""Longer input is not a cursor, whatever it decodes to."""


def encode(parts: Sequence[Any]) -> str:
    """The cursor holding ``parts`` (JSON values)."""
    return base64.urlsafe_b64encode(orjson.dumps(list(parts))).decode().rstrip("=")


def decode(cursor: str, argument: str, read: Callable[..., T]) -> T:
    """``read(*parts)`` of the parts in ``cursor``, passed as the argument named ``argument``.

    Text that is not a cursor, and parts that ``read`` rejects (a ``ValueError`` or
    ``TypeError``: too few, too many, of the wrong type), are an :class:`InvalidCursor`.
    """
    try:
        if len(cursor) > MAX_LENGTH:
            raise ValueError("longer than any cursor issued")
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = orjson.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(parts, list) or not all(map(_in_range, parts)):
            raise ValueError("not the parts of a cursor")
        return read(*parts)
    except (ValueError, TypeError, OverflowError, binascii.Error, orjson.JSONDecodeError):
        raise InvalidCursor(f"`{argument}` is not a valid cursor.", field=argument) from None


def _in_range(part: object) -> bool:
    """Whether a decoded part could have been written by us: an integer that fits the ``id``
    columns (signed 32-bit), text no longer than a sort column (255 characters), or null."""
    if isinstance(part, int):
        return -MAX_INT <= part <= MAX_INT
    if isinstance(part, str):
        return len(part) <= MAX_TEXT
    return part is None  # never a float: orjson reads integers past 64 bits as floats
