"""What the search index is on one database: one typed base, one backend per module.

A backend writes the index (:mod:`cms.search.index` decides what and when) and supplies the SQL
that finds and scores articles in it (:mod:`cms.search.engine` puts that together). SQL is written
with ``?`` markers (see :mod:`cms.core.db`); every test and expression takes one marker.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from tortoise.backends.base.client import BaseDBAsyncClient

from cms.core.db import Fragment, execute, marks
from cms.core.viewer import Viewer
from cms.search.analysis import ENGLISH
from cms.search.documents import Document
from cms.search.query import MAX_TERMS, Locale, Term
from cms.text import normalize, words


def title_words(title: str) -> list[str]:
    """The folded words of a title, each once, and after each its English stem where that
    differs (English titles are indexed as stems: :mod:`cms.search.analysis`), at most
    :data:`MAX_TERMS` (a query's most): what :meth:`SearchBackend.similar_titles` looks for in
    other titles."""
    folded = (w.folded for w in words(normalize(title)))
    return list(dict.fromkeys(k for w in folded for k in (w, ENGLISH.key(w))))[:MAX_TERMS]


def sort_at_sql(row: str) -> str:
    """The date results tie-break on, over the article row ``row``: published, else created."""
    return f"COALESCE({row}.published_at, {row}.created_at)"


class SearchBackend(ABC):
    """The search index on the database behind ``db`` (a connection or a transaction)."""

    key: ClassVar[str]
    """The column of ``article_search`` that holds the article's id."""
    id_column: ClassVar[str]
    """The matching article's id in :meth:`matching`'s rows."""
    columns: ClassVar[str]
    """Select list over :meth:`matching`'s rows: the article's ``id`` and ``sort_at``."""
    in_title: ClassVar[str]
    """Test of a matching row: its title matches the :meth:`expression` in the marker."""
    in_document: ClassVar[str]
    """Test of a matching row: its title or the rest matches the :meth:`expression`."""

    def __init__(self, db: BaseDBAsyncClient) -> None:
        self.db = db

    @abstractmethod
    async def write(self, docs: Sequence[Document]) -> None:
        """Replace the index entries of these documents' articles (``docs`` not empty)."""

    async def remove(self, article_ids: Sequence[int]) -> None:
        """Drop the index entries of these articles (``article_ids`` not empty)."""
        await execute(
            f"DELETE FROM article_search WHERE {self.key} IN ({marks(len(article_ids))})",
            article_ids,
            self.db,
        )

    async def drop_orphans(self) -> None:
        """Drop the entries of articles that no longer exist."""
        await self.db.execute_script(
            f"DELETE FROM article_search WHERE {self.key} NOT IN (SELECT id FROM article)"
        )

    @abstractmethod
    async def analyze(self) -> None:
        """Refresh the planner's statistics of the index after a bulk write, if it keeps any."""

    @abstractmethod
    def expression(self, terms: Sequence[Term], *, exact: bool, title_only: bool) -> str:
        """Match expression: every term (as typed when ``exact``), in the title or anywhere."""

    @abstractmethod
    def matching(
        self, match: str, viewer: Viewer, now: datetime, locale: Locale | None = None
    ) -> Fragment:
        """``FROM ... WHERE ...`` of the visible articles that match the expression ``match``,
        in ``locale`` (None: in any)."""

    @abstractmethod
    def similar_titles(
        self, sources: Sequence[tuple[int, str]], now: datetime, pool: int
    ) -> Fragment | None:
        """A ``SELECT`` of ``source_id, article_id, score``: for each ``(id, title)`` of
        ``sources``, up to ``pool`` articles whose titles share words with that title (any of
        :func:`title_words`), the best matches first (a higher score is a better match; only
        public ones on PostgreSQL, whose index knows). None when no title has a word."""
