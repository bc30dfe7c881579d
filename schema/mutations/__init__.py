"""Writes: the root ``Mutation`` type, one base class per domain (noun-first names)."""

from __future__ import annotations

import strawberry

from schema.mutations.accounts import AccountMutations
from schema.mutations.articles import ArticleMutations
from schema.mutations.content import ContentMutations
from schema.mutations.images import ImageMutations
from schema.mutations.uploads import UploadMutations
from schema.mutations.users import UserMutations
from schema.mutations.webhooks import WebhookMutations


@strawberry.type(
    description="Changes. Each takes one `input` and answers a union: its success type, or an "
    "error implementing `UserError` (select `... on UserError { code message field }`). A "
    "refused mutation writes nothing. Send `Authorization: Bearer <token>` (from `login`)."
)
class Mutation(
    AccountMutations,
    ArticleMutations,
    ContentMutations,
    ImageMutations,
    UploadMutations,
    UserMutations,
    WebhookMutations,
):
    pass
