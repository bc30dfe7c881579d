"""The search index on PostgreSQL: a table of ``tsvector`` built here, searched by itself.

``article_search(article_id, title tsvector, document tsvector, public_at, sort_at)`` has a GIN
index on ``document`` (title and rest; the rest starts two positions after the title, so a phrase
never spans the two), ``title`` alone beside it, small, for ranking, and the article's visibility
(:func:`~cms.articles.visibility.public_at_sql`) and sort date, so that a search never joins the
article table (building a hash of every visible article cost ~10 ms); a trigger keeps those two in
step with the article row, whoever updates it. The ``tsvector`` is built here, not by
``to_tsvector`` (whose parser depends on the server's locale and whose ``english`` configuration
drops syllables like ``so``, ``do``, ``an``): each word is a lexeme of its key (the folded word,
or its English stem: :mod:`cms.search.analysis`) and, at the same position, ``=`` + the word as
written. ``document`` also holds ``~`` + the article's locale, without a position (``~en``): a
search in a locale asks for it (:func:`locale_tsquery`), so it stays in the GIN index and never
joins the article table. Migration 0016 gave the entries written before locales their
article's (every article then the default locale's).

``document`` is kept in the table's own pages (storage MAIN, a toast target of a whole page)
rather than in TOAST: ranking reads it for every match, and the planner, which does not count
TOAST, would otherwise scan the table rather than use the GIN index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cms.articles.visibility import public_at_sql, visible_at_sql
from cms.core.clock import utc
from cms.core.db import Fragment, all_of, execute_many
from cms.core.viewer import Viewer
from cms.search.backend import SearchBackend, sort_at_sql, title_words
from cms.search.documents import Document
from cms.search.query import Locale, Term
from cms.text import Word

EXACT = "="
"""Prefix of lexemes that hold a word as written (folded lexemes never contain it)."""
LOCALE = "~"
"""Prefix of the lexeme that names the article's locale (no word lexeme contains it)."""
MAX_POSITION = 16383
"""PostgreSQL's largest word position; later words share it (phrases there match loosely)."""
MAX_POSITIONS_PER_LEXEME = 256
"""PostgreSQL keeps at most this many positions of one lexeme."""

_UPSERT = (
    # With the article's visibility and sort date copied from its row (written in the same
    # transaction), so a search reads this table alone.
    "INSERT INTO article_search (article_id, title, document, public_at, sort_at) "
    f"SELECT a.id, ?::tsvector, ?::tsvector, {public_at_sql('a')}, {sort_at_sql('a')} "
    "FROM article a WHERE a.id = ? "
    "ON CONFLICT (article_id) DO UPDATE SET title = EXCLUDED.title, "
    "document = EXCLUDED.document, public_at = EXCLUDED.public_at, sort_at = EXCLUDED.sort_at"
)


class PostgresSearch(SearchBackend):
    """``tsvector`` of folded and as-written lexemes; visibility and sort date in the index row."""

    key = "article_id"
    id_column = "s.article_id"
    columns = "s.article_id AS id, s.sort_at AS sort_at"
    # Row by row: the match's row is at hand (its document is stored in the row).
    in_title = "s.title @@ ?::tsquery"
    in_document = "s.document @@ ?::tsquery"

    async def write(self, docs: Sequence[Document]) -> None:
        """Replace the index entries of these documents' articles (``docs`` not empty)."""
        await execute_many(_UPSERT, [[*tsvectors(d), d.article_id] for d in docs], self.db)

    async def analyze(self) -> None:
        """Refresh the statistics of the index after a bulk write, so the planner uses them."""
        await self.db.execute_script("ANALYZE article_search")

    def expression(self, terms: Sequence[Term], *, exact: bool, title_only: bool) -> str:
        """A ``tsquery``: the columns tested (:attr:`in_title`, ``in_document``) pick the part."""
        return " & ".join(_tsquery(term, exact) for term in terms)

    def similar_titles(
        self, sources: Sequence[tuple[int, str]], now: datetime, pool: int
    ) -> Fragment | None:
        """The titles as ``tsquery`` values (any of their words) in a ``VALUES`` list, joined to
        the public articles' titles, ranked by ``ts_rank`` and cut at ``pool`` per title."""
        queries = [
            (source_id, " | ".join(quote_lexeme(w) for w in found))
            for source_id, title in sources
            if (found := title_words(title))
        ]
        if not queries:
            return None
        values = ", ".join("(CAST(? AS INTEGER), CAST(? AS tsquery))" for _ in queries)
        rank = "ts_rank(s.title, q.query)"
        sql = (
            f"SELECT source_id, article_id, score FROM (SELECT q.source_id, s.article_id, "
            f"{rank} AS score, ROW_NUMBER() OVER (PARTITION BY q.source_id ORDER BY {rank} DESC, "
            f"s.article_id DESC) AS n FROM (VALUES {values}) q(source_id, query) "
            "JOIN article_search s ON s.title @@ q.query WHERE s.public_at <= ?) best "
            "WHERE n <= ?"
        )
        return sql, [*(v for pair in queries for v in pair), utc(now), pool]

    def matching(
        self, match: str, viewer: Viewer, now: datetime, locale: Locale | None = None
    ) -> Fragment:
        """Matching and visible articles, from the index rows alone: no join. The locale is one
        more lexeme of the match (:func:`locale_tsquery`)."""
        if locale is not None and (only := locale_tsquery(locale)):
            match = f"({match}) & {only}"
        where, params = all_of(
            (self.in_document, [match]), visible_at_sql(viewer, now, "s.public_at", "s.article_id")
        )
        return f"FROM article_search s WHERE {where}", params


def locale_tsquery(locale: Locale) -> str:
    """The ``tsquery`` of a locale's articles (:class:`~cms.search.query.Locale`): its lexeme
    (migration 0016 gave the entries written before locales their article's)."""
    return quote_lexeme(LOCALE + locale.code)


def _tsquery(term: Term, exact: bool) -> str:
    words = [EXACT + w for w in term.exact] if exact else list(term.keys)
    lexemes = [quote_lexeme(w) for w in words]
    if term.prefix:
        lexemes[-1] += ":*"
    found = "(" + " <-> ".join(lexemes) + ")"
    if term.stemmed and term.prefix and not exact:
        # Or as written, all its words (as on SQLite): ``industria`` is no prefix of ``industri``.
        return f"({found} | {_tsquery(term, exact=True)})"
    return found


def tsvectors(doc: Document) -> tuple[str, str]:
    """``tsvector`` literals of the title and of the whole document: folded and exact lexemes."""
    title: dict[str, list[int]] = {}
    document: dict[str, list[int]] = {}

    def add(items: list[Word], start: int, *into: dict[str, list[int]]) -> int:
        position = start
        for word in items:
            at = min(position, MAX_POSITION)
            for positions in into:
                for lexeme in (word.folded, EXACT + word.exact):
                    slots = positions.setdefault(lexeme, [])
                    if len(slots) < MAX_POSITIONS_PER_LEXEME and (not slots or slots[-1] != at):
                        slots.append(at)
            position += 1
        return position

    after_title = add(doc.title, 1, title, document)
    add(doc.body, after_title + 1, document)
    marker = f" {quote_lexeme(LOCALE + doc.locale)}" if doc.locale is not None else ""
    return _literal(title), _literal(document) + marker


def _literal(positions: dict[str, list[int]]) -> str:
    return " ".join(
        f"{quote_lexeme(lexeme)}:{','.join(map(str, at))}" for lexeme, at in positions.items()
    )


def quote_lexeme(lexeme: str) -> str:
    """``lexeme`` quoted for a ``tsvector`` or ``tsquery`` literal (any text is safe in it)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
