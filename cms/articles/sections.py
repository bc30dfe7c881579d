"""Sections: the site's tree, ordered by hand (``sectionCreate``, ``sectionUpdate``,
``sectionDelete``). Editors and admins manage it.

Each section has a path, the slugs from the root down (``tin-tuc/hoat-dong-cua-ban``), kept in a
column so that a section's articles and those below it are one indexed prefix away. A change of
slug or a move rewrites the paths of the section and of every section below it in the same
transaction; a move under the section itself or one below it is refused (``parentId``). Siblings
are numbered 0, 1, 2 ... by ``position``. A section that articles or other sections use cannot
be deleted (``IN_USE``, with how many).

Writes that change the tree take the tree's lock first (every section row, on PostgreSQL): two
moves at once could otherwise each pass the cycle check and together make a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from cms.accounts import audit
from cms.accounts.permissions import EDITORS, require
from cms.core import db
from cms.core.errors import InUse, InvalidInput, NotFound
from cms.core.fields import KEEP, Keep, camel, free_slug, line, slug_format, slug_race, text
from cms.core.slugs import unique_slug
from cms.core.viewer import Viewer
from cms.models import Article, Section
from cms.notify import outbox

MAX_NAME = 200
MAX_DESCRIPTION = 5000
MAX_DEPTH = 8
"""The deepest a section may sit (a root is at depth 1): its path then fits its column."""


@dataclass(frozen=True, slots=True)
class SectionInput:
    """A new section. Without a slug, one is made from the name; without a position, it comes
    after its siblings."""

    name: str
    slug: str | None = None
    description: str | None = None
    parent_id: int | None = None
    position: int | None = None


@dataclass(frozen=True, slots=True)
class SectionChanges:
    """What ``sectionUpdate`` changes: ``KEEP`` leaves a field alone; ``parent_id`` None moves
    the section to the top of the tree. A move without a position puts it after its new
    siblings."""

    name: str | Keep = KEEP
    slug: str | Keep = KEEP
    description: str | Keep | None = KEEP
    parent_id: int | Keep | None = KEEP
    position: int | Keep = KEEP


async def create(viewer: Viewer, now: datetime, given: SectionInput) -> Section:
    """A new section (editors and admins)."""
    require(viewer, EDITORS, "manage sections")
    name = line(given.name, "name", MAX_NAME, required=True)
    description = text(given.description or "", "description", MAX_DESCRIPTION)
    slug = slug_format(given.slug, "slug") if given.slug is not None else None
    _check_position(given.position)
    async with slug_race("slug"), in_transaction():
        await _lock_tree()
        parent = await _parent(given.parent_id)
        if _depth(parent.path if parent else None) + 1 > MAX_DEPTH:
            raise InvalidInput(f"Sections nest at most {MAX_DEPTH} deep.", field="parentId")
        if slug is not None:
            await free_slug(Section, slug, "slug")
        else:
            slug = await unique_slug(Section, name, fallback="section")
        section = await Section.create(
            name=name,
            slug=slug,
            path=_path(parent.path if parent else None, slug),
            description=description,
            parent_id=parent.id if parent else None,
            position=0,
        )
        section.position = await _place(section.parent_id, section.id, given.position)
        await audit.record(viewer, audit.Action.CREATE, "Section", section.id, section.name)
        await _event(outbox.EventType.SECTION_CREATED, section, now)
    return section


async def update(
    viewer: Viewer, now: datetime, section_id: int, changes: SectionChanges
) -> Section:
    """Rename, describe, re-slug, move or reorder a section (editors and admins)."""
    require(viewer, EDITORS, "manage sections")
    values = _clean(changes)
    position = _given(changes.position)
    async with slug_race("slug"), in_transaction():
        await _lock_tree()
        section = await _found(section_id)
        if "slug" in values and values["slug"] != section.slug:
            await free_slug(Section, values["slug"], "slug", own_id=section.id)
        changed = {k: v for k, v in values.items() if getattr(section, k) != v}
        parent_id = section.parent_id if isinstance(changes.parent_id, Keep) else changes.parent_id
        moved = parent_id != section.parent_id
        if moved:
            changed["parent_id"] = parent_id
        path = _path(
            await _parent_path(section, parent_id, moved), changed.get("slug", section.slug)
        )
        if path != section.path:
            await _repath(section, path)
        if changed:
            await Section.filter(id=section.id).update(**changed, updated_at=now)
        if moved:
            await _place(section.parent_id, None, None, without=section.id)
        if moved or position is not None:
            at = await _place(parent_id, section.id, position)
            if at != section.position and not moved:
                changed["position"] = at
        section = await _found(section_id)
        if changed:
            summary = f"Changed {', '.join(map(camel, changed))} of {section.name}"
            await audit.record(viewer, audit.Action.UPDATE, "Section", section.id, summary)
            await _event(outbox.EventType.SECTION_UPDATED, section, now)
    return section


async def delete(viewer: Viewer, now: datetime, section_id: int) -> None:
    """Delete a section that no article and no other section uses (editors and admins);
    :class:`InUse` otherwise, with how many do."""
    require(viewer, EDITORS, "manage sections")
    async with in_transaction():
        await _lock_tree()  # an article or a section saved meanwhile cannot use it now
        section = await _found(section_id)
        articles = await Article.filter(section_id=section.id).count()
        children = await Section.filter(parent_id=section.id).count()
        if articles or children:
            raise InUse(_in_use(articles, children), count=articles + children, field="id")
        await section.delete()
        await _place(section.parent_id, None, None, without=section.id)
        await audit.record(viewer, audit.Action.DELETE, "Section", section_id, section.name)
        await _event(outbox.EventType.SECTION_DELETED, section, now)


# --- the tree --------------------------------------------------------------------------------


def _path(parent_path: str | None, slug: str) -> str:
    return f"{parent_path}/{slug}" if parent_path else slug


def _depth(path: str | None) -> int:
    """How deep the section with ``path`` sits (0 for no section: above the roots)."""
    return path.count("/") + 1 if path else 0


async def _lock_tree() -> None:
    """Lock every section row until the transaction ends (PostgreSQL; SQLite has one writer)."""
    await Section.all().order_by("id").select_for_update()  # (values_list would drop FOR UPDATE)


async def _found(section_id: int) -> Section:
    found = await Section.get_or_none(id=section_id)
    if found is None:
        raise NotFound("There is no section with this ID.", field="id")
    return found


async def _parent(parent_id: int | None) -> Section | None:
    if parent_id is None:
        return None
    found = await Section.get_or_none(id=parent_id)
    if found is None:
        raise InvalidInput("There is no section with this ID.", field="parentId")
    return found


async def _parent_path(section: Section, parent_id: int | None, moved: bool) -> str | None:
    """The path of the section's parent after the change; a move that would make a cycle, or
    nest too deep, is refused."""
    if not moved:
        return section.path.rpartition("/")[0] or None
    parent = await _parent(parent_id)
    if parent is None:
        new_depth = 1
    else:
        if parent.id == section.id or parent.path.startswith(f"{section.path}/"):
            raise InvalidInput(
                "A section cannot move under itself or under a section below it.",
                field="parentId",
            )
        new_depth = _depth(parent.path) + 1
    deepest = await db.fetch(
        "SELECT path FROM section WHERE path LIKE ? ORDER BY LENGTH(path) DESC",
        [f"{section.path}/%"],
    )
    below = max((_depth(str(r["path"])) for r in deepest), default=_depth(section.path))
    if new_depth + below - _depth(section.path) > MAX_DEPTH:
        raise InvalidInput(f"Sections nest at most {MAX_DEPTH} deep.", field="parentId")
    return parent.path if parent is not None else None


async def _repath(section: Section, path: str) -> None:
    """Give the section ``path``, and every section below it the path that follows."""
    old = section.path
    await db.execute(
        "UPDATE section SET path = ? || SUBSTR(path, ?) WHERE path LIKE ?",
        [path, len(old) + 1, f"{old}/%"],
    )
    await Section.filter(id=section.id).update(path=path)


async def _place(
    parent_id: int | None, section_id: int | None, position: int | None, *, without: int = 0
) -> int:
    """Number the children of ``parent_id`` 0, 1, 2 ... in their order, ``section_id`` put at
    ``position`` among them (after them without one), ``without`` left out; its position.
    Writes only the positions that change."""
    siblings = (
        Section.filter(parent_id=parent_id)
        if parent_id is not None
        else Section.filter(parent_id__isnull=True)
    )
    rows = (
        await siblings.exclude(id__in=[section_id or 0, without])
        .order_by("position", "id")
        .values_list("id", "position")
    )
    current = {int(str(i)): int(str(p)) for i, p in rows}
    ids = list(current)
    at = len(ids) if position is None else min(position, len(ids))
    if section_id is not None:
        ids.insert(at, section_id)
    for n, i in enumerate(ids):
        if current.get(i) != n:
            await Section.filter(id=i).update(position=n)
    return at


# --- checks and events ---------------------------------------------------------------------------


def _clean(changes: SectionChanges) -> dict[str, Any]:
    """The given text fields, checked and normalised (before anything is read or written)."""
    values: dict[str, Any] = {}
    if not isinstance(changes.name, Keep):
        values["name"] = line(changes.name, "name", MAX_NAME, required=True)
    if not isinstance(changes.slug, Keep):
        values["slug"] = slug_format(changes.slug, "slug")
    if not isinstance(changes.description, Keep):
        values["description"] = text(changes.description or "", "description", MAX_DESCRIPTION)
    _check_position(_given(changes.position))
    return values


def _given(position: int | Keep) -> int | None:
    return None if isinstance(position, Keep) else position


def _check_position(position: int | None) -> None:
    if position is not None and position < 0:
        raise InvalidInput("`position` counts from 0 (the first).", field="position")


def _in_use(articles: int, children: int) -> str:
    parts = [
        f"{articles} article{'s are' if articles > 1 else ' is'} in it" if articles else "",
        f"{children} section{'s are' if children > 1 else ' is'} below it" if children else "",
    ]
    said = " and ".join(part for part in parts if part)
    return f"{said}: move them elsewhere first."


async def _event(kind: outbox.EventType, section: Section, now: datetime) -> None:
    await outbox.emit(kind, "Section", section.id, now, slug=section.slug)
