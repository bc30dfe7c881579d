"""The ``Collection`` type: a list of articles in the editors' order."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from cms import models
from cms.articles import collection_items
from cms.articles.structure_reads import CollectionRow
from cms.core import surrogate
from schema.context import Info
from schema.types.article import Article
from schema.types.node import Node, to_global_id
from schema.types.pagination import Connection, page_window


@strawberry.type(
    description="A list of articles in the editors' order, e.g. the front page's top stories "
    "(`trang-chu`) or a section's highlights."
)
class Collection(Node):
    id: strawberry.ID = strawberry.field(description="Opaque, globally unique ID.")
    slug: str = strawberry.field(description="URL-safe name, unique, e.g. `trang-chu`.")
    name: str = strawberry.field(description="Name as shown to editors, e.g. `Trang chủ`.")
    description: str = strawberry.field(description="What the list is for; may be empty.")
    version: int = strawberry.field(
        description="Goes up by one on every change: pass it back to change the collection."
    )
    updated_at: datetime = strawberry.field(description="When the collection last changed.")
    _pk: strawberry.Private[int]

    @strawberry.field(
        description="The articles, in the editors' order. You see those you may see: a draft, "
        "an archived article or one scheduled for later is left out (not an error) until you "
        "may; a scheduled article appears at its time."
    )
    async def items(
        self,
        info: Info,
        first: Annotated[
            int | None, strawberry.argument(description="Page size (default 20, at most 100).")
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Return items after this cursor.")
        ] = None,
        locale: Annotated[
            str | None,
            strawberry.argument(
                description="The locale of the articles, one of `CMS_LOCALES`; default: the "
                "default locale (a collection may hold articles of several)."
            ),
        ] = None,
    ) -> Connection[Article]:
        win = page_window(info, collection_items.IN_ORDER, first=first, after=after)
        context = info.context
        loaders = context.loaders.in_locale(context.locales().check(locale))
        page = await loaders.items_by_collection.load((self._pk, win))
        surrogate.record_articles()
        return Connection.of(page, _article)

    @classmethod
    def from_row(cls, row: CollectionRow) -> Collection:
        surrogate.record("collection", row.id)
        return cls(
            id=to_global_id("Collection", row.id),
            slug=row.slug,
            name=row.name,
            description=row.description,
            version=row.version,
            updated_at=row.updated_at,
            _pk=row.id,
        )

    @classmethod
    def from_model(cls, collection: models.Collection) -> Collection:
        """The collection a mutation just wrote (its row made from the model, no statement)."""
        return cls.from_row(CollectionRow.of(collection))

    @classmethod
    async def load(cls, info: Info, pk: int) -> Collection | None:
        found = await info.context.loaders.collection_by_id.load(pk)
        return cls.from_row(found) if found else None


def _article(item: collection_items.Item) -> Article:
    return Article.from_row(item.article)
