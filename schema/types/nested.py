"""The ``articles`` list of an author or an event: one resolver for every parent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.dataloader import DataLoader

from cms.articles.queries import FEED_ORDER
from cms.articles.reads import ArticleRow
from cms.core import surrogate
from cms.core.pagination import Page
from schema.context import Info, Loaders, ParentPageKey
from schema.types.pagination import Connection, page_window

if TYPE_CHECKING:
    from schema.types.article import Article

ArticleRef = Annotated["Article", strawberry.lazy("schema.types.article")]
PageLoader = Callable[[Loaders], DataLoader[ParentPageKey, Page[ArticleRow]]]


def parent_articles(
    pages: PageLoader,
) -> Callable[..., Awaitable[Connection[ArticleRef]]]:
    """A resolver of a parent's newest-first articles, by the request's ``pages`` loader."""

    async def articles(
        root: Any,
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
                "default locale."
            ),
        ] = None,
    ) -> Connection[ArticleRef]:
        from schema.types.article import Article

        win = page_window(info, FEED_ORDER, first=first, after=after)
        context = info.context
        loaders = context.loaders.in_locale(context.locales().check(locale))
        page = await pages(loaders).load((root._pk, win))
        surrogate.record_articles()
        return Connection.of(page, Article.from_row)

    return articles
