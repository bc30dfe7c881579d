"""Relay's ``Node`` interface and the opaque global IDs behind it (base64 of ``Type:pk``)."""

from __future__ import annotations

import base64
import binascii

import strawberry

from cms.core.errors import InvalidId

MAX_PK = 2**31 - 1
"""The largest primary key the ``id`` columns hold (``INT``: signed 32-bit on PostgreSQL)."""
MAX_ID_LENGTH = 64
"""Longer text is no global ID (``Article:2147483647`` is 28 characters encoded)."""


@strawberry.interface(
    description="An object with a globally unique ID: fetch any of them again with `node(id:)`."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="Opaque, globally unique and stable ID. Do not parse it: it may change form."
    )


def to_global_id(type_name: str, pk: int) -> strawberry.ID:
    """``Article``, 1 -> ``QXJ0aWNsZTox``."""
    return strawberry.ID(base64.b64encode(f"{type_name}:{pk}".encode()).decode())


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
