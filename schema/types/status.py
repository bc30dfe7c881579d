"""An article's status, as the API names it."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Where an article is in its life.")
class ArticleStatus(Enum):
    DRAFT = strawberry.enum_value("draft", description="Being written; not public.")
    SCHEDULED = strawberry.enum_value(
        "scheduled", description="Ready, and goes public by itself at `publishedAt`."
    )
    PUBLISHED = strawberry.enum_value("published", description="Public.")
    ARCHIVED = strawberry.enum_value("archived", description="Withdrawn from public view.")
