"""The change feed for offline-first apps: what changed since their last sync, in commit order.

``article_change`` holds each article's latest change (kept by database triggers, whatever
writes, and kept after the article is deleted: see migration ``0009_notifications``). A page of
the feed is the rows after the client's cursor, in commit order (sequence number, then article
id), each article once: an ``UPSERT`` with the article as the viewer now sees it, or a
``REMOVE`` with only its ID when the viewer may not see it (unpublished, archived, deleted).
Anonymous readers only hear of articles that have been public: the IDs of drafts, and of
scheduled articles before their time, never reach them (not even inside a cursor). An app that
replays every page in order, whenever it syncs, ends with exactly the articles the public feed
shows, with no full reload.

Deleted articles' rows (tombstones) are pruned by housekeeping after
``CMS_CHANGES_RETENTION_DAYS``, raising ``content_state.changes_horizon``: a cursor carries the
horizon its sync began at, and one begun before tombstones it had not yet passed were pruned gets
``CHANGES_EXPIRED`` (the app must sync from scratch).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cms.articles import publishing, reads
from cms.articles.reads import ArticleRow
from cms.core import cursors, db
from cms.core.errors import ChangesExpired, PageSizeError
from cms.core.viewer import Viewer

START = (-1, 0)
"""Before the first change (``since: null``)."""


class ChangeKind(StrEnum):
    UPSERT = "upsert"
    REMOVE = "remove"


@dataclass(frozen=True, slots=True)
class Change:
    """One article's latest change: its id, and the article when the viewer may see it."""

    kind: ChangeKind
    article_id: int
    article: ArticleRow | None


@dataclass(frozen=True, slots=True)
class ChangeFeed:
    """One page of changes, the cursor to resume from, and whether more are waiting."""

    changes: list[Change]
    cursor: str
    has_more: bool


async def _horizon() -> int:
    """The sequence number of the newest tombstone housekeeping pruned (0: none yet)."""
    rows = await db.fetch("SELECT changes_horizon FROM content_state WHERE id = 1")
    return int(rows[0]["changes_horizon"]) if rows else 0


def _position(seq: object, article_id: object, generation: object = 0) -> tuple[int, int, int]:
    if not isinstance(seq, int) or not isinstance(article_id, int):
        raise TypeError("not a change cursor")
    if not isinstance(generation, int):
        raise TypeError("not a change cursor")
    return seq, article_id, generation


async def feed(
    viewer: Viewer,
    now: datetime,
    since: str | None,
    first: int | None,
    max_size: int,
    locale: str | None = None,
) -> ChangeFeed:
    """The changes after ``since`` (from the beginning when None), at most ``first``.

    ``locale``: upserts of the articles written in it only (the others are skipped, a page may
    then hold fewer than ``first``); removals of every locale, as a deleted article's locale is
    not kept (a client drops the ids it holds and ignores the others)."""
    size = max_size if first is None else first
    if not 1 <= size <= max_size:
        raise PageSizeError(f"`first` must be between 1 and {max_size}.", field="first")
    # A cursor carries the horizon its sync began at (its generation; left out while it is 0):
    # tombstones pruned since then, past the cursor, are removals the app would never hear of.
    horizon = await _horizon()
    if since is None:
        seq, after_id, generation = (*START, horizon)
    else:
        seq, after_id, generation = cursors.decode(since, "since", _position)
    if generation < horizon and seq <= horizon:
        raise ChangesExpired(
            "This cursor is older than the change feed remembers (deleted articles are "
            "forgotten after a while): sync again from scratch with `since: null`.",
            field="since",
        )
    await publishing.publish_due(now)  # a scheduled article that came into view is a change
    # Readers who see only public articles skip the others' rows in SQL: a page of them is
    # full of changes, and its cursor never names an article they may not know of.
    public_only = " AND ever_public" if viewer.author_id is None and not viewer.can_preview else ""
    rows = await db.fetch(
        "SELECT article_id, seq, ever_public FROM article_change "
        f"WHERE (seq > ? OR (seq = ? AND article_id > ?)){public_only} "
        "ORDER BY seq, article_id LIMIT ?",
        [seq, seq, after_id, size + 1],
    )
    has_more = len(rows) > size
    rows = rows[:size]
    ids = [int(row["article_id"]) for row in rows]
    visible = dict(zip(ids, await reads.articles_by_ids(viewer, now, ids), strict=True))
    changes: list[Change] = []
    for row in rows:
        article_id = int(row["article_id"])
        article = visible[article_id]
        if article is not None:
            if locale is None or article.locale == locale:
                changes.append(Change(ChangeKind.UPSERT, article_id, article))
        elif viewer.can_preview or bool(row["ever_public"]):
            changes.append(Change(ChangeKind.REMOVE, article_id, None))
    last = (int(rows[-1]["seq"]), ids[-1]) if rows else (seq, after_id)
    cursor = cursors.encode(last if generation == 0 else (*last, generation))
    return ChangeFeed(changes, cursor, has_more)
