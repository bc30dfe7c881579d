"""The public read API: the root ``Query`` type."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Protocol, TypeVar

import strawberry
from strawberry.dataloader import DataLoader

from cms.articles import authors, events
from cms.articles import queries as articles
from cms.core import surrogate
from cms.core.bounds import PAGE, holds
from cms.core.errors import Forbidden, InvalidInput
from cms.core.pagination import page_size
from cms.media import library
from cms.models import ArticleStatus as ModelStatus
from cms.search import engine
from cms.search import query as search_query
from schema import planner
from schema.account_queries import AccountQueries
from schema.audit_queries import AuditQueries
from schema.context import Info
from schema.inputs import (
    ArticleFilter,
    ArticleOrder,
    ArticleOrderField,
    EventFilter,
    EventOrder,
    OrderDirection,
    aware,
    section_slug,
    tag_slugs,
)
from schema.inputs import slug as checked_slug
from schema.notify_queries import NotifyQueries
from schema.structure_queries import StructureQueries
from schema.types.article import Article
from schema.types.author import Author
from schema.types.collection import Collection
from schema.types.event import Event
from schema.types.image import Image
from schema.types.node import Node, from_global_id, pk_of
from schema.types.pagination import Connection, page_window
from schema.types.search import ArticleSearchConnection
from schema.types.section import Section
from schema.types.tag import Tag
from settings import MAX_LOCALES

N = TypeVar("N")
N_co = TypeVar("N_co", covariant=True)

_NODE_TYPES: dict[str, Callable[[Info, int], Awaitable[Node | None]]] = {
    "Article": Article.load,
    "Author": Author.load,
    "Event": Event.load,
    "Image": Image.load,
    "Section": Section.load,
    "Tag": Tag.load,
    "Collection": Collection.load,
}

First = Annotated[
    int | None,
    strawberry.argument(description="Page forward: how many items (default 20, max 100)."),
]
After = Annotated[
    str | None, strawberry.argument(description="Page forward: items after this cursor.")
]
Last = Annotated[
    int | None, strawberry.argument(description="Page backward: how many items (max 100).")
]
Before = Annotated[
    str | None, strawberry.argument(description="Page backward: items before this cursor.")
]
IdArg = Annotated[strawberry.ID | None, strawberry.argument(description="The object's ID.")]
SlugArg = Annotated[str | None, strawberry.argument(description="The object's slug.")]
PreviewArg = Annotated[
    str | None,
    strawberry.argument(
        description="A token from `articlePreviewLink`: shows its one article as it stands, "
        "drafts included, without signing in (an expired one is `UNAUTHENTICATED`, another "
        "article `FORBIDDEN`)."
    ),
]


async def _node(info: Info, id_: str) -> Node | None:
    type_name, pk = from_global_id(id_)
    load = _NODE_TYPES.get(type_name)
    return await load(info, pk) if load else None


class _BySlug(Protocol[N_co]):
    """A GraphQL type that loads by primary key and converts a model found by slug."""

    @classmethod
    async def load(cls, info: Info, pk: int) -> N_co | None: ...

    @classmethod
    def from_row(cls, row: Any) -> N_co: ...


async def _by_id_or_slug(
    info: Info,
    kind: type[_BySlug[N]],
    by_slug: DataLoader[Any, Any],
    id_: str | None,
    slug: str | None,
    locale: str | None = None,
) -> N | None:
    """The one object named by exactly one of its global ID and its slug; null if not found.
    With ``locale``, the slug is looked up in that locale (an article's)."""
    if (id_ is None) == (slug is None):
        raise InvalidInput("Pass exactly one of `id` and `slug`.", field="id")
    if id_ is not None:
        return await kind.load(info, pk_of(id_, kind.__name__, "id"))
    named = checked_slug(slug, "slug") or ""
    found = await by_slug.load(named if locale is None else (locale, named))
    return kind.from_row(found) if found else None


LocaleArg = Annotated[
    str | None,
    strawberry.argument(
        description="The locale to read in, one of `CMS_LOCALES` (`vi`, `en`); default: the "
        "default locale (the first). Another gives an error with code `BAD_USER_INPUT`."
    ),
]


@strawberry.type(description="A language content is written in (`CMS_LOCALES`).")
class Locale:
    code: str = strawberry.field(description="Its BCP 47 tag, e.g. `vi`, `en`, `en-GB`.")
    default: bool = strawberry.field(
        description="Whether it is the default locale: what is read when no locale is named."
    )


@strawberry.type(
    description="What can be read. Published content is public; drafts, previews, accounts, "
    "the audit log, webhooks and API tokens answer only the roles their fields name (send "
    "`Authorization: Bearer <token>`)."
)
class Query(AccountQueries, AuditQueries, NotifyQueries, StructureQueries):
    @strawberry.field(
        description="The languages content is written in (`CMS_LOCALES`), the default first.",
        metadata=holds(MAX_LOCALES),
    )
    def locales(self, info: Info) -> list[Locale]:
        codes = info.context.locales().codes
        return [Locale(code=code, default=n == 0) for n, code in enumerate(codes)]

    @strawberry.field(description="Any object by its global ID; null if it does not exist.")
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")],
        preview_token: PreviewArg = None,
    ) -> Node | None:
        if preview_token is not None:
            return await Article.previewed(info, preview_token, id_=id)
        return await _node(info, id)

    @strawberry.field(
        description="Several objects by global ID, in order; null where missing.",
        metadata=holds(PAGE),  # `ids` is checked against the page size
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Global IDs (max 100).")
        ],
    ) -> list[Node | None]:
        if len(ids) > info.context.settings.max_page_size:
            raise InvalidInput("Too many IDs.", field="ids")
        return list(await asyncio.gather(*(_node(info, i) for i in ids)))

    @strawberry.field(
        description="Published articles, newest first by default. Cursors are keyset cursors: "
        "paging while new articles appear gives no duplicates and no gaps."
    )
    async def articles(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            ArticleFilter | None, strawberry.argument(description="Conditions to narrow the list.")
        ] = None,
        order_by: Annotated[
            ArticleOrder | None, strawberry.argument(description="Sort order.")
        ] = None,
        locale: LocaleArg = None,
    ) -> Connection[Article]:
        order = order_by or ArticleOrder()
        direction = order.direction or (
            OrderDirection.ASC if order.field is ArticleOrderField.TITLE else OrderDirection.DESC
        )
        ordering = articles.ORDERINGS[order.field.name.lower(), direction is OrderDirection.DESC]
        win = page_window(info, ordering, first=first, after=after, last=last, before=before)
        ctx = info.context
        where = _article_filter(filter or ArticleFilter(), ctx.locales().check(locale))
        selected = planner.article_fields(info, connection=True)
        bodies = planner.needs_bodies(selected)
        page = await articles.page(ctx.viewer, ctx.now, where, ordering, win, bodies=bodies)
        surrogate.record_articles()
        found = Connection.of(page, Article.from_row)
        await planner.prefetch(info, found.nodes, selected)
        return found

    @strawberry.field(
        description="One article by ID (in any locale) or slug (in `locale`: slugs are unique "
        "per locale); null if you may not see it (readers see published articles; editors and "
        "admins every article; authors their own too)."
    )
    async def article(
        self,
        info: Info,
        id: IdArg = None,
        slug: SlugArg = None,
        preview_token: PreviewArg = None,
        locale: LocaleArg = None,
    ) -> Article | None:
        found: Article | None
        ctx = info.context
        language = ctx.locales().check(locale)
        if preview_token is not None:
            found = await Article.previewed(info, preview_token, id_=id, slug=slug)
            if locale is not None and found._row.locale != language:
                raise Forbidden("This preview link opens another article.", field="previewToken")
        else:
            loader = ctx.loaders.article_by_slug
            found = await _by_id_or_slug(info, Article, loader, id, slug, language)
        if found is not None:
            await planner.prefetch(info, [found], planner.article_fields(info, connection=False))
        return found

    @strawberry.field(description="One author by ID or slug; null if there is none.")
    async def author(self, info: Info, id: IdArg = None, slug: SlugArg = None) -> Author | None:
        return await _by_id_or_slug(info, Author, info.context.loaders.author_by_slug, id, slug)

    @strawberry.field(description="All authors, in Vietnamese alphabetical order of their names.")
    async def authors(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Author]:
        win = page_window(info, authors.BY_NAME, first=first, after=after, last=last, before=before)
        return Connection.of(await authors.page(win), Author.from_row)

    @strawberry.field(description="One event by ID or slug; null if there is none.")
    async def event(self, info: Info, id: IdArg = None, slug: SlugArg = None) -> Event | None:
        return await _by_id_or_slug(info, Event, info.context.loaders.event_by_slug, id, slug)

    @strawberry.field(description="Events, latest start first by default.")
    async def events(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            EventFilter | None, strawberry.argument(description="Date range to narrow the list.")
        ] = None,
        order_by: Annotated[
            EventOrder | None, strawberry.argument(description="Sort order.")
        ] = None,
    ) -> Connection[Event]:
        ordering = events.ORDERINGS[(order_by or EventOrder()).direction is OrderDirection.DESC]
        win = page_window(info, ordering, first=first, after=after, last=last, before=before)
        where = filter or EventFilter()
        span = events.EventFilter(
            starts_after=aware(where.starts_after, "startsAfter"),
            starts_before=aware(where.starts_before, "startsBefore"),
        )
        return Connection.of(await events.page(span, ordering, win), Event.from_row)

    @strawberry.field(
        description="Articles matching a search, best first. Accents, case and Unicode form do not "
        "matter (`hoi nghi` finds `Hội nghị`, and so do `HỘI NGHỊ` and `Hôi nghi`); every word "
        'must occur, in any order; `"..."` finds an exact phrase; the last word also matches as '
        "the start of a word while it is typed (not once a space follows it). Title matches "
        "rank first, then the words "
        "together as typed, then the accents as typed; ties go to the newest."
    )
    async def search(
        self,
        info: Info,
        query: Annotated[
            str,
            strawberry.argument(
                description="What the reader typed, e.g. `hoi nghi khu cong nghiep` (at most 200 "
                "characters and 16 words or phrases)."
            ),
        ],
        first: First = None,
        after: Annotated[
            str | None,
            strawberry.argument(description="Results after this cursor (from the same query)."),
        ] = None,
        filter: Annotated[
            ArticleFilter | None, strawberry.argument(description="Conditions to narrow the list.")
        ] = None,
        locale: Annotated[
            str | None,
            strawberry.argument(
                description="Search the articles written in this locale (one of CMS_LOCALES, "
                "e.g. `en`), never another's; its words are matched as that language's are "
                "(English: `parks` finds `park`, `investing` finds `investment`). Default: the "
                "default locale."
            ),
        ] = None,
    ) -> ArticleSearchConnection:
        settings = info.context.settings
        size = page_size(
            first,
            "first",
            default_size=settings.default_page_size,
            max_size=settings.max_page_size,
        )
        in_locale = search_query.Locale.checked(info.context.locales(), locale)
        try:
            parsed = search_query.parse(query, in_locale)
        except search_query.QueryError as error:
            raise InvalidInput(str(error), field="query") from None
        cursor = engine.decode_cursor(after, parsed) if after is not None else None
        where = _article_filter(filter or ArticleFilter())
        ctx = info.context
        page = await engine.search(ctx.viewer, ctx.now, parsed, where, size, cursor)
        for article in page.articles:
            ctx.loaders.article_by_id.prime(article.id, article)
        found = ArticleSearchConnection.of(page, parsed)
        await planner.prefetch(info, found.nodes, planner.article_fields(info, connection=True))
        return found

    @strawberry.field(
        description="The photo library: every picture you may use in an article, newest upload "
        "first (editors and admins: all of them; authors: those of public articles, of their "
        "own articles, and avatars). `query` searches captions, alt texts and credits as "
        "`search` does: accents, case and Unicode form do not matter (`hoi nghi` finds `Hội "
        "nghị`), every word must occur, a word also matches the start of a longer one. For "
        "signed-in writers only: anyone else gets an error with code `UNAUTHENTICATED`."
    )
    async def images(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        query: Annotated[
            str | None,
            strawberry.argument(
                description="Words to find in the caption, alt text or credit, e.g. `hoi nghi` "
                "(at most 200 characters); null or empty: every picture."
            ),
        ] = None,
    ) -> Connection[Image]:
        win = page_window(info, library.NEWEST_FIRST, first=first, after=after)
        ctx = info.context
        page = await library.page(ctx.viewer, ctx.now, query, win.size, win.after)
        for image in page.items:
            ctx.loaders.image_by_id.prime(image.id, image)
        return Connection.of(page, Image.from_row)

    @strawberry.field(description="One picture by ID; null unless a published article uses it.")
    async def image(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Its ID.")]
    ) -> Image | None:
        return await Image.load(info, pk_of(id, "Image", "id"))


def _article_filter(given: ArticleFilter, locale: str | None = None) -> articles.ArticleFilter:
    return articles.ArticleFilter(
        locale=locale,
        author_id=pk_of(given.author_id, "Author", "authorId") if given.author_id else None,
        author_slug=checked_slug(given.author_slug, "authorSlug"),
        event_id=pk_of(given.event_id, "Event", "eventId") if given.event_id else None,
        event_slug=checked_slug(given.event_slug, "eventSlug"),
        published_after=aware(given.published_after, "publishedAfter"),
        published_before=aware(given.published_before, "publishedBefore"),
        statuses=tuple(ModelStatus[s.name] for s in given.status or ()),
        section_slug=section_slug(given.section_slug, "sectionSlug"),
        tag_slugs=tag_slugs(given.tag_slugs, "tagSlugs"),
    )
