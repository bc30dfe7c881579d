"""The ``Tag`` type: a topic articles carry."""

from __future__ import annotations

import strawberry

from cms import models
from cms.articles.structure_reads import TagRow
from cms.core import surrogate
from cms.core.locales import Reading, Translations
from schema.context import Info
from schema.types.nested import ArticleRef, parent_articles
from schema.types.node import Node, to_global_id
from schema.types.pagination import Connection
from schema.types.translation import UNTRANSLATED, LocaleArgument, TagTranslation, translation_of


@strawberry.type(
    description="A topic articles carry, e.g. `khu công nghiệp`. One tag per name whatever its "
    "accents and case: `Khu công nghiệp`, `khu cong nghiep` and `KHU CÔNG NGHIỆP` are one tag."
)
class Tag(Node):
    id: strawberry.ID = strawberry.field(description="Opaque, globally unique ID.")
    slug: str = strawberry.field(description="URL-safe name, unique, e.g. `khu-cong-nghiep`.")
    name: str = strawberry.field(
        description="The name as an editor first typed it, e.g. `Khu công nghiệp`; read "
        "through an article, in the article's locale." + UNTRANSLATED
    )
    _pk: strawberry.Private[int]
    _name: strawberry.Private[str] = ""
    _translations: strawberry.Private[Translations | None] = None

    articles: Connection[ArticleRef] = strawberry.field(
        resolver=parent_articles(lambda loaders: loaders.articles_by_tag),
        description="The published articles that carry this tag, newest first.",
    )

    @strawberry.field(
        description="The tag page's address on the website (`CMS_SITE_URL` with `CMS_TAG_PATH`), "
        "e.g. `https://kcn.example.vn/tag/khu-cong-nghiep`; null when `CMS_SITE_URL` is not set."
    )
    def url(self, info: Info) -> str | None:
        return info.context.site().tag(self.slug)

    @strawberry.field(description="Its name in one locale, as written: null when it has none.")
    def translation(self, info: Info, locale: LocaleArgument) -> TagTranslation | None:
        defaults, locales = {"name": self._name}, info.context.locales()
        return translation_of(defaults, self._translations, locale, locales, TagTranslation)

    @classmethod
    def from_row(cls, row: TagRow, reading: Reading | None = None) -> Tag:
        surrogate.record("tag", row.id)
        name = row.name if reading is None else reading.text(row.name, row.translations, "name")
        return cls(
            id=to_global_id("Tag", row.id),
            slug=row.slug,
            name=name,
            _pk=row.id,
            _name=row.name,
            _translations=row.translations,
        )

    @classmethod
    def from_model(cls, tag: models.Tag) -> Tag:
        """The tag a mutation just wrote (its row made from the model, no statement)."""
        return cls.from_row(TagRow(tag.id, tag.slug, tag.name, tag.translations))

    @classmethod
    async def load(cls, info: Info, pk: int) -> Tag | None:
        found = await info.context.loaders.tag_by_id.load(pk)
        return cls.from_row(found) if found else None
