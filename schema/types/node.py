"""Relay's ``Node`` interface and the opaque global IDs behind it (see :mod:`cms.core.ids`)."""

from __future__ import annotations

import strawberry

from cms.core import ids
from cms.core.ids import from_global_id, pk_of

__all__ = ["Node", "from_global_id", "pk_of", "to_global_id"]


@strawberry.interface(
    description="An object with a globally unique ID: fetch any of them again with `node(id:)`."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="Opaque, globally unique and stable ID. Do not parse it: it may change form."
    )


def to_global_id(type_name: str, pk: int) -> strawberry.ID:
    """``Article``, 1 -> ``QXJ0aWNsZTox``, typed as the ``ID`` scalar the types declare."""
    return strawberry.ID(ids.to_global_id(type_name, pk))
