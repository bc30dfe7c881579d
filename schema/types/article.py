"""The ``Article`` type (its body blocks, output and input, are in :mod:`schema.types.blocks`)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, TypeVar

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON

from cms import models
from cms.articles import body as body_
from cms.articles import preview
from cms.articles import tags as tags_
from cms.articles.input import MAX_AUTHORS
from cms.articles.reads import ArticleRow, AuthorRow, EventRow, ImageRow
from cms.articles.structure_reads import SectionRow, TagRow
from cms.articles.visibility import effective_status
from cms.core import surrogate
from cms.core.bounds import EDITED, holds
from cms.core.errors import Forbidden, InvalidInput
from cms.core.locales import Locales, Reading, reading
from cms.site import jsonld
from cms.site.reads import StoryLinkRow
from schema import planner
from schema.context import Info, Resolved, resolved
from schema.types.author import Author
from schema.types.blocks import ArticleBlock, block_type
from schema.types.event import Event
from schema.types.image import Image, source_of
from schema.types.node import Node, from_global_id, to_global_id
from schema.types.pagination import Connection
from schema.types.rendition import Fit, ImageFormat, Rendition, rendition_of
from schema.types.revision import ArticleRevision, RevisionsAfter, RevisionsFirst, revisions_of
from schema.types.section import Section
from schema.types.status import ArticleStatus
from schema.types.tag import Tag

__all__ = ["Article", "ArticleBlock", "ArticleStatus"]

T = TypeVar("T")

SOCIAL_SIZE = (1200, 630)
"""What social networks show best (Facebook's and X's cards): asked of the renditions, which snap
it to an allowed width and ratio (1280x640, 2:1, by default)."""
JSON_LD_RATIOS = ((16, 9), (4, 3), (1, 1))
"""The shapes of the cover in JSON-LD's ``image`` (what Google's article results ask for), each
at the largest allowed width up to 1280 pixels."""
JSON_LD_WIDTH = 1280
MAX_RELATED = 20
"""Most related articles one article may ask for."""


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
    locale: str = strawberry.field(
        description="The language it is written in: a BCP 47 tag, one of `CMS_LOCALES` (`vi`, "
        "`en`). The texts of its section, tags, event, authors and pictures come in it too "
        "(the default locale's where they have no translation, unless `CMS_LOCALE_FALLBACK` "
        "is false)."
    )
    _row: strawberry.Private[ArticleRow]
    _parsed: strawberry.Private[list[body_.Block] | None] = None
    _read: strawberry.Private[Reading | None] = None

    @strawberry.field(description="Where the article is in its life.")
    def status(self, info: Info) -> ArticleStatus:
        return ArticleStatus[effective_status(self._row, info.context.now).name]

    @strawberry.field(
        description="The authors, in byline order.",
        graphql_type=list[Author],
        metadata=holds(MAX_AUTHORS),
    )
    def authors(self, info: Info) -> Resolved[list[Author]]:
        loader = info.context.loaders.authors_by_article_id
        if (read := self._reading(info)) is None:
            return resolved(loader, self._row.id, _authors)
        return resolved(loader, self._row.id, lambda found: _authors(found, read))

    @strawberry.field(
        description="The event the article reports on, if any.", graphql_type=Event | None
    )
    def event(self, info: Info) -> Resolved[Event | None]:
        if self._row.event_id is None:
            return None
        loader = info.context.loaders.event_by_id
        if (read := self._reading(info)) is None:
            return resolved(loader, self._row.event_id, _event)
        return resolved(loader, self._row.event_id, lambda found: _event(found, read))

    @strawberry.field(
        description="The lead picture shown in lists and at the top of the page.",
        graphql_type=Image | None,
    )
    def cover(self, info: Info) -> Resolved[Image | None]:
        if self._row.cover_id is None:
            return None
        self._read = self._reading(info)
        return resolved(info.context.loaders.image_by_id, self._row.cover_id, self._cover)

    @strawberry.field(
        description="The section the article is in, if any.", graphql_type=Section | None
    )
    def section(self, info: Info) -> Resolved[Section | None]:
        if self._row.section_id is None:
            return None
        loader = info.context.loaders.section_by_id
        if (read := self._reading(info)) is None:
            return resolved(loader, self._row.section_id, _section)
        return resolved(loader, self._row.section_id, lambda found: _section(found, read))

    @strawberry.field(
        description="The article's topics, in the order the editors gave them.",
        graphql_type=list[Tag],
        metadata=holds(tags_.MAX_PER_ARTICLE),
    )
    def tags(self, info: Info) -> Resolved[list[Tag]]:
        loader = info.context.loaders.tags_by_article_id
        if (read := self._reading(info)) is None:
            return resolved(loader, self._row.id, _tags)
        return resolved(loader, self._row.id, lambda found: _tags(found, read))

    @strawberry.field(
        description="The article's canonical address on the website (`CMS_SITE_URL` with "
        "`CMS_ARTICLE_PATH`), e.g. `https://kcn.example.vn/tin-tuc/hoat-dong-cua-ban/"
        "hoi-nghi-so-ket`; null when `CMS_SITE_URL` is not set.",
        graphql_type=str | None,
    )
    def url(self, info: Info) -> Resolved[str | None]:
        site, row = info.context.site(), self._row
        if site.base is None or row.section_id is None:
            return site.article(row.slug, row.id, None, locale=row.locale)

        def url(section: SectionRow | None) -> str | None:
            return site.article(
                row.slug, row.id, section.path if section else None, locale=row.locale
            )

        return resolved(info.context.loaders.section_by_id, row.section_id, url)

    @strawberry.field(
        description="The cover cropped for social networks' link previews (`og:image`): asked "
        "at 1200x630, which the renditions snap to an allowed size, 1280x640 (2:1, the allowed "
        "ratio nearest 1.91:1) with the default `CMS_RENDITION_WIDTHS` and "
        "`CMS_RENDITION_RATIOS` (narrower when the picture is); JPEG, which every network "
        "reads. Null without a cover.",
        graphql_type=Rendition | None,
    )
    def social_image(self, info: Info) -> Resolved[Rendition | None]:
        if self._row.cover_id is None:
            return None
        context = info.context

        def social(image: ImageRow | None) -> Rendition | None:
            if image is None:
                return None
            width, height = SOCIAL_SIZE
            return rendition_of(
                context, source_of(image), width, height, Fit.COVER, ImageFormat.JPEG
            )

        return resolved(context.loaders.image_by_id, self._row.cover_id, social)

    @strawberry.field(
        description="The article for search engines: a schema.org `NewsArticle` in JSON-LD "
        '(put it in the page\'s `<script type="application/ld+json">`): headline, description '
        "(`seoDescription`), datePublished and dateModified in Vietnam's time (+07:00), image "
        "(the cover at 16:9, 4:3 and 1:1), author (each a `Person` with the page "
        "`CMS_AUTHOR_PATH` names), publisher (an `Organization` from `CMS_PUBLISHER_NAME` and "
        "`CMS_PUBLISHER_LOGO_URL`), articleSection, keywords (the tags; both in the article's "
        "locale), inLanguage (its locale), "
        "mainEntityOfPage (`url`), isAccessibleForFree, and the links between translations "
        "anyone may read: workTranslation (on the story's original) or translationOfWork (on "
        "a translation). Only what the reader may see.",
        graphql_type=JSON,
    )
    async def json_ld(self, info: Info) -> jsonld.JsonLd:
        context, row = info.context, self._row
        loaders, site = context.loaders, context.site()
        authors, section, tags, cover, versions = await asyncio.gather(
            loaders.authors_by_article_id.load(row.id),
            _maybe(loaders.section_by_id, row.section_id),
            loaders.tags_by_article_id.load(row.id),
            _maybe(loaders.image_by_id, row.cover_id),
            _versions(loaders.public_versions_by_story_id, row.story_id),
        )
        images: list[str] = []
        if cover is not None:
            for width, height in JSON_LD_RATIOS:
                shape = (JSON_LD_WIDTH, JSON_LD_WIDTH * height // width)
                made = rendition_of(context, source_of(cover), *shape, Fit.COVER, ImageFormat.JPEG)
                images += [made.url] if made.url not in images else []
        return jsonld.news_article(
            row,
            url=site.article(
                row.slug, row.id, section.path if section else None, locale=row.locale
            ),
            authors=authors,
            author_url=site.author,
            section=section,
            tags=tags,
            images=images,
            publisher=jsonld.Publisher.of(context.settings),
            locales=context.locales(),
            versions=[
                jsonld.Version(
                    v.id, v.locale, site.article(v.slug, v.id, v.section_path, locale=v.locale)
                )
                for v in versions
            ],
        )

    @strawberry.field(
        description="Published articles like this one, for a `Đọc thêm` box: those sharing the "
        "most tags first, then those in the same section, then those whose titles best match "
        "this title (the search index's ranking), the newest first among equals; never this "
        "article, never a draft, an archived or a scheduled one, whoever asks; only articles in "
        "its locale. A whole page of articles reads theirs in one statement.",
        graphql_type=list["Article"],
    )
    def related(
        self,
        info: Info,
        first: Annotated[
            int,
            strawberry.argument(description=f"How many, at most (1 to {MAX_RELATED})."),
        ] = 5,
    ) -> Resolved[list[Article]]:
        if not 1 <= first <= MAX_RELATED:
            raise InvalidInput(f"`first` goes from 1 to {MAX_RELATED}.", field="first")
        bodies = planner.needs_bodies(planner.article_fields(info, connection=False))
        key = (self._row.id, self._row.title, first, bodies)
        return resolved(info.context.loaders.related_by_article, key, _articles)

    @strawberry.field(
        description="The same story in the other locales, those you may see (readers: the "
        "published ones), in locale order; empty when it has none. `articleTranslate` starts "
        "one.",
        graphql_type=list["Article"],
        metadata=holds(EDITED),
    )
    def translations(self, info: Info) -> Resolved[list[Article]]:
        story, own = self._row.story_id, self._row.id
        if story is None:
            return []

        def others(found: list[ArticleRow]) -> list[Article]:
            return _articles([row for row in found if row.id != own])

        return resolved(info.context.loaders.articles_by_story, story, others)

    @strawberry.field(
        description="The title search engines show (at most 70 characters as set); the title "
        "when none was set."
    )
    def seo_title(self) -> str:
        return self._row.seo_title or self._row.title

    @strawberry.field(
        description="The description search engines show (at most 160 characters as set); the "
        "summary when none was set."
    )
    def seo_description(self) -> str:
        return self._row.seo_description or self._row.summary

    @strawberry.field(
        description="Every picture the article uses (cover first, then figures), each once, with "
        "the caption it has in this article.",
        graphql_type=list[Image],
        metadata=holds(EDITED),
    )
    def images(self, info: Info) -> Resolved[list[Image]]:
        self._read = self._reading(info)
        return resolved(info.context.loaders.images_by_article_id, self._row.id, self._images)

    @strawberry.field(
        description="The body as typed blocks, in reading order.",
        # One stored document of the article (CMS_MAX_BLOCKS blocks, read with it): costed as
        # one node; the rows under it (a figure's pictures) are costed per figure.
        metadata=holds(1),
    )
    def body(self) -> list[ArticleBlock]:
        return [block_type(block, self._row.id) for block in self._blocks()]

    @strawberry.field(
        description="The body as safe HTML: text is escaped; <p>, <h2>-<h6>, <blockquote>, and "
        "<figure> with <img> and <figcaption>.",
        graphql_type=str,
    )
    def body_html(self, info: Info) -> Resolved[str]:
        url = info.context.media_url

        def html(used: list[ImageRow]) -> str:
            by_id = {image.id: image for image in used}
            return body_.render_html(self._blocks(), by_id, lambda image: url(image.store_key))

        return resolved(info.context.loaders.images_by_article_id, self._row.id, html)

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
        return await revisions_of(info, self._row, first, after)

    def _cover(self, found: ImageRow | None) -> Image | None:
        """The ``cover`` field's value once its picture is read (None: it is gone)."""
        if found is None:
            return None
        row = self._row
        if not row.has_body:  # the caption was read with the row instead
            return Image.from_row(found, row.cover_caption, self._read)
        return Image.from_row(found, self._captions().get(found.id), self._read)

    def _images(self, found: Sequence[ImageRow]) -> list[Image]:
        captions, read = self._captions(), self._read
        return [Image.from_row(image, captions.get(image.id), read) for image in found]

    def _reading(self, info: Info) -> Reading | None:
        """How the texts of what the article shows are read: in its locale (None: the
        default's, the columns as they are)."""
        settings = info.context.settings
        if self._row.locale == settings.default_locale:
            return None
        return reading(self._row.locale, Locales.of(settings))

    def _blocks(self) -> list[body_.Block]:
        """The body, parsed once per article per request (several fields read it)."""
        if self._parsed is None:
            self._parsed = body_.from_json(self._row.body)
        return self._parsed

    def _captions(self) -> dict[int, str]:
        """Image id -> caption of the first figure that shows it with a caption."""
        return body_.figure_captions(self._row.body)

    @classmethod
    def from_row(cls, row: ArticleRow) -> Article:
        surrogate.record("article", row.id)
        return cls(
            id=to_global_id("Article", row.id),
            slug=row.slug,
            title=row.title,
            summary=row.summary,
            published_at=row.published_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            version=row.version,
            byline=row.byline,
            locale=row.locale,
            _row=row,
        )

    @classmethod
    def from_model(cls, article: models.Article) -> Article:
        """The article a mutation just wrote (its row made from the model, no statement)."""
        return cls.from_row(ArticleRow.of(article))

    @classmethod
    async def load(cls, info: Info, pk: int) -> Article | None:
        found = await info.context.loaders.article_by_id.load(pk)
        return cls.from_row(found) if found else None

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


async def _maybe(loader: DataLoader[int, T | None], key: int | None) -> T | None:
    """What ``loader`` gives for ``key``; None for no key."""
    return None if key is None else await loader.load(key)


async def _versions(
    loader: DataLoader[int, list[StoryLinkRow]], story_id: int | None
) -> list[StoryLinkRow]:
    """The public articles of the story ``story_id``; none for an article without one."""
    return [] if story_id is None else await loader.load(story_id)


def _articles(found: list[ArticleRow]) -> list[Article]:
    surrogate.record_articles()
    return [Article.from_row(row) for row in found]


def _authors(found: list[AuthorRow], read: Reading | None = None) -> list[Author]:
    return [Author.from_row(author, read) for author in found]


def _event(found: EventRow | None, read: Reading | None = None) -> Event | None:
    return Event.from_row(found, read) if found is not None else None


def _section(found: SectionRow | None, read: Reading | None = None) -> Section | None:
    return Section.from_row(found, read) if found is not None else None


def _tags(found: list[TagRow], read: Reading | None = None) -> list[Tag]:
    return [Tag.from_row(tag, read) for tag in found]
