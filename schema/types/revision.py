"""``ArticleRevision``: an article as it was saved once, and the list of them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from cms import models
from cms.articles import body as body_
from cms.articles import revisions
from cms.articles.reads import ArticleRow
from schema.context import Info
from schema.types.pagination import Connection, page_window
from schema.types.status import ArticleStatus
from schema.types.user import User

RevisionsFirst = Annotated[
    int | None, strawberry.argument(description="How many revisions (default 20, at most 100).")
]
RevisionsAfter = Annotated[
    str | None, strawberry.argument(description="Revisions older than this cursor.")
]


@strawberry.type(description="The article as it was saved once: every save makes one.")
class ArticleRevision:
    number: int = strawberry.field(description="1 for the first save, then 2, 3 …")
    created_at: datetime = strawberry.field(description="When it was saved.")
    title: str = strawberry.field(description="The headline as saved.")
    summary: str = strawberry.field(description="The summary as saved.")
    status: ArticleStatus = strawberry.field(
        description="The status it was saved with (a scheduled article stays SCHEDULED here)."
    )
    tags: list[str] | None = strawberry.field(
        description="The names of the article's tags as saved, in order; null for a save made "
        "before tags were recorded."
    )
    _model: strawberry.Private[models.ArticleRevision]

    @strawberry.field(description="Who saved it; null for imports, API tokens, removed users.")
    async def user(self, info: Info) -> User | None:
        if self._model.user_id is None:
            return None
        found = await info.context.loaders.user_by_id.load(self._model.user_id)
        return User.from_model(found, info.context.viewer) if found else None

    @strawberry.field(description="The body as saved, as plain text (figures left out).")
    def body_text(self) -> str:
        return body_.render_text(body_.from_json(self._model.body))

    @classmethod
    def from_model(cls, revision: models.ArticleRevision) -> ArticleRevision:
        return cls(
            number=revision.number,
            created_at=revision.created_at,
            title=revision.title,
            summary=revision.summary,
            status=ArticleStatus[revision.status.name],
            tags=list(revision.tags) if revision.tags is not None else None,
            _model=revision,
        )


async def revisions_of(
    info: Info, article: models.Article | ArticleRow, first: int | None, after: str | None
) -> Connection[ArticleRevision]:
    """An article's revisions, newest first, if the viewer may see them (editors, admins and
    the article's own author); an empty list for anyone else."""
    win = page_window(info, revisions.NEWEST_FIRST, first=first, after=after)
    if not await may_see(info, article):
        return Connection.of(revisions.empty_page(), ArticleRevision.from_model)
    page = await info.context.loaders.revisions_by_article.load((article.id, win))
    return Connection.of(page, ArticleRevision.from_model)


async def may_see(info: Info, article: models.Article | ArticleRow) -> bool:
    """Whether the viewer may see the article's revisions (and who saved them)."""
    viewer = info.context.viewer
    if viewer.can_preview:
        return True
    if viewer.author_id is None:
        return False
    authors = await info.context.loaders.authors_by_article_id.load(article.id)
    return any(author.id == viewer.author_id for author in authors)
