"""Who sees what. Anonymous readers see published articles whose time has come, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from cms.models import Article, ArticleStatus

PUBLIC_STATUSES = (ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED)
"""A scheduled article goes public by itself when its ``published_at`` passes."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """The reader of one request. Every reader is anonymous until accounts exist."""

    can_preview: bool = False
    personal: bool = False
    """The request carried credentials: answers to it are its own, never shared by a cache."""

    @property
    def shared(self) -> bool:
        """Whether answers to this viewer are the same as to any anonymous reader's."""
        return not (self.can_preview or self.personal)


ANONYMOUS = Viewer()


def visible_articles(viewer: Viewer, now: datetime) -> Q:
    """Filter for the articles ``viewer`` may see at ``now``."""
    if viewer.can_preview:
        return Q()
    return Q(status__in=PUBLIC_STATUSES, published_at__lte=now)


def is_visible(article: Article, viewer: Viewer, now: datetime) -> bool:
    """The same rule as :func:`visible_articles`, for one loaded article."""
    if viewer.can_preview:
        return True
    return (
        article.status in PUBLIC_STATUSES
        and article.published_at is not None
        and article.published_at <= now
    )


def effective_status(article: Article, now: datetime) -> ArticleStatus:
    """The status as readers see it: public articles are PUBLISHED once due, SCHEDULED before."""
    if article.status not in PUBLIC_STATUSES:
        return article.status
    due = article.published_at is not None and article.published_at <= now
    return ArticleStatus.PUBLISHED if due else ArticleStatus.SCHEDULED


def with_status(statuses: tuple[ArticleStatus, ...], now: datetime) -> Q:
    """Filter for articles whose :func:`effective_status` is one of ``statuses``."""
    due = Q(status__in=PUBLIC_STATUSES, published_at__lte=now)
    parts = {
        ArticleStatus.PUBLISHED: due,
        ArticleStatus.SCHEDULED: Q(status__in=PUBLIC_STATUSES) & ~due,
        ArticleStatus.DRAFT: Q(status=ArticleStatus.DRAFT),
        ArticleStatus.ARCHIVED: Q(status=ArticleStatus.ARCHIVED),
    }
    return Q(*(parts[s] for s in statuses), join_type=Q.OR)
