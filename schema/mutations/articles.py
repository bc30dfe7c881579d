"""Articles: ``articleCreate``, ``articleUpdate``, ``articlePublish``, ``articleUnpublish``,
``articleArchive``, ``articleDelete``, ``articleRestoreRevision`` and ``articlePreviewLink``.

The rules (roles, limits, the workflow, versions) live in :mod:`cms.articles.editing`; each
mutation turns its input into a service call and a refusal into a ``UserError``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from cms.articles import editing, preview
from cms.articles.input import BodyLimits
from schema.context import Context, Info
from schema.mutations.article_inputs import (
    ArticleArchiveInput,
    ArticleCreateInput,
    ArticleDeleteInput,
    ArticlePreviewLinkInput,
    ArticlePublishInput,
    ArticleRestoreRevisionInput,
    ArticleTranslateInput,
    ArticleUnpublishInput,
    ArticleUpdateInput,
    article_pk,
    to_changes,
    to_input,
)
from schema.mutations.errors import (
    SIGNED_IN,
    ConflictError,
    NotFoundError,
    Refusals,
    SlugTakenError,
    UserError,
    ValidationError,
    attempt,
    result,
)
from schema.types.article import Article
from schema.types.node import to_global_id


@strawberry.type(description="The article was created, as a draft.")
class ArticleCreateSuccess:
    article: Article = strawberry.field(description="The new article (version 1).")


@strawberry.type(description="The translation was started, as a draft in its locale.")
class ArticleTranslateSuccess:
    article: Article = strawberry.field(
        description="The new draft: the original's structure and, to be translated, its texts."
    )


@strawberry.type(description="The article's content was changed.")
class ArticleUpdateSuccess:
    article: Article = strawberry.field(description="The article as saved now.")


@strawberry.type(description="The article was published, or scheduled.")
class ArticlePublishSuccess:
    article: Article = strawberry.field(description="The article, PUBLISHED or SCHEDULED.")


@strawberry.type(description="The article is a draft again, out of public view.")
class ArticleUnpublishSuccess:
    article: Article = strawberry.field(description="The article, a DRAFT.")


@strawberry.type(description="The article was withdrawn from public view.")
class ArticleArchiveSuccess:
    article: Article = strawberry.field(description="The article, ARCHIVED.")


@strawberry.type(description="The article was deleted with its revisions and preview links.")
class ArticleDeleteSuccess:
    deleted_id: strawberry.ID = strawberry.field(description="The ID the article had.")


@strawberry.type(description="The revision's text is the article's again, as a new revision.")
class ArticleRestoreRevisionSuccess:
    article: Article = strawberry.field(description="The article as saved now.")


@strawberry.type(description="A preview link: pass `token` as `previewToken` to read the article.")
class ArticlePreviewLinkSuccess:
    token: str = strawberry.field(
        description="The secret, shown once: `article(id: …, previewToken: $token)` shows the "
        "article as it stands, drafts included, to whoever holds it."
    )
    expires_at: datetime = strawberry.field(description="When the token stops working.")


_VERSIONED: Refusals = (*SIGNED_IN, ValidationError, NotFoundError, ConflictError)
"""A change to an existing article: a bad ID or a move its status does not allow (``VALIDATION``),
an article the viewer may not see (``NOT_FOUND``), a stale ``version`` (``CONFLICT``)."""

REFUSALS: dict[str, Refusals] = {
    "articleCreate": (*SIGNED_IN, ValidationError, SlugTakenError),
    "articleUpdate": (*_VERSIONED, SlugTakenError),
    "articleTranslate": (*SIGNED_IN, ValidationError, NotFoundError, SlugTakenError),
    "articlePublish": _VERSIONED,
    "articleUnpublish": _VERSIONED,
    "articleArchive": _VERSIONED,
    "articleDelete": _VERSIONED,
    "articleRestoreRevision": _VERSIONED,
    "articlePreviewLink": (*SIGNED_IN, ValidationError, NotFoundError),
}
"""The errors each mutation can answer, traced from :mod:`cms.articles.editing` and
:mod:`cms.articles.preview`: its union lists exactly these besides its success type."""

if TYPE_CHECKING:  # what mypy sees; strawberry reads the unions named below
    ArticleCreateResult = ArticleCreateSuccess | UserError
    ArticleUpdateResult = ArticleUpdateSuccess | UserError
    ArticleTranslateResult = ArticleTranslateSuccess | UserError
    ArticlePublishResult = ArticlePublishSuccess | UserError
    ArticleUnpublishResult = ArticleUnpublishSuccess | UserError
    ArticleArchiveResult = ArticleArchiveSuccess | UserError
    ArticleDeleteResult = ArticleDeleteSuccess | UserError
    ArticleRestoreRevisionResult = ArticleRestoreRevisionSuccess | UserError
    ArticlePreviewLinkResult = ArticlePreviewLinkSuccess | UserError
else:
    ArticleCreateResult = result("articleCreate", ArticleCreateSuccess, REFUSALS)
    ArticleUpdateResult = result("articleUpdate", ArticleUpdateSuccess, REFUSALS)
    ArticleTranslateResult = result("articleTranslate", ArticleTranslateSuccess, REFUSALS)
    ArticlePublishResult = result("articlePublish", ArticlePublishSuccess, REFUSALS)
    ArticleUnpublishResult = result("articleUnpublish", ArticleUnpublishSuccess, REFUSALS)
    ArticleArchiveResult = result("articleArchive", ArticleArchiveSuccess, REFUSALS)
    ArticleDeleteResult = result("articleDelete", ArticleDeleteSuccess, REFUSALS)
    ArticleRestoreRevisionResult = result(
        "articleRestoreRevision", ArticleRestoreRevisionSuccess, REFUSALS
    )
    ArticlePreviewLinkResult = result("articlePreviewLink", ArticlePreviewLinkSuccess, REFUSALS)


def _limits(ctx: Context) -> BodyLimits:
    return BodyLimits(ctx.settings.max_blocks, ctx.settings.max_block_chars)


@strawberry.type
class ArticleMutations:
    @strawberry.mutation(
        description="Write a new article, saved as a draft (editors, admins and authors)."
    )
    async def article_create(
        self,
        info: Info,
        input: Annotated[ArticleCreateInput, strawberry.argument(description="The article.")],
    ) -> ArticleCreateResult:
        ctx = info.context

        async def run() -> ArticleCreateSuccess:
            given = to_input(input, ctx.locales())
            made = await editing.create(ctx.viewer, ctx.now, given, _limits(ctx))
            return ArticleCreateSuccess(article=Article.from_model(made))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Start a translation: a draft in `locale` of the article's story, with the "
        "original's structure (the same figures and photos, section, tags, authors, event and "
        "cover) and its texts to be translated, linked to the story's other locales "
        "(`Article.translations`). Editors, admins and authors (who join its byline), of any "
        "article they may see."
    )
    async def article_translate(
        self,
        info: Info,
        input: Annotated[
            ArticleTranslateInput, strawberry.argument(description="The article and the locale.")
        ],
    ) -> ArticleTranslateResult:
        ctx = info.context

        async def run() -> ArticleTranslateSuccess:
            locale = ctx.locales().check(input.locale)
            made = await editing.translate(
                ctx.viewer, ctx.now, article_pk(input.id), locale, _limits(ctx)
            )
            return ArticleTranslateSuccess(article=Article.from_model(made))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Change an article's content (editors and admins; an author their own "
        "drafts). Stale `version`: `ConflictError`, nothing written."
    )
    async def article_update(
        self,
        info: Info,
        input: Annotated[ArticleUpdateInput, strawberry.argument(description="The changes.")],
    ) -> ArticleUpdateResult:
        ctx = info.context

        async def run() -> ArticleUpdateSuccess:
            saved = await editing.update(
                ctx.viewer,
                ctx.now,
                article_pk(input.id),
                input.version,
                to_changes(input),
                _limits(ctx),
            )
            return ArticleUpdateSuccess(article=Article.from_model(saved))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Publish a draft now, or schedule it with `at` (editors and admins); a "
        "scheduled article can be published again with another `at`."
    )
    async def article_publish(
        self,
        info: Info,
        input: Annotated[ArticlePublishInput, strawberry.argument(description="What and when.")],
    ) -> ArticlePublishResult:
        ctx = info.context

        async def run() -> ArticlePublishSuccess:
            pk = article_pk(input.id)
            done = await editing.publish(ctx.viewer, ctx.now, pk, input.version, input.at)
            return ArticlePublishSuccess(article=Article.from_model(done))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Take a published, scheduled or archived article back to draft (editors "
        "and admins)."
    )
    async def article_unpublish(
        self,
        info: Info,
        input: Annotated[ArticleUnpublishInput, strawberry.argument(description="Which article.")],
    ) -> ArticleUnpublishResult:
        ctx = info.context

        async def run() -> ArticleUnpublishSuccess:
            pk = article_pk(input.id)
            done = await editing.unpublish(ctx.viewer, ctx.now, pk, input.version)
            return ArticleUnpublishSuccess(article=Article.from_model(done))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Withdraw a published or scheduled article from public view (editors and "
        "admins)."
    )
    async def article_archive(
        self,
        info: Info,
        input: Annotated[ArticleArchiveInput, strawberry.argument(description="Which article.")],
    ) -> ArticleArchiveResult:
        ctx = info.context

        async def run() -> ArticleArchiveSuccess:
            pk = article_pk(input.id)
            done = await editing.archive(ctx.viewer, ctx.now, pk, input.version)
            return ArticleArchiveSuccess(article=Article.from_model(done))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Delete an article with its revisions, preview links and search entry "
        "(editors and admins)."
    )
    async def article_delete(
        self,
        info: Info,
        input: Annotated[ArticleDeleteInput, strawberry.argument(description="Which article.")],
    ) -> ArticleDeleteResult:
        ctx = info.context

        async def run() -> ArticleDeleteSuccess:
            pk = await editing.delete(ctx.viewer, ctx.now, article_pk(input.id), input.version)
            return ArticleDeleteSuccess(deleted_id=to_global_id("Article", pk))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Make an earlier revision's title, summary and body the article's again, "
        "saved as a new revision (editors and admins)."
    )
    async def article_restore_revision(
        self,
        info: Info,
        input: Annotated[
            ArticleRestoreRevisionInput, strawberry.argument(description="Which revision.")
        ],
    ) -> ArticleRestoreRevisionResult:
        ctx = info.context

        async def run() -> ArticleRestoreRevisionSuccess:
            pk, number = article_pk(input.id), input.revision
            done = await editing.restore_revision(
                ctx.viewer, ctx.now, pk, number, input.version, _limits(ctx)
            )
            return ArticleRestoreRevisionSuccess(article=Article.from_model(done))

        return await attempt(info, run)

    @strawberry.mutation(
        description="A short-lived token that shows one article as it stands, drafts "
        "included, to anyone who has it (editors and admins; an author for their own articles)."
    )
    async def article_preview_link(
        self,
        info: Info,
        input: Annotated[ArticlePreviewLinkInput, strawberry.argument(description="Which one.")],
    ) -> ArticlePreviewLinkResult:
        ctx = info.context

        async def run() -> ArticlePreviewLinkSuccess:
            most = ctx.settings.preview_minutes_max
            made = await preview.link(
                ctx.viewer, ctx.now, article_pk(input.id), input.expires_in, most
            )
            return ArticlePreviewLinkSuccess(token=made.token, expires_at=made.expires_at)

        return await attempt(info, run)
