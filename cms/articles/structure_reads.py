"""Rows of the site's structure for the read API: sections, tags and collections.

As :mod:`cms.articles.reads` does for articles: slotted records declared once
(:mod:`cms.core.rows`), read by batch readers that send one statement each. Sections and
collections are public. A tag is shown to a reader only while an article that reader may see
carries it (an editor typing a tag on an embargoed draft must not announce the story): the
readers by slug and by id take the viewer, and :func:`tag_source` lists tags with the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cms.articles.reads import rows_by, rows_by_article
from cms.articles.visibility import visible_sql
from cms.core import db
from cms.core.db import Fragment, all_of, marks
from cms.core.pagination import Source
from cms.core.rows import shape, stored_as
from cms.core.viewer import Viewer
from cms.models import ArticleStatus, Collection, Section

__all__ = [
    "COLLECTION",
    "SECTION",
    "TAG",
    "CollectionRow",
    "SectionRow",
    "TagRow",
    "children_by_parent_ids",
    "collections_by_ids",
    "collections_by_slugs",
    "roots",
    "sections_by_ids",
    "sections_by_paths",
    "sections_by_slugs",
    "tag_names",
    "tag_source",
    "tags_by_article_ids",
    "tags_by_ids",
    "tags_by_slugs",
    "within_sql",
]


@dataclass(slots=True)
class SectionRow:
    """A section (the columns of ``cms.models.Section`` the read API reads)."""

    id: int
    slug: str
    name: str
    description: str
    path: str
    parent_id: int | None
    position: int
    translations: dict[str, dict[str, str]] | None = None
    """Its texts in the locales other than the default (``cms.core.locales``)."""

    @property
    def ancestor_slugs(self) -> list[str]:
        """The slugs of the sections above this one, the root first (from its path)."""
        return self.path.split("/")[:-1]

    @classmethod
    def of(cls, section: Section) -> SectionRow:
        """The row of a section model just written (a mutation's answer)."""
        return cls(
            section.id,
            section.slug,
            section.name,
            section.description,
            section.path,
            section.parent_id,
            section.position,
            section.translations,
        )


SECTION = shape(SectionRow, "section")


@dataclass(slots=True)
class TagRow:
    """A tag (the columns of ``cms.models.Tag`` the read API reads)."""

    id: int
    slug: str
    name: str
    translations: dict[str, dict[str, str]] | None = None
    """Its name in the locales other than the default (``cms.core.locales``)."""
    uses: int | None = field(default=None, metadata=stored_as(None))
    """How many articles carry it, where a list ordered by it read that (:func:`tag_source`)."""


TAG = shape(TagRow, "tag")


@dataclass(slots=True)
class CollectionRow:
    """A hand-picked list (the columns of ``cms.models.Collection`` the read API reads)."""

    id: int
    slug: str
    name: str
    description: str
    version: int
    updated_at: datetime

    @classmethod
    def of(cls, collection: Collection) -> CollectionRow:
        """The row of a collection model just written (a mutation's answer)."""
        return cls(
            collection.id,
            collection.slug,
            collection.name,
            collection.description,
            collection.version,
            collection.updated_at,
        )


COLLECTION = shape(CollectionRow, "collection")


# --- sections ---------------------------------------------------------------------------------


async def sections_by_ids(ids: Sequence[int]) -> list[SectionRow | None]:
    """Batch reader: item ``i`` answers ``ids[i]``."""
    return await rows_by(SECTION, "id", ids)


async def sections_by_slugs(slugs: Sequence[str]) -> list[SectionRow | None]:
    """Batch reader by slug."""
    return await rows_by(SECTION, "slug", slugs)


async def sections_by_paths(paths: Sequence[str]) -> list[SectionRow | None]:
    """Batch reader by path (``tin-tuc/hoat-dong-cua-ban``)."""
    return await rows_by(SECTION, "path", paths)


async def children_by_parent_ids(parent_ids: Sequence[int]) -> list[list[SectionRow]]:
    """Batch reader: each section's children, in their order, in one statement."""
    if not parent_ids:
        return []
    grouped: dict[int, list[SectionRow]] = {i: [] for i in parent_ids}
    rows = await db.fetch(
        f"SELECT {SECTION.select('x')} FROM section x "
        f"WHERE x.parent_id IN ({marks(len(parent_ids))}) ORDER BY x.position, x.id",
        list(parent_ids),
    )
    for row in rows:
        grouped[row["parent_id"]].append(SECTION.build(row))
    return [grouped[i] for i in parent_ids]


async def roots() -> list[SectionRow]:
    """The sections at the top of the tree, in their order."""
    rows = await db.fetch(
        f"SELECT {SECTION.select('x')} FROM section x WHERE x.parent_id IS NULL "
        "ORDER BY x.position, x.id"
    )
    return [SECTION.build(row) for row in rows]


def within_sql(section: str, other: str) -> str:
    """SQL: the section row aliased ``other`` is the one aliased ``section`` or below it (a
    path is the start of its descendants' paths, ``/`` after it; slugs hold no ``%`` or ``_``)."""
    return f"({other}.path = {section}.path OR {other}.path LIKE ({section}.path || '/%'))"


# --- tags -------------------------------------------------------------------------------------


async def tags_by_article_ids(article_ids: Sequence[int]) -> list[list[TagRow]]:
    """Batch reader: each article's tags in the order given, in one statement."""
    return await rows_by_article(TAG, "article_tag", "tag_id", article_ids)


async def tag_names(article_id: int) -> list[str]:
    """The names of one article's tags, in its order."""
    rows = await db.fetch(
        "SELECT t.name FROM article_tag l JOIN tag t ON t.id = l.tag_id "
        "WHERE l.article_id = ? ORDER BY l.position",
        [article_id],
    )
    return [str(row["name"]) for row in rows]


async def tags_by_slugs(viewer: Viewer, now: datetime, slugs: Sequence[str]) -> list[TagRow | None]:
    """Batch reader by slug; tags ``viewer`` may not see (see the module doc) answer None."""
    return await _tags_by("slug", slugs, viewer, now)


async def tags_by_ids(viewer: Viewer, now: datetime, ids: Sequence[int]) -> list[TagRow | None]:
    """Batch reader by id; tags ``viewer`` may not see answer None."""
    return await _tags_by("id", ids, viewer, now)


async def _tags_by(
    column_name: str, keys: Sequence[Any], viewer: Viewer, now: datetime
) -> list[TagRow | None]:
    if not keys:
        return []
    where, params = all_of(
        (f"t.{column_name} IN ({marks(len(keys))})", list(keys)), carried_sql(viewer, now, "t")
    )
    rows = await db.fetch(f"SELECT {TAG.select('t')} FROM tag t WHERE {where}", params)
    found = {row[column_name]: TAG.build(row) for row in rows}
    return [found.get(key) for key in keys]


def carried_sql(viewer: Viewer, now: datetime, tag: str) -> Fragment | None:
    """The tags ``viewer`` may see, over the tag row aliased ``tag``: those an article
    ``viewer`` may see carries; None when ``viewer`` sees every tag (editors, admins)."""
    visible = visible_sql(viewer, now, "a")
    if visible is None:
        return None
    sql, params = visible
    return (
        "EXISTS (SELECT 1 FROM article_tag l JOIN article a ON a.id = l.article_id "
        f"WHERE l.tag_id = {tag}.id AND {sql})",
        params,
    )


def tag_source(viewer: Viewer, now: datetime, where: Fragment) -> Source[TagRow]:
    """The tags ``viewer`` may see that meet ``where`` (over the alias ``t``, which has the
    tag's columns, ``folded`` too), each with its
    ``uses``: how many articles carry it, counting for readers only published ones (a story
    still embargoed does not lift its tags up the list), for editors every one."""
    published = (
        ""
        if viewer.can_preview
        else f" JOIN article a ON a.id = l.article_id AND a.status = '{ArticleStatus.PUBLISHED}'"
    )
    counted = (
        f"(SELECT {TAG.select('x')}, x.folded, (SELECT COUNT(*) FROM article_tag l{published} "
        "WHERE l.tag_id = x.id) AS uses FROM tag x)"
    )
    conditions = all_of(where, carried_sql(viewer, now, "t"))
    return Source(counted, "t", f"{TAG.select('t')}, t.uses", conditions, TAG.build)


# --- collections ------------------------------------------------------------------------------


async def collections_by_ids(ids: Sequence[int]) -> list[CollectionRow | None]:
    """Batch reader: item ``i`` answers ``ids[i]``."""
    return await rows_by(COLLECTION, "id", ids)


async def collections_by_slugs(slugs: Sequence[str]) -> list[CollectionRow | None]:
    """Batch reader by slug."""
    return await rows_by(COLLECTION, "slug", slugs)
