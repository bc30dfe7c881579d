"""The ``Author`` type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from cms import models
from cms.services.articles import FEED_ORDER
from schema.context import Info
from schema.types.image import Image
from schema.types.node import Node, to_global_id
from schema.types.pagination import Connection, page_window

if TYPE_CHECKING:
    from schema.types.article import Article

ArticleRef = Annotated["Article", strawberry.lazy("schema.types.article")]


@strawberry.type(description="A writer or photographer credited on articles.")
class Author(Node):
    id: strawberry.ID = strawberry.field(description="Opaque, globally unique ID.")
    slug: str = strawberry.field(description="URL-safe name, unique, e.g. `bich-lien`.")
    name: str = strawberry.field(description="Name as printed in bylines, e.g. `Bích Liên`.")
    bio: str = strawberry.field(description="Short biography; may be empty.")
    _pk: strawberry.Private[int]
    _avatar_id: strawberry.Private[int | None]

    @strawberry.field(description="Portrait, if any.")
    async def avatar(self, info: Info) -> Image | None:
        if self._avatar_id is None:
            return None
        found = await info.context.loaders.image_by_id.load(self._avatar_id)
        return Image.from_model(found) if found else None

    @strawberry.field(description="The author's published articles, newest first.")
    async def articles(
        self,
        info: Info,
        first: Annotated[
            int | None, strawberry.argument(description="Page size (default 20, at most 100).")
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Return items after this cursor.")
        ] = None,
    ) -> Connection[ArticleRef]:
        from schema.types.article import Article

        win = page_window(info, FEED_ORDER, first=first, after=after)
        page = await info.context.loaders.articles_by_author.load((self._pk, win))
        return Connection.of(page, Article.from_model)

    @classmethod
    def from_model(cls, author: models.Author) -> Author:
        return cls(
            id=to_global_id("Author", author.id),
            slug=author.slug,
            name=author.name,
            bio=author.bio,
            _pk=author.id,
            _avatar_id=author.avatar_id,
        )

    @classmethod
    async def load(cls, info: Info, pk: int) -> Author | None:
        found = await info.context.loaders.author_by_id.load(pk)
        return cls.from_model(found) if found else None
