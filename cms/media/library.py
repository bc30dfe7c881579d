"""The photo library: every picture a writer may use, newest first, searchable by its words.

Editors and admins may use every picture; an author those of public articles, of their own
articles, and authors' avatars (:func:`cms.media.images.visible_to`). A search matches the
caption, alt text and credit as the article search does: accents, case and Unicode form do not
matter (``hoi nghi`` finds ``Hội nghị``), every word must occur, and a word also matches the
start of a longer one (``nghi`` finds ``nghị``). Folding happens in Python (SQLite has no
accent folding), over the pictures in id order, a batch at a time, until the page is full: a
newsroom's library of tens of thousands of pictures is read in well under a second even when
nothing matches.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from cms.accounts.permissions import WRITERS, require
from cms.articles.reads import IMAGE, ImageRow
from cms.core import db
from cms.core.errors import InvalidInput
from cms.core.pagination import Cursor, Ordering, Page, constant
from cms.core.viewer import Viewer
from cms.media.images import visible_to
from cms.text import fold

NEWEST_FIRST = Ordering("image:newest", "id", descending=True)
"""Newest upload first (ids grow with every upload), the library's one order."""

BATCH = 500
"""Pictures read per statement while a search fills a page."""
MAX_QUERY = 200
"""Longest search, in characters."""


async def page(
    viewer: Viewer, now: datetime, query: str | None, size: int, after: Cursor | None
) -> Page[ImageRow]:
    """One page of the pictures ``viewer`` may use that match ``query`` (all when empty),
    newest first, after the cursor."""
    require(viewer, WRITERS, "use the photo library")
    words = _words(query)
    match = _matcher(viewer, now, words)
    found, more = await _scan(match, None if after is None else after.id, size, plain=not words)
    total = _total(match) if words or not viewer.can_preview else _count_all
    return Page(found, NEWEST_FIRST, constant(more), constant(after is not None), total)


def _words(query: str | None) -> list[str]:
    if query is None:
        return []
    if len(query) > MAX_QUERY:
        raise InvalidInput(f"A search is at most {MAX_QUERY} characters.", field="query")
    return fold(query).split()


Matcher = Callable[[list[ImageRow]], Awaitable[list[ImageRow]]]


def _matcher(viewer: Viewer, now: datetime, words: list[str]) -> Matcher:
    """Which pictures of a batch count: those the viewer may use whose words match."""

    async def match(batch: list[ImageRow]) -> list[ImageRow]:
        if not viewer.can_preview:
            allowed = await visible_to(viewer, [image.id for image in batch], now)
            batch = [image for image in batch if image.id in allowed]
        return [image for image in batch if _matches(image, words)]

    return match


def _matches(image: ImageRow, words: list[str]) -> bool:
    if not words:
        return True
    text = fold(f"{image.caption} {image.alt} {image.credit}").split()
    return all(any(word.startswith(wanted) for word in text) for wanted in words)


async def _scan(
    match: Matcher, before_id: int | None, size: int | None, *, plain: bool
) -> tuple[list[ImageRow], bool]:
    """Up to ``size`` matching pictures older than ``before_id`` (all when ``size`` is None),
    and whether more are left. An editor's list without a search is one statement."""
    found: list[ImageRow] = []
    limit = BATCH if size is None or not plain else size + 1
    while size is None or len(found) <= size:
        where, params = ("WHERE x.id < ?", [before_id]) if before_id is not None else ("", [])
        rows = await db.fetch(
            f"SELECT {IMAGE.select('x')} FROM image x {where} ORDER BY x.id DESC LIMIT ?",
            [*params, limit],
        )
        batch = [IMAGE.build(row) for row in rows]
        found += await match(batch)
        if len(batch) < limit:
            break
        before_id = batch[-1].id
    if size is None:
        return found, False
    return found[:size], len(found) > size


def _total(match: Matcher) -> Callable[[], Awaitable[int]]:
    async def total() -> int:
        return len((await _scan(match, None, None, plain=False))[0])

    return total


async def _count_all() -> int:
    rows = await db.fetch("SELECT COUNT(*) AS n FROM image")
    return int(rows[0]["n"])
