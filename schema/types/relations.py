"""What an article and its figures share to resolve the pictures and other relations they show.

Both :mod:`schema.types.article` and :mod:`schema.types.blocks` use these, and the article
imports the blocks, so they live apart from both.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeAlias, TypeVar

from cms import models
from cms.articles.reads import ImageRow
from schema.context import Info

T = TypeVar("T")

Resolved: TypeAlias = T | Awaitable[T]
"""What a relation's resolver returns: the value when it was fetched up front for the whole list
(:mod:`schema.planner`), graphql-core then staying on its synchronous path; else an awaitable
that asks the request's loaders."""

Picture = models.Image | ImageRow
"""What an ``Image`` is made from (see :class:`schema.types.image.Image`)."""


async def used_images(info: Info, article_id: int) -> dict[int, Picture]:
    """The pictures an article uses, by id: one batched query for every figure of every article
    in the request (the usage table lists exactly the cover and the figures' pictures)."""
    found = await info.context.loaders.images_by_article_id.load(article_id)
    return {image.id: image for image in found}
