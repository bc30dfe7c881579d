"""Global IDs: the opaque ``id`` the API gives every object, made and read in one place.

An ID is the base64 of ``Type:pk`` (``Article:1`` is ``QXJ0aWNsZTox``). The GraphQL types hand
them out, ``node(id:)`` and the mutations read them back, and content events name their object
with them, so that a webhook consumer can pass the ID it got straight to ``node(id:)``. Clients
must not parse them: only this module knows their form.
"""

from __future__ import annotations

import base64
import binascii

from cms.core.errors import InvalidId

MAX_PK = 2**31 - 1
"""The largest primary key the ``id`` columns hold (``INT``: signed 32-bit on PostgreSQL)."""
MAX_ID_LENGTH = 64
"""Longer text is no global ID (``Article:2147483647`` is 28 characters encoded)."""


def to_global_id(type_name: str, pk: int) -> str:
    """``Article``, 1 -> ``QXJ0aWNsZTox``."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def from_global_id(value: str, argument: str = "id") -> tuple[str, int]:
    """The type name and primary key inside a global ID; :class:`InvalidId` if it is not one."""
    if len(value) > MAX_ID_LENGTH:
        raise InvalidId(f"`{argument}` is not a valid ID.", field=argument)
    try:
        type_name, _, raw_pk = base64.b64decode(value, validate=True).decode().partition(":")
        pk = int(raw_pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidId(f"`{argument}` is not a valid ID.", field=argument) from None
    if not type_name or not 1 <= pk <= MAX_PK or raw_pk != str(pk):
        raise InvalidId(f"`{argument}` is not a valid ID.", field=argument)
    return type_name, pk


def pk_of(value: str, type_name: str, argument: str) -> int:
    """The primary key of an ID that must name ``type_name``."""
    found, pk = from_global_id(value, argument)
    if found != type_name:
        raise InvalidId(f"`{argument}` must be the ID of an {type_name}.", field=argument)
    return pk
