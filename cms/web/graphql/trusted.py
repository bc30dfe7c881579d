"""Trusted documents: GraphQL documents registered by an operator, found by their SHA-256.

A document is kept as its exact text, under the SHA-256 of that text (UTF-8, lower-case hex),
which is what a client sends as ``extensions.persistedQuery.sha256Hash``: the same bytes give the
same key, so registering a document twice changes nothing. Whether a document is valid GraphQL
for the schema is checked by the caller (the CLI), which knows the schema; this module only keeps
the documents.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from cms.core import db
from cms.models import PersistedQuery

HASH = re.compile(r"[0-9a-f]{64}")
"""A SHA-256 as clients send it (lower-case hex; :func:`normal_hash` lower-cases first)."""

MAX_SOURCE_LENGTH = 500


def sha256_hex(document: str) -> str:
    """The key of ``document``: the SHA-256 of its exact text, UTF-8, in lower-case hex."""
    return hashlib.sha256(document.encode("utf-8", "surrogatepass")).hexdigest()


def normal_hash(value: str) -> str | None:
    """``value`` as a key (lower-cased), or ``None`` if it is not 64 hex digits."""
    lowered = value.strip().lower()
    return lowered if HASH.fullmatch(lowered) else None


@dataclass(frozen=True, slots=True)
class Registered:
    """The outcome of registering one document."""

    sha256: str
    created: bool
    """False when the same text was registered before (nothing changed)."""


async def register(documents: Sequence[tuple[str, str]]) -> list[Registered]:
    """Keep ``(document, source)`` pairs, all in one transaction; the ones already kept stay as
    they were (their first source too)."""
    outcomes: list[Registered] = []
    async with in_transaction():
        for document, source in documents:
            key = sha256_hex(document)
            _, created = await PersistedQuery.get_or_create(
                sha256=key,
                defaults={"document": document, "source": source[:MAX_SOURCE_LENGTH]},
            )
            outcomes.append(Registered(key, created))
    return outcomes


async def document(sha256: str) -> str | None:
    """The registered document with this key, or ``None``."""
    found = await PersistedQuery.filter(sha256=sha256).values_list("document", flat=True)
    return str(found[0]) if found else None


async def all_registered() -> list[PersistedQuery]:
    """Every registered document, oldest first."""
    return await PersistedQuery.all().order_by("created_at", "sha256")


async def remove(keys: Sequence[str]) -> list[str]:
    """Forget the documents with these keys; the keys that were registered (in the given order).

    Answers the response cache kept for anonymous clients may come from a removed document: the
    same transaction raises the content version (as a content write does), so every instance
    drops them within its cache's own bound.
    """
    async with in_transaction():
        found = await PersistedQuery.filter(sha256__in=list(keys)).values_list("sha256", flat=True)
        known = {str(key) for key in found}
        if known:
            await PersistedQuery.filter(sha256__in=list(known)).delete()
            await _answers_changed()
    return [key for key in keys if key in known]


async def _answers_changed() -> None:
    """Raise the content version, and on PostgreSQL tell the listeners (migration 0007's
    channel; delivered at commit)."""
    await db.execute("UPDATE content_state SET version = version + 1 WHERE id = 1")
    if db.dialect(db.connection()) == "postgres":
        version = "(SELECT version FROM content_state WHERE id = 1)::text"
        await db.execute(f"SELECT pg_notify('cms_content', {version})")
