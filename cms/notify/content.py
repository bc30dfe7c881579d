"""The content's version: one number that every write anonymous readers may see raises.

Database triggers raise ``content_state.version`` in the writing transaction itself, whatever
writes (a service, the importer, a migration, an operator's SQL), so a reader that sees the new
content also sees the new number, on every app instance that shares the database. Since
migration ``0015_public_version`` a write to an article, or to its authors, images, tags or place
in a collection, raises it only when the article is public (published or scheduled) before or
after: a draft's save, a revision, a preview link keep every instance's cached answers. A write
to the other content tables raises it whatever uses the row (coarse). With the next
instant at which a scheduled article comes into view, it says whether an answer computed earlier
is still the answer now: see :mod:`cms.web.graphql.response_cache`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cms.articles.visibility import upcoming_sql
from cms.core import db
from cms.core.clock import utc
from cms.core.db import Fragment

TABLES = (
    "article",
    "article_author",
    "article_image",
    "author",
    "event",
    "image",
    "section",
    "tag",
    "article_tag",
    "collection",
    "collection_item",
)
"""What the public API reads. A write to any of them that readers may see is a new version.

The triggers that watch them are made by migrations ``0003_content_version`` (the first six)
and ``0012_site_structure`` (the site's structure), made conditional by ``0015_public_version``,
each from its own copy of its tables: a new content table needs a migration of its own.
"""


@dataclass(frozen=True, slots=True)
class Stamp:
    """What the public content looks like at one instant: equal stamps, equal answers."""

    version: int
    next_change: datetime | None
    """When the next scheduled article comes into view (answers change then without a write)."""


async def stamp(now: datetime) -> Stamp | None:
    """The content's stamp at ``now``; ``None`` if the database keeps no version (not migrated)."""
    sql, params = stamp_sql(now)
    row = (await db.fetch(sql, params))[0]
    return stamp_of(row["version"], row["next_change"])


def stamp_sql(now: datetime) -> Fragment:
    """The one statement that reads the stamp at ``now`` (columns ``version``, ``next_change``),
    for a connection of one's own (:mod:`cms.notify.content_watch`)."""
    upcoming, params = upcoming_sql(now, "a")
    return (
        "SELECT (SELECT version FROM content_state WHERE id = 1) AS version, "
        f"(SELECT MIN(a.published_at) FROM article a WHERE {upcoming}) AS next_change",
        params,
    )


def stamp_of(version: Any, next_change: Any) -> Stamp | None:
    """The stamp in a row of :func:`stamp_sql` (SQLite gives the time as text)."""
    if version is None:
        return None
    if next_change is not None and not isinstance(next_change, datetime):
        next_change = datetime.fromisoformat(str(next_change))
    return Stamp(int(version), utc(next_change) if next_change is not None else None)
