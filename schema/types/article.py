"""The ``Article`` type (its body blocks, output and input, are in :mod:`schema.types.blocks`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import strawberry

from cms import models
from cms.articles import body as body_
from cms.articles import preview
from cms.articles.reads import ArticleRow
from cms.articles.visibility import effective_status
from cms.core.errors import Forbidden, InvalidInput
from schema.context import Info
from schema.types.author import Author
from schema.types.blocks import ArticleBlock, block_type
from schema.types.event import Event
from schema.types.image import Image
from schema.types.node import Node, from_global_id, to_global_id
from schema.types.pagination import Connection
from schema.types.relations import Picture, Resolved, used_images
from schema.types.revision import ArticleRevision, RevisionsAfter, RevisionsFirst, revisions_of
from schema.types.status import ArticleStatus

__all__ = ["Article", "ArticleBlock", "ArticleSource", "ArticleStatus", "Prefetched"]

ArticleSource = models.Article | ArticleRow
"""What an ``Article`` is made from: a model (writes, nested lists) or a row (the hot reads)."""


@dataclass(slots=True)
class Prefetched:
    """An article's relations fetched up front, with its whole page (see :mod:`schema.planner`).

    ``None`` means not fetched (that relation then goes through the loaders); ``has_event`` and
    ``has_cover`` tell a fetched null from one not fetched.
    """

    authors: list[Author] | None = None
    event: Event | None = None
    has_event: bool = False
    cover: Image | None = None
    has_cover: bool = False
    used: list[Picture] | None = None
    """Every picture the article uses, cover first, then the figures', in reading order."""


@strawberry.type(description="A news article.")
class Article(Node):
    id: strawberry.ID = strawberry.field(description="Opaque, globally unique ID.")
    slug: str = strawberry.field(
        description="URL-safe, unique and stable: it does not change when the title is edited."
    )
    title: str = strawberry.field(description="The headline, as written.")
    summary: str = strawberry.field(description="Standfirst or teaser; may be empty.")
    published_at: datetime | None = strawberry.field(
        description="Publication time (ISO 8601 with offset); what the feed is ordered by."
    )
    created_at: datetime = strawberry.field(description="When the article was first saved.")
    updated_at: datetime = strawberry.field(description="When the article last changed.")
    version: int = strawberry.field(
        description="Goes up by one on every change: a cheap way to tell if a copy is stale."
    )
    byline: str = strawberry.field(description="The byline as written, e.g. `Đức Anh - Thu Trang`.")
    _model: strawberry.Private[ArticleSource]
    _parsed: strawberry.Private[list[body_.Block] | None] = None
    _prefetched: strawberry.Private[Prefetched | None] = None

    @strawberry.field(description="Where the article is in its life.")
    def status(self, info: Info) -> ArticleStatus:
        return ArticleStatus[effective_status(self._model, info.context.now).name]

    @strawberry.field(description="The authors, in byline order.", graphql_type=list[Author])
    def authors(self, info: Info) -> Resolved[list[Author]]:
        if self._prefetched is not None and self._prefetched.authors is not None:
            return self._prefetched.authors
        return self._load_authors(info)

    @strawberry.field(
        description="The event the article reports on, if any.", graphql_type=Event | None
    )
    def event(self, info: Info) -> Resolved[Event | None]:
        if self._model.event_id is None:
            return None
        if self._prefetched is not None and self._prefetched.has_event:
            return self._prefetched.event
        return Event.load(info, self._model.event_id)

    @strawberry.field(
        description="The lead picture shown in lists and at the top of the page.",
        graphql_type=Image | None,
    )
    def cover(self, info: Info) -> Resolved[Image | None]:
        if self._model.cover_id is None:
            return None
        if self._prefetched is not None and self._prefetched.has_cover:
            return self._prefetched.cover
        return self._load_cover(info, self._model.cover_id)

    @strawberry.field(
        description="Every picture the article uses (cover first, then figures), each once, with "
        "the caption it has in this article.",
        graphql_type=list[Image],
    )
    def images(self, info: Info) -> Resolved[list[Image]]:
        if self._prefetched is not None and self._prefetched.used is not None:
            return self._images(self._prefetched.used)
        return self._load_images(info)

    @strawberry.field(description="The body as typed blocks, in reading order.")
    def body(self) -> list[ArticleBlock]:
        used = self._used()
        return [block_type(block, self._model.id, used) for block in self._blocks()]

    @strawberry.field(
        description="The body as safe HTML: text is escaped; <p>, <h2>-<h6>, <blockquote>, and "
        "<figure> with <img> and <figcaption>.",
        graphql_type=str,
    )
    def body_html(self, info: Info) -> Resolved[str]:
        used = self._used()
        if used is not None:
            return self._html(info, used)
        return self._load_html(info)

    @strawberry.field(description="The body as plain text, paragraphs separated by blank lines.")
    def body_text(self) -> str:
        return body_.render_text(self._blocks())

    @strawberry.field(
        description="Every save of the article, newest first: for editors, admins and the "
        "article's own author; an empty list for anyone else."
    )
    async def revisions(
        self, info: Info, first: RevisionsFirst = None, after: RevisionsAfter = None
    ) -> Connection[ArticleRevision]:
        return await revisions_of(info, self._model, first, after)

    async def _load_authors(self, info: Info) -> list[Author]:
        found = await info.context.loaders.authors_by_article_id.load(self._model.id)
        return [Author.from_model(author) for author in found]

    async def _load_cover(self, info: Info, cover_id: int) -> Image | None:
        found = await info.context.loaders.image_by_id.load(cover_id)
        return self.cover_of(found)

    async def _load_images(self, info: Info) -> list[Image]:
        return self._images(await info.context.loaders.images_by_article_id.load(self._model.id))

    async def _load_html(self, info: Info) -> str:
        return self._html(info, await used_images(info, self._model.id))

    def cover_of(self, found: Picture | None) -> Image | None:
        """The ``cover`` field's value once its picture is read (None: it is gone)."""
        if found is None:
            return None
        model = self._model
        if isinstance(model, ArticleRow) and not model.has_body:
            return Image.from_model(found, model.cover_caption)  # read with the row instead
        return Image.from_model(found, self._captions().get(found.id))

    def _images(self, found: Sequence[Picture]) -> list[Image]:
        captions = self._captions()
        return [Image.from_model(image, captions.get(image.id)) for image in found]

    def _html(self, info: Info, used: Mapping[int, Picture]) -> str:
        url = info.context.media_url
        return body_.render_html(self._blocks(), used, lambda image: url(image.store_key))

    def _used(self) -> dict[int, Picture] | None:
        """The pictures the article uses by id, if they were fetched with its page."""
        if self._prefetched is None or self._prefetched.used is None:
            return None
        return {image.id: image for image in self._prefetched.used}

    def _blocks(self) -> list[body_.Block]:
        """The body, parsed once per article per request (several fields read it)."""
        if self._parsed is None:
            self._parsed = body_.from_json(self._model.body)
        return self._parsed

    def _captions(self) -> dict[int, str]:
        """Image id -> caption of the first figure that shows it with a caption."""
        return body_.figure_captions(self._model.body)

    @classmethod
    def from_model(cls, article: ArticleSource) -> Article:
        return cls(
            id=to_global_id("Article", article.id),
            slug=article.slug,
            title=article.title,
            summary=article.summary,
            published_at=article.published_at,
            created_at=article.created_at,
            updated_at=article.updated_at,
            version=article.version,
            byline=article.byline,
            _model=article,
        )

    @classmethod
    async def load(cls, info: Info, pk: int) -> Article | None:
        found = await info.context.loaders.article_by_id.load(pk)
        return cls.from_model(found) if found else None

    @classmethod
    async def previewed(
        cls, info: Info, token: str, *, id_: str | None, slug: str | None = None
    ) -> Article:
        """The article a preview token opens, as it stands, if it is the one named by ``id_`` or
        ``slug``: for this request alone, never kept by the shared response cache."""
        info.context.private = True
        if (id_ is None) == (slug is None):
            raise InvalidInput("Pass exactly one of `id` and `slug`.", field="id")
        found = await preview.article_for(token, info.context.now)
        named = from_global_id(id_) == ("Article", found.id) if id_ is not None else None
        if not (named or slug == found.slug):
            raise Forbidden("This preview link opens another article.", field="previewToken")
        return cls.from_model(found)
