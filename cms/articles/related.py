"""Related articles: for many articles at once, the published ones most like each, in one statement.

Each article's related articles are the published ones (whoever asks: an editor looking at a
draft gets what readers will see; :func:`~cms.articles.visibility.public_sql`) that share the
most tags with it, then those in the same section, then those whose titles best match its title
(the search index's ranking: :meth:`cms.search.backend.SearchBackend.similar_titles`), the
newest first among equals; never the article itself.

The candidates are the articles sharing a tag, the newest ``first`` of the same section (beyond
them, an article of the section that shares no tag and matches no title would never be chosen),
and the title matches; each is scored, ranked per article with a window function, and read as a
list row (no body) in the same statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cms.articles.reads import ARTICLE, ArticleRow, listed
from cms.articles.visibility import public_sql
from cms.core import db
from cms.core.db import Fragment, marks
from cms.search import backend_for

POOL = 50
"""Most title matches weighed per article (the best ones)."""

NO_MATCHES = (
    "SELECT CAST(NULL AS INTEGER) AS source_id, CAST(NULL AS INTEGER) AS article_id, "
    "CAST(NULL AS REAL) AS score WHERE 1 = 0"
)
"""The title matches when there are none to look for."""


async def related(
    now: datetime, sources: Sequence[tuple[int, str]], first: int, *, bodies: bool = False
) -> dict[int, list[ArticleRow]]:
    """Up to ``first`` related articles of each article of ``sources`` (its id and title), the
    most related first (an article with none is absent); read with their bodies if ``bodies``,
    else as a list reads them (:func:`~cms.articles.reads.listed`)."""
    sources = list(dict.fromkeys(sources))
    if not sources or first < 1:
        return {}
    connection = db.connection()
    matches = backend_for(connection).similar_titles(sources, now, POOL)
    sql, params = _ranked(now, [pk for pk, _ in sources], first, matches)
    if bodies:
        sql = sql.replace(listed("a"), ARTICLE.select("a"), 1)
    found: dict[int, list[ArticleRow]] = {}
    for row in await db.fetch(sql, params, connection):
        found.setdefault(int(row["related_source_id"]), []).append(ARTICLE.build(row))
    return found


def _ranked(now: datetime, ids: list[int], first: int, title_matches: Fragment | None) -> Fragment:
    """The statement: each candidate's points from each source (shared tags, counted in one
    aggregate; a title match's score), summed per article, ranked with the section and date.
    Only articles in the source's locale are related to it."""
    hits_sql, hits_params = title_matches or (NO_MATCHES, [])
    sources = marks(len(ids))
    public_r, public_r_params = public_sql(now, "r")
    sql = (
        f"WITH hits AS ({hits_sql}), "
        "points AS ("
        "SELECT x.article_id AS source_id, y.article_id AS article_id, COUNT(*) AS shared, "
        "0 AS matched FROM article_tag x JOIN article_tag y ON y.tag_id = x.tag_id "
        f"WHERE x.article_id IN ({sources}) GROUP BY x.article_id, y.article_id "
        "UNION ALL SELECT source_id, article_id, 0, 0 FROM (SELECT s.id AS source_id, "
        "r.id AS article_id, ROW_NUMBER() OVER (PARTITION BY s.id ORDER BY r.published_at DESC, "
        "r.id DESC) AS n FROM article s JOIN article r ON r.section_id = s.section_id "
        f"AND r.id <> s.id AND r.locale = s.locale WHERE s.id IN ({sources}) AND {public_r}) "
        "in_section WHERE n <= ? "
        "UNION ALL SELECT source_id, article_id, 0, score FROM hits), "
        "summed AS (SELECT source_id, article_id, SUM(shared) AS shared, MAX(matched) AS matched "
        "FROM points GROUP BY source_id, article_id), "
        "ranked AS (SELECT c.source_id, c.article_id, ROW_NUMBER() OVER (PARTITION BY c.source_id "
        "ORDER BY c.shared DESC, CASE WHEN r.section_id = s.section_id THEN 1 ELSE 0 END DESC, "
        "c.matched DESC, r.published_at DESC, r.id DESC) AS n FROM summed c "
        "JOIN article r ON r.id = c.article_id JOIN article s ON s.id = c.source_id "
        f"WHERE r.id <> c.source_id AND r.locale = s.locale AND {public_r}) "
        f"SELECT ranked.source_id AS related_source_id, {listed('a')} FROM ranked "
        "JOIN article a ON a.id = ranked.article_id WHERE ranked.n <= ? "
        "ORDER BY ranked.source_id, ranked.n"
    )
    params = [*hits_params, *ids, *ids, *public_r_params, first, *public_r_params, first]
    return sql, params
