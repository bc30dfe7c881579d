"""The site's structure: sections (a tree ordered by hand), topic tags, and hand-picked lists."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from cms.models.article import Article

PATH_MAX = 1000
"""The width of ``Section.path``: eight levels of the longest slugs fit."""


class Section(Model):
    """A part of the site, in a tree ordered by hand: an article is in at most one.

    ``Tin tức - Sự kiện`` › ``Hoạt động của Ban``: ``path`` is the slugs from the root down,
    joined by ``/``, kept by the service whenever a section or one of its ancestors moves or
    changes its slug.
    """

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    slug = fields.CharField(max_length=160, unique=True)
    path = fields.CharField(
        max_length=PATH_MAX, unique=True, description="`tin-tuc/hoat-dong-cua-ban`."
    )
    description = fields.TextField(default="")
    parent: fields.ForeignKeyNullableRelation[Section] = fields.ForeignKeyField(
        "cms.Section", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    parent_id: int | None
    position = fields.IntField(default=0, description="Order among its siblings, from 0.")
    translations: fields.Field[dict[str, dict[str, str]] | None] = fields.JSONField(
        null=True,
        description="Its name and description in the locales other than the default: "
        "{locale: {field: text}} (null: none).",
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "section"
        indexes = (("parent_id", "position"),)

    def __str__(self) -> str:
        return self.name


class Tag(Model):
    """A topic (``khu công nghiệp``): one per folded name, spelled as an editor first typed it."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=60)
    slug = fields.CharField(max_length=160, unique=True)
    folded = fields.CharField(
        max_length=60, unique=True, description="The name folded (`cms.text.fold`): its identity."
    )
    translations: fields.Field[dict[str, dict[str, str]] | None] = fields.JSONField(
        null=True,
        description="Its name in the locales other than the default: "
        "{locale: {field: text}} (null: none).",
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tag"

    def __str__(self) -> str:
        return self.name


class ArticleTag(Model):
    """A tag's place in an article's list of tags (position 0 first)."""

    id = fields.IntField(primary_key=True)
    article: fields.ForeignKeyRelation[Article] = fields.ForeignKeyField(
        "cms.Article", related_name="tag_links", on_delete=fields.CASCADE
    )
    article_id: int
    tag: fields.ForeignKeyRelation[Tag] = fields.ForeignKeyField(
        "cms.Tag", related_name="article_links", on_delete=fields.CASCADE
    )
    tag_id: int
    position = fields.IntField(default=0)

    class Meta:
        table = "article_tag"
        unique_together = (("article", "tag"),)
        indexes = (("tag_id", "article_id"),)


class Collection(Model):
    """A list of articles in the editors' order (the front page's top stories)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    slug = fields.CharField(max_length=160, unique=True)
    description = fields.TextField(default="")
    version = fields.IntField(default=1, description="Goes up by one on every saved change.")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "collection"

    def __str__(self) -> str:
        return self.name


class CollectionItem(Model):
    """An article's place in a collection (position 0 first)."""

    id = fields.IntField(primary_key=True)
    collection: fields.ForeignKeyRelation[Collection] = fields.ForeignKeyField(
        "cms.Collection", related_name="items", on_delete=fields.CASCADE
    )
    collection_id: int
    article: fields.ForeignKeyRelation[Article] = fields.ForeignKeyField(
        "cms.Article", related_name="collection_links", on_delete=fields.CASCADE
    )
    article_id: int
    position = fields.IntField(default=0)

    class Meta:
        table = "collection_item"
        unique_together = (("collection", "article"),)
        indexes = (("collection_id", "position"), ("article_id", "collection_id"))
