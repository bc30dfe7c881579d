"""Who sees which article: the one rule, as SQL over an article row.

Anonymous readers see public articles (published, or scheduled) whose time has come, nothing
else; editors and admins see everything; an author also sees the articles that list them. Every
list, lookup and check of the CMS takes the rule from here (:func:`visible_sql`), as SQL with
``?`` markers over a table alias (``row``), so it is written once and runs the same on SQLite and
PostgreSQL; code that needs models selects them with it (:func:`cms.articles.store.visible_model`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from cms.core.clock import utc
from cms.core.db import Fragment, marks
from cms.core.viewer import Viewer
from cms.models import ArticleStatus

PUBLIC_STATUSES = (ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED)
"""A scheduled article goes public by itself when its ``published_at`` passes."""


class Dated(Protocol):
    """What :func:`effective_status` reads: an article model, or a row of one."""

    @property
    def status(self) -> ArticleStatus: ...

    @property
    def published_at(self) -> datetime | None: ...


def effective_status(article: Dated, now: datetime) -> ArticleStatus:
    """The status as readers see it: public articles are PUBLISHED once due, SCHEDULED before."""
    if article.status not in PUBLIC_STATUSES:
        return article.status
    due = article.published_at is not None and article.published_at <= now
    return ArticleStatus.PUBLISHED if due else ArticleStatus.SCHEDULED


def visible_sql(viewer: Viewer, now: datetime, row: str) -> Fragment | None:
    """The articles ``viewer`` may see at ``now``; None when ``viewer`` sees every article."""
    if viewer.can_preview:
        return None
    return _or_own(viewer, public_sql(now, row), f"{row}.id")


def in_locale(locale: str | None, row: str) -> Fragment | None:
    """Articles written in ``locale``, as SQL over the article table aliased ``row`` (None: in
    any locale)."""
    return None if locale is None else (f"{row}.locale = ?", [locale])


def public_sql(now: datetime, row: str) -> Fragment:
    """The articles anyone may see at ``now``: public, and their time has come."""
    public, params = _public_sql(row)
    return f"{public} AND {row}.published_at <= ?", [*params, utc(now)]


def upcoming_sql(now: datetime, row: str) -> Fragment:
    """Public articles whose time has not come at ``now``: each will come into view by itself."""
    public, params = _public_sql(row)
    return f"{public} AND {row}.published_at > ?", [*params, utc(now)]


def with_status_sql(statuses: tuple[ArticleStatus, ...], now: datetime, row: str) -> Fragment:
    """Articles whose :func:`effective_status` is one of ``statuses`` (not empty)."""
    due, due_params = public_sql(now, row)
    public, public_params = _public_sql(row)
    parts: dict[ArticleStatus, Fragment] = {
        ArticleStatus.PUBLISHED: (due, due_params),
        ArticleStatus.SCHEDULED: (f"{public} AND NOT ({due})", [*public_params, *due_params]),
        ArticleStatus.DRAFT: (f"{row}.status = ?", [ArticleStatus.DRAFT.value]),
        ArticleStatus.ARCHIVED: (f"{row}.status = ?", [ArticleStatus.ARCHIVED.value]),
    }
    chosen = [parts[s] for s in statuses]
    return (
        "(" + " OR ".join(f"({sql})" for sql, _ in chosen) + ")",
        [value for _, params in chosen for value in params],
    )


def public_at_sql(row: str) -> str:
    """When the article comes into view: its ``published_at`` if its status is public, else NULL.

    Without markers (the statuses are written into it), so a trigger can hold it too. A copy of
    it in a column is read with :func:`visible_at_sql`.
    """
    statuses = ", ".join(f"'{status.value}'" for status in PUBLIC_STATUSES)
    return f"CASE WHEN {row}.status IN ({statuses}) THEN {row}.published_at END"


def visible_at_sql(viewer: Viewer, now: datetime, column: str, id_column: str) -> Fragment | None:
    """:func:`visible_sql` over ``column``, a copy of :func:`public_at_sql`, and the article's
    ``id_column``; None when ``viewer`` sees every article."""
    if viewer.can_preview:
        return None
    return _or_own(viewer, (f"{column} <= ?", [utc(now)]), id_column)


def _or_own(viewer: Viewer, public: Fragment, id_column: str) -> Fragment:
    """``public``, or (for an author) one of the author's own articles."""
    if viewer.author_id is None:
        return public
    sql, params = public
    own = f"{id_column} IN (SELECT article_id FROM article_author WHERE author_id = ?)"
    return f"(({sql}) OR {own})", [*params, viewer.author_id]


def _public_sql(row: str) -> Fragment:
    return f"{row}.status IN ({marks(len(PUBLIC_STATUSES))})", [s.value for s in PUBLIC_STATUSES]
