"""The ``Section`` type: a part of the site, in a tree ordered by hand."""

from __future__ import annotations

from typing import Annotated

import strawberry

from cms import models
from cms.articles.sections import MAX_DEPTH
from cms.articles.structure_reads import SectionRow
from cms.core import surrogate
from cms.core.bounds import EDITED, holds
from cms.core.locales import Reading
from schema.context import Info, Resolved, resolved
from schema.types.nested import ArticleRef, parent_articles
from schema.types.node import Node, to_global_id
from schema.types.pagination import Connection
from schema.types.translation import (
    UNTRANSLATED,
    LocaleArgument,
    SectionTranslation,
    translation_of,
)

SectionRef = Annotated["Section", strawberry.lazy("schema.types.section")]
"""The type itself, for the fields that return sections (the class is not made yet there)."""


@strawberry.type(
    description="A part of the site, e.g. `Tin tức - Sự kiện` › `Hoạt động của Ban`. Sections "
    "form a tree ordered by hand (a menu, the tabs of an app); an article is in at most one."
)
class Section(Node):
    id: strawberry.ID = strawberry.field(description="Opaque, globally unique ID.")
    slug: str = strawberry.field(
        description="URL-safe name, unique among all sections, e.g. `hoat-dong-cua-ban`."
    )
    name: str = strawberry.field(
        description="Name as shown, e.g. `Hoạt động của Ban`; read through an article, in the "
        "article's locale." + UNTRANSLATED
    )
    description: str = strawberry.field(
        description="What the section holds; may be empty. In the article's locale, as `name`."
    )
    path: str = strawberry.field(
        description="The slugs from the top of the tree down to this section, joined by `/`, "
        "e.g. `tin-tuc/hoat-dong-cua-ban`; `section(slug:)` takes it too. It changes when the "
        "section or one above it moves or changes its slug."
    )
    _row: strawberry.Private[SectionRow]
    _pk: strawberry.Private[int]

    articles: Connection[ArticleRef] = strawberry.field(
        resolver=parent_articles(lambda loaders: loaders.articles_by_section),
        description="The published articles of this section and of every section below it, "
        "newest first.",
    )

    @strawberry.field(
        description="The section page's address on the website (`CMS_SITE_URL` with "
        "`CMS_SECTION_PATH`), e.g. `https://kcn.example.vn/tin-tuc/hoat-dong-cua-ban`; null when "
        "`CMS_SITE_URL` is not set."
    )
    def url(self, info: Info) -> str | None:
        return info.context.site().section(self._row.path, self._row.slug)

    @strawberry.field(
        description="The section just above; null at the top of the tree.",
        graphql_type=SectionRef | None,
    )
    def parent(self, info: Info) -> Resolved[Section | None]:
        if self._row.parent_id is None:
            return None
        return resolved(info.context.loaders.section_by_id, self._row.parent_id, _section)

    @strawberry.field(
        description="The sections just below, in their order.",
        graphql_type=list[SectionRef],
        metadata=holds(EDITED),
    )
    def children(self, info: Info) -> Resolved[list[Section]]:
        return resolved(info.context.loaders.sections_by_parent, self._row.id, _sections)

    @strawberry.field(
        description="The sections above this one, the top of the tree first: a breadcrumb "
        "(empty at the top).",
        metadata=holds(MAX_DEPTH),
    )
    async def ancestors(self, info: Info) -> list[Section]:
        slugs = self._row.ancestor_slugs
        found = await info.context.loaders.section_by_slug.load_many(slugs) if slugs else []
        return [Section.from_row(row) for row in found if row is not None]

    @strawberry.field(description="Its texts in one locale, as written: null when it has none.")
    def translation(self, info: Info, locale: LocaleArgument) -> SectionTranslation | None:
        row, locales = self._row, info.context.locales()
        defaults = {"name": row.name, "description": row.description}
        return translation_of(defaults, row.translations, locale, locales, SectionTranslation)

    @classmethod
    def from_row(cls, row: SectionRow, reading: Reading | None = None) -> Section:
        surrogate.record("section", row.id)
        name, description = row.name, row.description
        if reading is not None:
            name = reading.text(row.name, row.translations, "name")
            description = reading.text(row.description, row.translations, "description")
        return cls(
            id=to_global_id("Section", row.id),
            slug=row.slug,
            name=name,
            description=description,
            path=row.path,
            _row=row,
            _pk=row.id,
        )

    @classmethod
    def from_model(cls, section: models.Section) -> Section:
        """The section a mutation just wrote (its row made from the model, no statement)."""
        return cls.from_row(SectionRow.of(section))

    @classmethod
    async def load(cls, info: Info, pk: int) -> Section | None:
        found = await info.context.loaders.section_by_id.load(pk)
        return cls.from_row(found) if found else None


def _section(found: SectionRow | None) -> Section | None:
    return Section.from_row(found) if found is not None else None


def _sections(found: list[SectionRow]) -> list[Section]:
    return [Section.from_row(row) for row in found]
