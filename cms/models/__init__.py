"""The content model: one module per aggregate, re-exported here for tortoise (`cms.models`)."""

from cms.models.account import LoginThrottle, Role, Token, TokenKind, User
from cms.models.article import (
    Article,
    ArticleAuthor,
    ArticleImage,
    ArticleRevision,
    ArticleStatus,
)
from cms.models.audit import AuditEntry
from cms.models.author import Author
from cms.models.event import Event
from cms.models.image import Image
from cms.models.notify import (
    ArticleChange,
    DeliveryStatus,
    Lease,
    OutboxEvent,
    Webhook,
    WebhookDelivery,
)
from cms.models.persisted_query import PersistedQuery
from cms.models.secret import InstanceSecret
from cms.models.structure import ArticleTag, Collection, CollectionItem, Section, Tag

__all__ = [
    "Article",
    "ArticleAuthor",
    "ArticleChange",
    "ArticleImage",
    "ArticleRevision",
    "ArticleStatus",
    "ArticleTag",
    "AuditEntry",
    "Author",
    "Collection",
    "CollectionItem",
    "DeliveryStatus",
    "Event",
    "Image",
    "InstanceSecret",
    "Lease",
    "LoginThrottle",
    "OutboxEvent",
    "PersistedQuery",
    "Role",
    "Section",
    "Tag",
    "Token",
    "TokenKind",
    "User",
    "Webhook",
    "WebhookDelivery",
]
