"""The one encoding of opaque cursors: a JSON list, base64url without padding.

Lists and search write different parts into their cursors (see :mod:`cms.services.pagination`
and :mod:`cms.search.engine`); this module only turns those parts into text and back.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import orjson

from cms.services.errors import InvalidCursor

T = TypeVar("T")


def encode(parts: Sequence[Any]) -> str:
    """The cursor holding ``parts`` (JSON values)."""
    return base64.urlsafe_b64encode(orjson.dumps(list(parts))).decode().rstrip("=")


def decode(cursor: str, argument: str, read: Callable[..., T]) -> T:
    """``read(*parts)`` of the parts in ``cursor``, passed as the argument named ``argument``.

    Text that is not a cursor, and parts that ``read`` rejects (a ``ValueError`` or
    ``TypeError``: too few, too many, of the wrong type), are an :class:`InvalidCursor`.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return read(*orjson.loads(base64.urlsafe_b64decode(padded)))
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise InvalidCursor(f"`{argument}` is not a valid cursor.", field=argument) from None
