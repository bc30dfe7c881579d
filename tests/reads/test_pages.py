"""The articles page in hand-written SQL (``articles.page``) is the ORM's page, row for row.

The ORM's reading of the same rules (``oracle.fetch`` over ``oracle.queryset``, in
tests/reads/oracle.py) is the reference: for every ordering, window,
cursor and viewer (anonymous, an editor who sees undated drafts last, an author who sees their
own), both give the same items, cursors, flags and total.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from cms import models
from cms.articles import queries as articles
from cms.articles.queries import ORDERINGS, ArticleFilter
from cms.core import clock
from cms.core.pagination import Page, Window, window
from cms.core.viewer import ANONYMOUS, Viewer
from cms.models import ArticleStatus, Role
from tests.factories import T0, Factory
from tests.reads import oracle

pytestmark = pytest.mark.database("sqlite", "postgres")


async def seed(settings) -> tuple[models.Author, models.Event]:
    factory = Factory(settings.media_root)
    writer, other = await factory.author("Thu Trang"), await factory.author("Ánh Dương")
    event = await factory.event("Hội nghị")
    titles = ["Đà Lạt", "an toàn", "Ăn uống", "Bạc Liêu", "đường sá", "Zê", "ê kíp", "Ô tô"]
    for n, title in enumerate(titles):
        # Pairs share a publication time: the id breaks the tie.
        await factory.article(
            title,
            T0 + timedelta(hours=n // 2),
            author_list=[writer if n % 3 else other],
            event=event if n % 2 else None,
        )
    await factory.article("Nháp một", None, status=ArticleStatus.DRAFT, author_list=[writer])
    await factory.article("Nháp hai", None, status=ArticleStatus.DRAFT, author_list=[other])
    await factory.article(
        "Sắp đăng",
        T0 + timedelta(days=36500),
        status=ArticleStatus.SCHEDULED,
        author_list=[writer],
    )
    await factory.article("Đã gỡ", T0, status=ArticleStatus.ARCHIVED, author_list=[other])
    return writer, event


def viewers(writer: models.Author) -> dict[str, Viewer]:
    return {
        "anonymous": ANONYMOUS,
        "editor": Viewer(can_preview=True, role=Role.EDITOR),
        "author": Viewer(role=Role.AUTHOR, author_id=writer.id),
    }


async def both(viewer: Viewer, where: ArticleFilter, key: tuple[str, bool], win: Window):
    now = clock.now()
    ordering = ORDERINGS[key]
    nulls = ordering.field == "published_at" and articles.sees_undated(viewer)
    reference = await oracle.fetch(oracle.queryset(viewer, now, where), ordering, win, nulls=nulls)
    return await articles.page(viewer, now, where, ordering, win), reference


async def same(page: Page[object], reference: Page[models.Article]) -> None:
    assert [item.id for item in page.items] == [item.id for item in reference.items]  # type: ignore[attr-defined]
    assert page.cursors == reference.cursors
    assert await page.has_next() == await reference.has_next()
    assert await page.has_previous() == await reference.has_previous()
    assert await page.total() == await reference.total()


@pytest.mark.parametrize("key", list(ORDERINGS))
async def test_every_page_forward_and_backward_is_the_orms(settings, orm, key):
    writer, _ = await seed(settings)
    for name, viewer in viewers(writer).items():
        for size in (1, 3):
            win = window(ORDERINGS[key], first=size, default_size=20, max_size=100)
            seen = 0
            while True:
                page, reference = await both(viewer, ArticleFilter(), key, win)
                await same(page, reference)
                seen += len(page.items)
                if not page.items or not await page.has_next():
                    break
                win = window(
                    ORDERINGS[key],
                    first=size,
                    after=page.cursors[-1],
                    default_size=20,
                    max_size=100,
                )
            assert seen == await page.total(), (name, key)
            # Backward from the end, and a window between two cursors.
            win = window(ORDERINGS[key], last=size, default_size=20, max_size=100)
            page, reference = await both(viewer, ArticleFilter(), key, win)
            await same(page, reference)
            if page.cursors:
                win = window(
                    ORDERINGS[key],
                    last=size,
                    before=page.cursors[0],
                    default_size=20,
                    max_size=100,
                )
                await same(*await both(viewer, ArticleFilter(), key, win))
                first = window(ORDERINGS[key], first=20, default_size=20, max_size=100)
                everything, _ = await both(viewer, ArticleFilter(), key, first)
                between = window(
                    ORDERINGS[key],
                    first=20,
                    after=everything.cursors[0],
                    before=everything.cursors[-1],
                    default_size=20,
                    max_size=100,
                )
                await same(*await both(viewer, ArticleFilter(), key, between))


async def test_filtered_pages_are_the_orms(settings, orm):
    writer, event = await seed(settings)
    filters = [
        ArticleFilter(author_id=writer.id),
        ArticleFilter(author_slug=writer.slug),
        ArticleFilter(event_id=event.id),
        ArticleFilter(event_slug=event.slug),
        ArticleFilter(published_after=T0 + timedelta(hours=1)),
        ArticleFilter(published_before=T0 + timedelta(hours=2)),
        ArticleFilter(statuses=(ArticleStatus.DRAFT, ArticleStatus.SCHEDULED)),
        ArticleFilter(statuses=(ArticleStatus.ARCHIVED,), author_slug="anh-duong"),
    ]
    for viewer in viewers(writer).values():
        for where in filters:
            for key in (("published_at", True), ("title", False)):
                win = window(ORDERINGS[key], first=4, default_size=20, max_size=100)
                await same(*await both(viewer, where, key, win))
