"""The items of collections as a reader sees them: pages in the editors' order, and counts, for
many collections at once.

A collection may list drafts, archived articles and articles scheduled for later: each reader
sees only the items they may see (:func:`cms.articles.visibility.visible_sql`), so a draft is
skipped rather than answered as an error, and a scheduled article appears at its time, as it does
in every other list. Pages are keyset pages over the items' positions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from cms.articles.reads import ARTICLE, ArticleRow
from cms.articles.visibility import in_locale, visible_sql
from cms.core import db
from cms.core.db import Fragment, all_of, marks
from cms.core.pagination import Ordering, Page, Source, Window, constant, edge
from cms.core.viewer import Viewer

IN_ORDER = Ordering("collection:position:asc", "position", descending=False)
"""The items' one order: the editors', ties (none are made) broken by the item's id."""


@dataclass(slots=True)
class Item:
    """An article at its place in a collection: ``id`` is the place's own (cursors name it)."""

    id: int
    position: int
    article: ArticleRow


async def first_pages(
    viewer: Viewer,
    now: datetime,
    collection_ids: Sequence[int],
    win: Window,
    total: Callable[[int], Callable[[], Awaitable[int]]],
    locale: str | None = None,
) -> list[Page[Item]]:
    """Batch reader: one page of items per collection, in one statement for all of them.
    ``total(collection_id)`` supplies each page's lazy ``totalCount``. ``locale``: only the
    items whose articles are written in it (None: any)."""
    ranked = await _ranked(viewer, now, collection_ids, win, locale)
    pages = []
    for collection_id in collection_ids:
        items = ranked.get(collection_id, [])
        scoped = _scope(viewer, now, collection_id, locale)
        scope = Source("collection_item", "i", "i.id", scoped, _id)
        pages.append(
            Page(
                items=items[: win.size],
                ordering=IN_ORDER,
                has_next=constant(len(items) > win.size),
                has_previous=edge(False, scope, IN_ORDER, win.after, True, False),
                total=total(collection_id),
            )
        )
    return pages


def _id(row: dict[str, object]) -> int:
    return int(str(row["id"]))


def _scope(viewer: Viewer, now: datetime, collection_id: int, locale: str | None) -> Fragment:
    """The items of one collection ``viewer`` may see, as SQL over ``collection_item i``."""
    return all_of(("i.collection_id = ?", [collection_id]), _visible(viewer, now, locale))


def _visible(viewer: Viewer, now: datetime, locale: str | None) -> Fragment | None:
    if (visible := visible_sql(viewer, now, "a")) is None and locale is None:
        return None
    sql, params = all_of(visible, in_locale(locale, "a"))
    return f"i.article_id IN (SELECT a.id FROM article a WHERE {sql})", params


async def _ranked(
    viewer: Viewer, now: datetime, collection_ids: Sequence[int], win: Window, locale: str | None
) -> dict[int, list[Item]]:
    """Up to ``win.size + 1`` visible items per collection, in order, with their articles."""
    if not collection_ids or not win.size:
        return {}
    where, params = all_of(
        (f"i.collection_id IN ({marks(len(collection_ids))})", list(collection_ids)),
        visible_sql(viewer, now, "a"),
        in_locale(locale, "a"),
        IN_ORDER.beyond(win.after, "i") if win.after is not None else None,
    )
    sql = (
        "SELECT * FROM (SELECT i.collection_id AS parent, i.id AS item_id, "
        f"i.position AS item_position, {ARTICLE.select('a')}, ROW_NUMBER() OVER "
        f"(PARTITION BY i.collection_id ORDER BY {IN_ORDER.order_sql('i')}) AS rn "
        f"FROM collection_item i JOIN article a ON a.id = i.article_id WHERE {where}) ranked "
        "WHERE rn <= ? ORDER BY parent, rn"
    )
    ranked: dict[int, list[Item]] = {}
    for row in await db.fetch(sql, [*params, win.size + 1]):
        item = Item(int(row["item_id"]), int(row["item_position"]), ARTICLE.build(row))
        ranked.setdefault(int(row["parent"]), []).append(item)
    return ranked


async def counts(
    viewer: Viewer, now: datetime, collection_ids: Sequence[int], locale: str | None = None
) -> list[int]:
    """Batch reader: how many items of each collection ``viewer`` may see."""
    if not collection_ids:
        return []
    where, params = all_of(
        (f"i.collection_id IN ({marks(len(collection_ids))})", list(collection_ids)),
        _visible(viewer, now, locale),
    )
    rows = await db.fetch(
        "SELECT i.collection_id AS parent, COUNT(*) AS n FROM collection_item i "
        f"WHERE {where} GROUP BY i.collection_id",
        params,
    )
    found = {int(row["parent"]): int(row["n"]) for row in rows}
    return [found.get(i, 0) for i in collection_ids]
