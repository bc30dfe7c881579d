"""Running a parsed query: matching, ranking and keyset pages, the same on SQLite and PostgreSQL.

Matching: every term must occur in the folded text (title or the rest), in any order; a phrase
as consecutive words; the last bare word also as a prefix. Ranking is a small integer, the sum of

- ``TITLE`` (8): every term occurs in the title;
- ``PHRASE`` (4): all the query's words occur consecutively, in the order typed (only for a query
  of two or more words that is not one quoted phrase already);
- ``EXACT`` (2): every word the user typed with diacritics occurs with exactly those diacritics;

and ties go to the most recent article, then the highest id. Each part is a plain yes/no match
that both databases answer identically, so the two give the same results in the same order
(engine-specific relevance formulas, ``bm25`` and ``ts_rank``, would not).

A query in a locale (:attr:`Query.locale`) finds that locale's articles alone, its words matched
as that locale's analysis says (:mod:`cms.search.analysis`: English stems).

Pages are keyset pages on (score, date, id): a cursor stays valid while articles are published.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cms.articles import reads
from cms.articles.queries import ArticleFilter, filtered
from cms.articles.reads import ArticleRow
from cms.core import cursors
from cms.core.clock import utc
from cms.core.db import Fragment, connection, fetch
from cms.core.errors import InvalidCursor
from cms.core.pagination import constant
from cms.core.viewer import Viewer
from cms.search import backend_for
from cms.search.backend import SearchBackend
from cms.search.query import Query, Term

TITLE, PHRASE, EXACT_BONUS = 8, 4, 2


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching article's id, score and sort date."""

    article_id: int
    score: int
    sort_at: datetime

    def cursor(self, query: Query) -> str:
        """The opaque cursor of this hit in the results of ``query``."""
        return cursors.encode(
            ["search", _fingerprint(query), self.score, self.sort_at.isoformat(), self.article_id]
        )


@dataclass(slots=True)
class SearchPage:
    """A page of hits, best first, with the models and what Relay's pageInfo asks for."""

    hits: list[Hit]
    articles: list[ArticleRow]
    cursors: list[str]
    has_next: Callable[[], Awaitable[bool]]
    has_previous: Callable[[], Awaitable[bool]]
    total: Callable[[], Awaitable[int]]


def decode_cursor(cursor: str, query: Query) -> Hit:
    """Read a cursor issued for ``query``; anything else is an :class:`InvalidCursor`."""
    kind, fingerprint, hit = cursors.decode(cursor, "after", _read)
    if kind != "search" or fingerprint != _fingerprint(query):
        raise InvalidCursor("`after` was issued for another search.", field="after")
    return hit


async def search(
    viewer: Viewer,
    now: datetime,
    query: Query,
    where: ArticleFilter,
    first: int,
    after: Hit | None = None,
) -> SearchPage:
    """One page of the articles ``viewer`` may see that match ``query``, best first."""
    db = connection()
    backend = backend_for(db)
    plan = _Plan(backend, query)
    base_sql, base_params = _matching(backend, plan.match, viewer, now, where, query)
    sql = (
        f"SELECT id, score, sort_at FROM (SELECT {backend.columns}, {plan.score_sql} AS score "
        f"{base_sql}) hits"
    )
    params = [*plan.score_params, *base_params]
    if after is not None:
        sql += " WHERE score < ? OR (score = ? AND (sort_at < ? OR (sort_at = ? AND id < ?)))"
        params += [after.score, after.score, after.sort_at, after.sort_at, after.article_id]
    sql += " ORDER BY score DESC, sort_at DESC, id DESC LIMIT ?"
    rows = await fetch(sql, [*params, first + 1], db)
    hits = [
        Hit(int(row["id"]), int(row["score"]), _datetime(row["sort_at"])) for row in rows[:first]
    ]
    articles = await reads.articles_by_ids(None, now, [h.article_id for h in hits])
    found = {article.id: article for article in articles if article is not None}

    async def total() -> int:
        count_rows = await fetch(f"SELECT COUNT(*) AS n {base_sql}", base_params, db)
        return int(count_rows[0]["n"])

    kept = [h for h in hits if h.article_id in found]
    return SearchPage(
        hits=kept,
        articles=[found[h.article_id] for h in kept],
        cursors=[h.cursor(query) for h in kept],
        has_next=constant(len(rows) > first),
        has_previous=constant(after is not None),
        total=total,
    )


class _Plan:
    """The match expressions of one query on one backend, with the score's SQL."""

    def __init__(self, backend: SearchBackend, query: Query) -> None:
        terms = query.terms
        self.match = backend.expression(terms, exact=False, title_only=False)
        # (points, test, its parameter)
        title = backend.expression(terms, exact=False, title_only=True)
        parts = [(TITLE, backend.in_title, title)]
        words = [w for t in terms for w in t.folded]
        if len(words) >= 2 and not (len(terms) == 1 and terms[0].phrase):
            whole = Term(
                tuple(words),
                tuple(w for t in terms for w in t.exact),
                phrase=True,
                prefix=terms[-1].prefix,
                keys=tuple(k for t in terms for k in t.keys),
                stemmed=terms[-1].stemmed,
            )
            phrase = backend.expression([whole], exact=False, title_only=False)
            parts.append((PHRASE, backend.in_document, phrase))
        accented = [t for t in terms if t.accented]
        if accented:
            exact = backend.expression(accented, exact=True, title_only=False)
            parts.append((EXACT_BONUS, backend.in_document, exact))
        self.score_sql = " + ".join(
            f"(CASE WHEN {test} THEN {n} ELSE 0 END)" for n, test, _ in parts
        )
        self.score_params = [expression for _, _, expression in parts]


def _matching(
    backend: SearchBackend,
    match: str,
    viewer: Viewer,
    now: datetime,
    where: ArticleFilter,
    query: Query,
) -> Fragment:
    """``FROM ... WHERE ...`` of the matching, visible, filtered articles of the query's locale
    (``?`` markers)."""
    sql, params = backend.matching(match, viewer, now, query.locale)
    if where != ArticleFilter():
        narrowed, narrowed_params = filtered(viewer, now, where)
        sql += f" AND {backend.id_column} IN ({narrowed})"
        params = [*params, *narrowed_params]
    return sql, params


def _read(kind: Any, fingerprint: Any, score: Any, sort_at: Any, id_: Any) -> tuple[Any, Any, Hit]:
    return kind, fingerprint, Hit(int(id_), int(score), utc(datetime.fromisoformat(sort_at)))


def _datetime(value: Any) -> datetime:
    return utc(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))


def _fingerprint(query: Query) -> str:
    words = "|".join(" ".join(t.keys) + ("*" if t.prefix else "") for t in query.terms)
    return hashlib.blake2b(words.encode(), digest_size=6).hexdigest()
