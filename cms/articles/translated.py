"""Texts translated in place, written with the change that gives them.

Sections, tags, events, authors and pictures keep their default locale's texts in their columns
and the others' in ``translations`` (:mod:`cms.core.locales`). Their create and update mutations
take ``translations``: checked before anything is written, and written in the same transaction
as the rest of the change (a refusal of either leaves both unwritten).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tortoise.models import Model
from tortoise.transactions import in_transaction

from cms.core.locales import Translations

__all__ = ["with_translations"]

M = TypeVar("M", bound=Model)


async def with_translations(
    write: Callable[[], Awaitable[M]], translations: Translations | None
) -> M:
    """``write()`` (a service's create or update) and then, in the same transaction, the row's
    translations replaced by ``translations`` (None: kept as they are; empty: removed)."""
    async with in_transaction():
        written = await write()
        if translations is not None:
            value = translations or None
            await type(written).filter(pk=written.pk).update(translations=value)
            written.translations = value
    return written
