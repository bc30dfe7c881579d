"""Every use of a library's non-public API, in one place, each with a test that fails loudly.

The CMS leans on a few internals that the libraries' public APIs do not offer. Each is wrapped
here in one small function, so that a library update that moves or changes one breaks exactly one
function and one test (``tests/unit/test_compat.py``), named after the library and the version
the CMS was last checked with, instead of failing somewhere deep in a request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from tortoise.models import Model

M = TypeVar("M", bound=Model)

# --- tortoise-orm: models from rows (checked with 1.1.9) ---------------------------------------


def model_table(model: type[Model]) -> str:
    """The table a model is stored in (``Model._meta.db_table``)."""
    return str(model._meta.db_table)


def model_columns(model: type[Model]) -> tuple[str, ...]:
    """The columns of a model's table, in the order the model declares its fields
    (``Model._meta.fields_db_projection``: field name to column, relations as their ``_id``)."""
    return tuple(model._meta.fields_db_projection.values())


def model_from_row(model: type[M]) -> Callable[[Mapping[str, Any]], M]:
    """Makes a model instance from a row holding every one of :func:`model_columns`, as tortoise
    makes one from its own queries (``Model._init_from_db``: values converted from the
    database's form, the instance marked as saved), so raw SQL can read models."""
    build = model._init_from_db

    def made(row: Mapping[str, Any]) -> M:
        return build(**row)

    return made


def attach_related(instance: Model, name: str, related: Model | None) -> None:
    """Give ``instance`` its related object ``name`` read with it, as tortoise's
    ``select_related`` does (the relation's cache, ``_<name>``): reading it costs no query."""
    object.__setattr__(instance, f"_{name}", related)
