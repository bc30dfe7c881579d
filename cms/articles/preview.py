"""Preview links: a short-lived token that shows one article as it stands, drafts included.

An editor (or the article's own author) asks for a link; whoever holds the token may read that
one article, read-only, until it expires, without signing in. The token opens no other article
and writes nothing. Only its hash is kept (see :mod:`cms.accounts.tokens`); deleting the
article deletes its tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from cms.accounts import audit, tokens
from cms.accounts.permissions import WRITERS, require
from cms.articles import store
from cms.core.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from cms.core.viewer import Viewer
from cms.models import Article, ArticleAuthor, Role, TokenKind

DEFAULT_SECONDS = 3600
"""How long a link lives when the writer does not say."""


@dataclass(frozen=True, slots=True)
class Link:
    """A new preview token (shown once) and when it stops working."""

    token: str
    expires_at: datetime


async def link(
    viewer: Viewer, now: datetime, article_id: int, expires_in: int | None, max_minutes: int
) -> Link:
    """A preview token for one article, valid ``expires_in`` seconds (default one hour, at most
    ``max_minutes``); for editors and admins, and for an author on their own articles."""
    role = require(viewer, WRITERS, "make preview links")
    seconds = DEFAULT_SECONDS if expires_in is None else expires_in
    if not 1 <= seconds <= max_minutes * 60:
        raise InvalidInput(
            f"`expiresIn` is in seconds, from 1 to {max_minutes * 60}.", field="expiresIn"
        )
    async with in_transaction():
        article = await store.visible_model(viewer, now, article_id)
        if article is None:
            raise NotFound("There is no article with this ID, or you may not see it.", field="id")
        if role is Role.AUTHOR and not await _lists(article.id, viewer.author_id):
            raise Forbidden("Authors may preview only their own articles.", field="id")
        expires_at = now + timedelta(seconds=seconds)
        issued = await tokens.issue(
            TokenKind.PREVIEW,
            expires_at=expires_at,
            name="preview",
            article_id=article.id,
            user_id=viewer.user_id,  # deactivating the maker revokes it (cms.accounts.users)
        )
        summary = f"Preview link until {expires_at.isoformat()}: {article.title}"
        await audit.record(
            viewer, audit.Action.PREVIEW_LINK, "Article", article.id, summary, locale=article.locale
        )
    return Link(issued.secret, expires_at)


async def _lists(article_id: int, author_id: int | None) -> bool:
    return author_id is not None and (
        await ArticleAuthor.filter(article_id=article_id, author_id=author_id).exists()
    )


async def article_for(secret: str, now: datetime) -> Article:
    """The article a live preview token opens, as it stands now; :class:`Unauthenticated` for a
    token that is unknown, expired or revoked, or whose maker's account is no longer active."""
    token = await tokens.find(secret, (TokenKind.PREVIEW,), now)
    if token is not None and token.user is not None and not token.user.is_active:
        token = None
    article = await Article.get_or_none(id=token.article_id) if token and token.article_id else None
    if article is None:
        raise Unauthenticated(
            "The preview link is unknown or has expired: ask for a new one.", field="previewToken"
        )
    return article
