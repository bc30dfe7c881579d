"""The ``Author`` type."""

from __future__ import annotations

from typing import Any

import strawberry

from cms import models
from cms.articles import authors
from cms.articles.reads import AuthorRow
from cms.core import surrogate
from cms.core.locales import Reading, Translations
from schema.context import Info
from schema.types.image import Image
from schema.types.nested import ArticleRef, parent_articles
from schema.types.node import Node, to_global_id
from schema.types.pagination import Connection
from schema.types.translation import (
    UNTRANSLATED,
    AuthorTranslation,
    LocaleArgument,
    translation_of,
)


async def _avatar(root: Any, info: Info) -> Image | None:
    if root._avatar_id is None:
        return None
    found = await info.context.loaders.image_by_id.load(root._avatar_id)
    return Image.from_row(found) if found else None


@strawberry.type(description="A writer or photographer credited on articles.")
class Author(Node):
    id: strawberry.ID = strawberry.field(description="Opaque, globally unique ID.")
    slug: str = strawberry.field(description="URL-safe name, unique, e.g. `bich-lien`.")
    name: str = strawberry.field(description="Name as printed in bylines, e.g. `Bích Liên`.")
    bio: str = strawberry.field(
        description="Short biography; may be empty. Read through an article, in the article's "
        "locale." + UNTRANSLATED
    )
    _pk: strawberry.Private[int]
    _avatar_id: strawberry.Private[int | None]
    _email: strawberry.Private[str | None]
    _bio: strawberry.Private[str] = ""
    _translations: strawberry.Private[Translations | None] = None

    avatar: Image | None = strawberry.field(resolver=_avatar, description="Portrait, if any.")
    articles: Connection[ArticleRef] = strawberry.field(
        resolver=parent_articles(lambda loaders: loaders.articles_by_author),
        description="The author's published articles, newest first.",
    )

    @strawberry.field(
        description="Contact email, e.g. `bich.lien@example.org`. Private: editors and admins "
        "see it; for everyone else it is null (never an error)."
    )
    def email(self, info: Info) -> str | None:
        return authors.visible_email(info.context.viewer, self._email)

    @strawberry.field(description="Its bio in one locale, as written: null when it has none.")
    def translation(self, info: Info, locale: LocaleArgument) -> AuthorTranslation | None:
        defaults, locales = {"bio": self._bio}, info.context.locales()
        return translation_of(defaults, self._translations, locale, locales, AuthorTranslation)

    @classmethod
    def from_row(cls, author: AuthorRow, reading: Reading | None = None) -> Author:
        surrogate.record("author", author.id)
        bio = author.bio
        if reading is not None:
            bio = reading.text(author.bio, author.translations, "bio")
        return cls(
            id=to_global_id("Author", author.id),
            slug=author.slug,
            name=author.name,
            bio=bio,
            _bio=author.bio,
            _translations=author.translations,
            _pk=author.id,
            _avatar_id=author.avatar_id,
            _email=author.email,
        )

    @classmethod
    def from_model(cls, author: models.Author) -> Author:
        """The author a mutation just wrote (its row made from the model, no statement)."""
        return cls.from_row(AuthorRow.of(author))

    @classmethod
    async def load(cls, info: Info, pk: int) -> Author | None:
        found = await info.context.loaders.author_by_id.load(pk)
        return cls.from_row(found) if found else None
