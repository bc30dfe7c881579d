"""Tags: an article's topics, found or created by name, listed most used first, renamed, merged
and deleted (``tagUpdate``, ``tagDelete``).

A tag is its folded name (:func:`key`): ``Khu công nghiệp``, ``khu cong nghiep`` and ``KHU
CÔNG NGHIỆP`` are one tag, spelled as an editor first typed it (NFC). Writers name tags on
articles (at most :data:`MAX_PER_ARTICLE`, each at most :data:`MAX_NAME` characters); unknown
names become tags. Renaming a tag to the name of another merges the two. A merge or a deletion
changes the tags of the articles that carried the tag: each becomes its next version, with a
revision that records its tags as they are then. A plain rename changes no article's tags, only
how one is spelled, and records nothing on them (their revisions keep the spelling of their
time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from cms.accounts import audit
from cms.accounts.permissions import EDITORS, require
from cms.articles import revisions
from cms.articles.structure_reads import TagRow, tag_source
from cms.core import db
from cms.core.db import Fragment
from cms.core.errors import InvalidInput, NotFound
from cms.core.fields import KEEP, Keep, free_slug, line, slug_format, slug_race
from cms.core.pagination import Ordering, Page, Window, fetch
from cms.core.slugs import unique_slug
from cms.core.viewer import Viewer
from cms.models import Article, ArticleTag, Tag
from cms.notify import outbox
from cms.text import fold

MAX_NAME = 60
"""The longest tag name (the width of the name column)."""
MAX_PER_ARTICLE = 20

MOST_USED = Ordering("tag:uses:desc", "uses", descending=True)
"""The tags' one order: the most used first, ties broken by id (the newest first)."""


def key(name: str) -> str:
    """What makes two names one tag: folded (no accents, no case, ``đ`` as ``d``), single
    spaces. ``KHU  CÔNG NGHIỆP`` -> ``khu cong nghiep``."""
    return " ".join(fold(name).split())


def checked(names: Sequence[str], field: str = "tags") -> list[str]:
    """Tag names as typed, checked and normalised (NFC, one line, trimmed), each tag once (the
    first spelling of a folded name wins); :class:`InvalidInput` naming ``field.N``."""
    found: dict[str, str] = {}
    for n, name in enumerate(names):
        clean = line(name, f"{field}.{n}", MAX_NAME, required=True)
        found.setdefault(key(clean), clean)
    if len(found) > MAX_PER_ARTICLE:
        raise InvalidInput(f"At most {MAX_PER_ARTICLE} tags per article.", field=field)
    return list(found.values())


async def set_on_article(article_id: int, names: Sequence[str], now: datetime) -> list[str]:
    """Give an article exactly the tags ``names`` (checked by :func:`checked`), in that order,
    creating the unknown ones; the tags' names as stored. Writes nothing when they are already
    its tags. Call inside the saving transaction."""
    tags = await _ensure(names, now)
    current = [
        int(row["tag_id"])
        for row in await db.fetch(
            "SELECT tag_id FROM article_tag WHERE article_id = ? ORDER BY position", [article_id]
        )
    ]
    wanted = [tag.id for tag in tags]
    if current != wanted:
        await ArticleTag.filter(article_id=article_id).delete()
        await ArticleTag.bulk_create(
            [ArticleTag(article_id=article_id, tag_id=t, position=n) for n, t in enumerate(wanted)]
        )
    return [tag.name for tag in tags]


async def _ensure(names: Sequence[str], now: datetime) -> list[Tag]:
    """The tags of ``names``, in order, those not known yet created. Two writers creating one
    tag at once both end with the same one (``ON CONFLICT DO NOTHING``, then read)."""
    if not names:
        return []
    keys = [key(name) for name in names]
    found = {tag.folded: tag for tag in await Tag.filter(folded__in=keys)}
    missing = [(name, k) for name, k in zip(names, keys, strict=True) if k not in found]
    for name, folded in missing:
        slug = await unique_slug(Tag, name, fallback="tag")
        await db.execute(
            "INSERT INTO tag (name, slug, folded, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (folded) DO NOTHING",
            [name, slug, folded, now],
        )
    if missing:
        found = {tag.folded: tag for tag in await Tag.filter(folded__in=keys)}
    return [found[k] for k in keys]


async def page(viewer: Viewer, now: datetime, query: str | None, win: Window) -> Page[TagRow]:
    """One page of the tags ``viewer`` may see, the most used first; with ``query``, only those
    with a word starting with it, accents and case aside (``cong ng`` finds ``Khu công
    nghiệp``): an autocomplete."""
    where: Fragment = ("TRUE", [])
    if query is not None and (wanted := key(query)):
        if len(wanted) > MAX_NAME:
            raise InvalidInput(f"No tag is longer than {MAX_NAME} characters.", field="query")
        escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where = (
            "(t.folded LIKE ? ESCAPE '\\' OR t.folded LIKE ? ESCAPE '\\')",
            [f"{escaped}%", f"% {escaped}%"],
        )
    return await fetch(tag_source(viewer, now, where), MOST_USED, win)


# --- the tag mutations ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TagChanges:
    """What ``tagUpdate`` changes: ``KEEP`` leaves a field alone. A name that is another tag's
    (folded) merges this tag into that one."""

    name: str | Keep = KEEP
    slug: str | Keep = KEEP


async def update(viewer: Viewer, now: datetime, tag_id: int, changes: TagChanges) -> Tag:
    """Rename a tag, or merge it into the tag whose name it is given (editors and admins); the
    tag as it is now (the one merged into, after a merge)."""
    require(viewer, EDITORS, "change tags")
    name = (
        None
        if isinstance(changes.name, Keep)
        else line(changes.name, "name", MAX_NAME, required=True)
    )
    slug = None if isinstance(changes.slug, Keep) else slug_format(changes.slug, "slug")
    async with slug_race("slug"), in_transaction():
        tag = await _locked(tag_id)
        if name is not None:
            other = await Tag.filter(folded=key(name)).exclude(id=tag.id).first()
            if other is not None:
                if slug is not None:
                    raise InvalidInput("A merge keeps the other tag's slug.", field="slug")
                return await _merge(viewer, now, tag, other)
        changed: dict[str, Any] = {}
        if name is not None and name != tag.name:
            changed |= {"name": name, "folded": key(name)}
        if slug is not None and slug != tag.slug:
            changed["slug"] = await free_slug(Tag, slug, "slug", own_id=tag.id)
        if changed:
            old = tag.name
            await tag.update_from_dict(changed).save()
            summary = f"Renamed {old} to {tag.name}" if "name" in changed else f"Changed {tag}"
            await audit.record(viewer, audit.Action.UPDATE, "Tag", tag.id, summary)
            await outbox.emit(outbox.EventType.TAG_UPDATED, "Tag", tag.id, now, slug=tag.slug)
    return tag


async def delete(viewer: Viewer, now: datetime, tag_id: int) -> None:
    """Delete a tag, taking it off every article that carries it (editors and admins)."""
    require(viewer, EDITORS, "delete tags")
    async with in_transaction():
        tag = await _locked(tag_id)
        carrying = await _carrying(tag.id)
        await ArticleTag.filter(tag_id=tag.id).delete()
        await tag.delete()
        await _resaved(viewer, now, carrying)
        summary = f"Deleted {tag.name} (from {len(carrying)} articles)"
        await audit.record(viewer, audit.Action.DELETE, "Tag", tag_id, summary)
        await outbox.emit(outbox.EventType.TAG_DELETED, "Tag", tag_id, now, slug=tag.slug)


async def _merge(viewer: Viewer, now: datetime, tag: Tag, into: Tag) -> Tag:
    """Give ``tag``'s articles ``into`` instead (in ``tag``'s place), and delete ``tag``."""
    carrying = await _carrying(tag.id)
    both = await _carrying(into.id)
    await ArticleTag.filter(tag_id=tag.id, article_id__in=both).delete()
    await ArticleTag.filter(tag_id=tag.id).update(tag_id=into.id)
    await tag.delete()
    await _resaved(viewer, now, carrying)
    summary = f"Merged {tag.name} into {into.name} ({len(carrying)} articles)"
    await audit.record(viewer, audit.Action.UPDATE, "Tag", into.id, summary)
    await outbox.emit(outbox.EventType.TAG_DELETED, "Tag", tag.id, now, slug=tag.slug)
    await outbox.emit(outbox.EventType.TAG_UPDATED, "Tag", into.id, now, slug=into.slug)
    return into


async def _carrying(tag_id: int) -> list[int]:
    """The ids of the articles that carry a tag."""
    links = ArticleTag.filter(tag_id=tag_id).order_by("article_id")
    return [int(str(i)) for i in await links.values_list("article_id", flat=True)]


async def _resaved(viewer: Viewer, now: datetime, article_ids: Sequence[int]) -> None:
    """Count a change of tags on each article: its next version, and a revision recording its
    tags as they are now."""
    for article in await Article.filter(id__in=article_ids).order_by("id"):
        written = article.next_version(now)
        await Article.filter(id=article.id).update(**written)
        await revisions.record(article, viewer.user_id)


async def _locked(tag_id: int) -> Tag:
    """The tag, its row locked until the transaction ends (PostgreSQL); :class:`NotFound`."""
    tag = await Tag.filter(id=tag_id).select_for_update().first()
    if tag is None:
        raise NotFound("There is no tag with this ID.", field="id")
    return tag
