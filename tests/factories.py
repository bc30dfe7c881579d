"""Test data made through the CMS's own services, with real image files."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import PIL.Image
from tortoise.transactions import in_transaction

from cms import models
from cms.accounts import tokens
from cms.articles import authors, body, collections, events, sections
from cms.articles import store as articles
from cms.articles import tags as tags_
from cms.core.viewer import Viewer
from cms.media import images
from cms.media.storage import LocalMediaStore

LIMITS = images.Limits(max_bytes=5_000_000, max_pixels=40_000_000)
T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
DESK = Viewer(can_preview=True, role=models.Role.EDITOR, label="factory")
"""The editor the factory makes sections and collections as."""


def jpeg(width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A real JPEG file of one colour."""
    out = io.BytesIO()
    PIL.Image.new("RGB", (width, height), color).save(out, format="JPEG", quality=80)
    return out.getvalue()


class Factory:
    """Makes authors, events, images and articles in the test's database and media folder."""

    def __init__(self, media_root: Path) -> None:
        self.store = LocalMediaStore(media_root)
        self._colors = 0
        self._users = 0

    async def image(self, caption: str = "", alt: str = "", credit: str = "") -> models.Image:
        self._colors += 1
        n = self._colors
        data = jpeg(64 + n % 7, 48, (n * 37 % 256, n * 91 % 256, n * 13 % 256))
        return await images.ingest(
            self.store, data, f"photo-{n}.jpg", LIMITS, caption=caption, alt=alt, credit=credit
        )

    async def author(self, name: str) -> models.Author:
        async with in_transaction():
            return (await authors.get_or_create(name))[0]

    async def event(self, name: str, starts_at: datetime = T0, **extra: object) -> models.Event:
        async with in_transaction():
            return await events.save(events.EventData(name=name, starts_at=starts_at, **extra))  # type: ignore[arg-type]

    async def article(
        self,
        title: str,
        published_at: datetime | None = T0,
        *,
        status: models.ArticleStatus = models.ArticleStatus.PUBLISHED,
        author_list: list[models.Author] | None = None,
        event: models.Event | None = None,
        figures: int = 0,
        cover: bool = False,
        paragraphs: tuple[str, ...] = ("Đoạn văn đầu tiên.",),
        section: models.Section | None = None,
        tags: list[str] | None = None,
        summary: str = "",
        locale: str | None = None,
        translation_of: models.Article | None = None,
    ) -> models.Article:
        """An article (in ``locale``; the default when None), as a translation of
        ``translation_of``'s story when given (linked as ``cms.articles.editing.translate``
        links them)."""
        blocks: list[body.Block] = [body.Paragraph(p) for p in paragraphs]
        for i in range(figures):
            photo = await self.image(caption=f"Ảnh mặc định {i}")
            blocks.append(body.Figure((photo.id,), f"Chú thích {i}"))
        cover_image = await self.image(caption="Ảnh bìa") if cover else None
        data = articles.ArticleData(
            title=title,
            summary=summary,
            blocks=blocks,
            status=status,
            published_at=published_at,
            author_ids=[a.id for a in author_list or []],
            event_id=event.id if event else None,
            cover_id=cover_image.id if cover_image else None,
            section_id=section.id if section else None,
            tags=tags_.checked(tags) if tags is not None else None,
            locale=locale,
        )
        async with in_transaction():
            if translation_of is not None:
                data.story_id = translation_of.story_id or translation_of.id
                if translation_of.story_id is None:
                    await models.Article.filter(id=translation_of.id).update(story_id=data.story_id)
                    translation_of.story_id = data.story_id
            return await articles.save(data)

    async def section(
        self, name: str, parent: models.Section | None = None, slug: str | None = None
    ) -> models.Section:
        """A section at the end of ``parent``'s children (or of the roots)."""
        given = sections.SectionInput(name, slug, parent_id=parent.id if parent else None)
        return await sections.create(DESK, datetime.now(UTC), given)

    async def collection(
        self, name: str, items: Sequence[models.Article] = (), slug: str | None = None
    ) -> models.Collection:
        """A collection listing ``items`` in that order."""
        now = datetime.now(UTC)
        made = await collections.create(DESK, now, collections.CollectionInput(name, slug))
        if items:
            ids = [article.id for article in items]
            made = await collections.set_items(DESK, now, made.id, made.version, ids)
        return made

    async def feed(self, count: int, **options: object) -> list[models.Article]:
        """``count`` published articles one minute apart, oldest first."""
        return [
            await self.article(f"Bài số {i}", T0 + timedelta(minutes=i), **options)  # type: ignore[arg-type]
            for i in range(count)
        ]

    async def token(
        self,
        role: models.Role,
        email: str | None = None,
        *,
        author: models.Author | None = None,
    ) -> str:
        """A signed-in user's session token (the secret to send as ``Bearer``)."""
        self._users += 1
        user = await models.User.create(
            email=email or f"user{self._users}@example.org",
            name=f"Người dùng {self._users}",
            password_hash="!",  # no password: this user signs in by token only
            role=role,
            author=author,
        )
        issued = await tokens.issue(
            models.TokenKind.SESSION, expires_at=datetime.now(UTC) + timedelta(hours=1), user=user
        )
        return issued.secret
