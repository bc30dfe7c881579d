"""An article: text, status, byline and authors, an optional event, cover image and section."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from cms.text import sort_key

if TYPE_CHECKING:
    from cms.models.account import User
    from cms.models.author import Author
    from cms.models.event import Event
    from cms.models.image import Image
    from cms.models.structure import Section


class ArticleStatus(StrEnum):
    """Where an article is in its life."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Article(Model):
    """A news article. ``body`` is a list of typed blocks (see ``cms.articles.body``)."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=500)
    title_sort = fields.CharField(
        max_length=255,
        default="",
        db_default="",
        description="Vietnamese alphabetical sort key of the title.",
    )
    slug = fields.CharField(max_length=160, description="Unique within its locale.")
    locale = fields.CharField(
        max_length=35,
        default="vi",
        db_default="vi",
        description="The BCP 47 tag of the language it is written in (one of CMS_LOCALES).",
    )
    story_id = fields.IntField(
        null=True,
        description="The id of the first article of the story its translations tell (null: it "
        "has no translation, it is its story alone). Not a foreign key: deleting one "
        "translation leaves the others linked.",
    )
    summary = fields.TextField(default="")
    body: fields.Field[list[dict[str, Any]]] = fields.JSONField(default=list)
    status = fields.CharEnumField(ArticleStatus, max_length=16, default=ArticleStatus.DRAFT)
    published_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    version = fields.IntField(default=1, description="Goes up by one on every saved change.")
    byline = fields.CharField(max_length=300, default="", description="The byline as written.")
    event: fields.ForeignKeyNullableRelation[Event] = fields.ForeignKeyField(
        "cms.Event", related_name="articles", null=True, on_delete=fields.SET_NULL
    )
    event_id: int | None
    cover: fields.ForeignKeyNullableRelation[Image] = fields.ForeignKeyField(
        "cms.Image", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    cover_id: int | None
    section: fields.ForeignKeyNullableRelation[Section] = fields.ForeignKeyField(
        "cms.Section", related_name="articles", null=True, on_delete=fields.RESTRICT
    )
    section_id: int | None
    seo_title = fields.CharField(
        max_length=70,
        default="",
        db_default="",
        description="The title for search engines (empty: the title).",
    )
    seo_description = fields.CharField(
        max_length=160,
        default="",
        db_default="",
        description="The description for search engines (empty: the summary).",
    )
    source_key = fields.CharField(
        max_length=64, unique=True, null=True, description="Identity of an imported original."
    )
    source_hash = fields.CharField(
        max_length=64, null=True, description="Hash of the imported original's content."
    )

    class Meta:
        table = "article"
        unique_together = (("locale", "slug"), ("story_id", "locale"))
        indexes = (
            ("story_id",),
            # Every public list and search names a locale: without it in an index, a search on
            # SQLite read every published row for its locale (twice the search's time).
            ("locale", "status", "published_at", "id"),
            ("status", "published_at", "id"),
            ("event_id", "published_at"),
            ("section_id", "published_at"),
            ("title_sort", "id"),
        )

    def __str__(self) -> str:
        return self.title

    def next_version(self, now: datetime | None = None) -> dict[str, Any]:
        """Count a change: the one place an article's version goes up (by one, from the version
        it is at) and its sort key follows its title. The columns to write with the change
        (``updated_at`` too, when ``now`` is given; tortoise sets it itself on :meth:`save`)."""
        self.version += 1
        self.title_sort = sort_key(self.title)
        written: dict[str, Any] = {"version": self.version, "title_sort": self.title_sort}
        if now is not None:
            self.updated_at = written["updated_at"] = now
        return written

    async def save(self, *args: Any, **kwargs: Any) -> None:
        """Save: a new article is version 1; every later save of it is its next version."""
        if kwargs.get("force_create") or self.pk is None:
            self.title_sort = sort_key(self.title)
        else:
            written = self.next_version()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, *written, "updated_at"}
        await super().save(*args, **kwargs)


class ArticleAuthor(Model):
    """An author's place in an article's byline (position 0 first)."""

    id = fields.IntField(primary_key=True)
    article: fields.ForeignKeyRelation[Article] = fields.ForeignKeyField(
        "cms.Article", related_name="author_links", on_delete=fields.CASCADE
    )
    article_id: int
    author: fields.ForeignKeyRelation[Author] = fields.ForeignKeyField(
        "cms.Author", related_name="article_links", on_delete=fields.CASCADE
    )
    author_id: int
    position = fields.IntField(default=0)

    class Meta:
        table = "article_author"
        unique_together = (("article", "author"),)
        indexes = (("author_id", "article_id"),)


class ArticleImage(Model):
    """An image used by an article (cover or figure), in reading order, kept in step with body."""

    id = fields.IntField(primary_key=True)
    article: fields.ForeignKeyRelation[Article] = fields.ForeignKeyField(
        "cms.Article", related_name="image_links", on_delete=fields.CASCADE
    )
    article_id: int
    image: fields.ForeignKeyRelation[Image] = fields.ForeignKeyField(
        "cms.Image", related_name="article_links", on_delete=fields.RESTRICT
    )
    image_id: int
    position = fields.IntField(default=0)

    class Meta:
        table = "article_image"
        unique_together = (("article", "image"),)
        indexes = (("image_id", "article_id"),)


class ArticleRevision(Model):
    """An article as it was saved once: every save stores one, numbered from 1."""

    id = fields.IntField(primary_key=True)
    article: fields.ForeignKeyRelation[Article] = fields.ForeignKeyField(
        "cms.Article", related_name="revisions", on_delete=fields.CASCADE
    )
    article_id: int
    number = fields.IntField()
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "cms.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    user_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    title = fields.CharField(max_length=500)
    summary = fields.TextField(default="")
    body: fields.Field[list[dict[str, Any]]] = fields.JSONField(default=list)
    status = fields.CharEnumField(ArticleStatus, max_length=16)
    tags: fields.Field[list[str] | None] = fields.JSONField(
        null=True,
        description="The names of the article's tags as saved, in order (null: saved before "
        "tags were recorded).",
    )
    links: fields.Field[dict[str, Any] | None] = fields.JSONField(
        null=True,
        description="What the article was linked to as saved: author ids in byline order, "
        "event, cover and section ids (null: saved before links were recorded).",
    )

    class Meta:
        table = "article_revision"
        unique_together = (("article", "number"),)
