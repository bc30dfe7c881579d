"""Writes: the root ``Mutation`` type, one base class per domain (noun-first names)."""

from __future__ import annotations

import strawberry

from schema.mutations.accounts import AccountMutations
from schema.mutations.articles import ArticleMutations
from schema.mutations.content import ContentMutations
from schema.mutations.images import ImageMutations
from schema.mutations.structure import StructureMutations
from schema.mutations.uploads import UploadMutations
from schema.mutations.users import UserMutations
from schema.mutations.webhooks import WebhookMutations


@strawberry.type(
    description="Changes. Each takes one `input` and answers a union: its success type, or one "
    "of the errors that mutation can answer, which its union lists (each implements `UserError`: "
    "select `... on UserError { code message field }`). A refused mutation writes nothing. Send "
    "`Authorization: Bearer <token>` (from `login`)."
)
class Mutation(
    AccountMutations,
    ArticleMutations,
    ContentMutations,
    ImageMutations,
    StructureMutations,
    UploadMutations,
    UserMutations,
    WebhookMutations,
):
    pass
