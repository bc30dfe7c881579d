"""The search index on SQLite: an FTS5 table beside the article table.

``article_search`` (rowid = article id) has four columns: the folded title, the folded rest, and
the same two with the words as written (lower case, accents kept). Tokens are written
space-separated by :mod:`cms.text` and read back by FTS5's ``ascii`` tokenizer, so FTS5 never
folds anything itself (its ``remove_diacritics`` leaves ``đ``) and there is no stemmer (``ngai``
must not find ``ngày``; English articles' folded columns hold stems made in Python:
:mod:`cms.search.analysis`). A trigger drops a deleted article's entry (FTS5 takes no foreign key).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cms.articles.visibility import in_locale, visible_sql
from cms.core.db import Fragment, all_of, execute_many
from cms.core.viewer import Viewer
from cms.search.backend import SearchBackend, sort_at_sql, title_words
from cms.search.documents import Document
from cms.search.query import Locale, Term

_MATCHES = "a.id IN (SELECT rowid FROM article_search WHERE article_search MATCH ?)"


class SqliteSearch(SearchBackend):
    """FTS5 over folded and as-written words; visibility and sort date read from the article."""

    key = "rowid"
    id_column = "a.id"
    columns = f"a.id AS id, {sort_at_sql('a')} AS sort_at"
    in_title = in_document = _MATCHES

    async def write(self, docs: Sequence[Document]) -> None:
        """Replace the index entries of these documents' articles (``docs`` not empty)."""
        await self.remove([d.article_id for d in docs])
        await execute_many(
            "INSERT INTO article_search (rowid, title, body, title_exact, body_exact) "
            "VALUES (?, ?, ?, ?, ?)",
            [row_of(d) for d in docs],
            self.db,
        )

    async def analyze(self) -> None:
        """Nothing to refresh: an FTS5 table keeps no planner statistics."""

    def expression(self, terms: Sequence[Term], *, exact: bool, title_only: bool) -> str:
        """An FTS5 query over the title columns, or the title and body columns."""
        columns = (
            ("title_exact" if title_only else "title_exact body_exact")
            if exact
            else ("title" if title_only else "title body")
        )
        if not exact and any(t.stemmed and t.prefix for t in terms):
            return " AND ".join(_stemmed(term, columns, title_only) for term in terms)
        inner = " AND ".join(_phrase(term, exact) for term in terms)
        return f"{{{columns}}} : ({inner})"

    def similar_titles(
        self, sources: Sequence[tuple[int, str]], now: datetime, pool: int
    ) -> Fragment | None:
        """One FTS5 query per title (any of its words, in the folded titles), ranked by bm25
        (negated: FTS5's best is the lowest), ``UNION ALL`` of them."""
        parts: list[str] = []
        params: list[Any] = []
        for source_id, title in sources:
            found = title_words(title)
            if not found:
                continue
            match = "{title} : (" + " OR ".join(_quoted(w) for w in found) + ")"
            parts.append(
                "SELECT * FROM (SELECT CAST(? AS INTEGER) AS source_id, rowid AS article_id, "
                "-bm25(article_search) AS score FROM article_search WHERE article_search MATCH ? "
                "ORDER BY bm25(article_search) LIMIT ?)"
            )
            params += [source_id, match, pool]
        return (" UNION ALL ".join(parts), params) if parts else None

    def matching(
        self, match: str, viewer: Viewer, now: datetime, locale: Locale | None = None
    ) -> Fragment:
        """Matching and visible articles: the MATCH in a subquery, visibility and locale from
        the article."""
        # Not a join: SQLite would then run the MATCH once per visible article (seconds).
        where, params = all_of(
            (_MATCHES, [match]),
            in_locale(locale.code if locale is not None else None, "a"),
            visible_sql(viewer, now, "a"),
        )
        return f"FROM article a WHERE {where}", params


def _phrase(term: Term, exact: bool) -> str:
    words = term.exact if exact else term.keys
    return _quoted(" ".join(words)) + (" *" if term.prefix else "")


def _stemmed(term: Term, columns: str, title_only: bool) -> str:
    """A term over stems, in its own column filter; a prefix also as written, all its words
    (a word typed in part, ``industria``, is not a prefix of its stem, ``industri``)."""
    found = f"{{{columns}}} : {_phrase(term, exact=False)}"
    if not term.prefix:
        return found
    written = "title_exact" if title_only else "title_exact body_exact"
    return f"({found} OR {{{written}}} : {_phrase(term, exact=True)})"


def _quoted(text: str) -> str:
    """``text`` as an FTS5 string (a phrase of its words)."""
    return '"' + text.replace('"', '""') + '"'


def row_of(doc: Document) -> list[Any]:
    """The index row of ``doc``: rowid, then the four columns (folded and as written)."""
    return [
        doc.article_id,
        " ".join(w.folded for w in doc.title),
        " ".join(w.folded for w in doc.body),
        " ".join(w.exact for w in doc.title),
        " ".join(w.exact for w in doc.body),
    ]
