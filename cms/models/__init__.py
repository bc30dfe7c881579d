"""The content model: one module per aggregate, re-exported here for tortoise (`cms.models`)."""

from cms.models.article import Article, ArticleAuthor, ArticleImage, ArticleStatus
from cms.models.author import Author
from cms.models.event import Event
from cms.models.image import Image

__all__ = ["Article", "ArticleAuthor", "ArticleImage", "ArticleStatus", "Author", "Event", "Image"]
