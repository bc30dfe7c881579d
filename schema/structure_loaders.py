"""The request's loaders of the site's structure: sections, tags, collections and their lists.

A part of :class:`schema.context.Loaders` (which inherits it), kept apart to keep each module
short; the same rules hold (each loader made when first asked for, no batch function referring
back to ``self``). A section read by slug or path primes the loader by id too: the articles of a
section page name their section by id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import datetime
from functools import cached_property

from strawberry.dataloader import DataLoader

from cms.articles import collection_items, nested, reads, related, structure_reads
from cms.core.pagination import Page, Window
from cms.core.viewer import Viewer
from schema.batching import PagesOf, ParentPageKey, Total, loader, pages
from schema.batching import nested as nested_pages

RelatedKey = tuple[int, str, int, bool]
"""An article's id and title, how many related articles are asked for, and whether their bodies
are needed (the fields selected on them read it)."""


class StructureLoaders:
    """Batch readers of sections, tags and collections for one request."""

    viewer: Viewer
    now: datetime
    locale: str

    @cached_property
    def section_by_id(self) -> DataLoader[int, structure_reads.SectionRow | None]:
        return loader(structure_reads.sections_by_ids)

    @cached_property
    def section_by_slug(self) -> DataLoader[str, structure_reads.SectionRow | None]:
        by_id = self.section_by_id
        return loader(lambda slugs: _by_id_too(by_id, structure_reads.sections_by_slugs(slugs)))

    @cached_property
    def section_by_path(self) -> DataLoader[str, structure_reads.SectionRow | None]:
        by_id = self.section_by_id
        return loader(lambda paths: _by_id_too(by_id, structure_reads.sections_by_paths(paths)))

    @cached_property
    def sections_by_parent(self) -> DataLoader[int, list[structure_reads.SectionRow]]:
        section_by_id = self.section_by_id
        return loader(lambda ids: _children_priming(section_by_id, ids))

    @cached_property
    def articles_by_section(self) -> DataLoader[ParentPageKey, Page[reads.ArticleRow]]:
        viewer, now, locale = self.viewer, self.now, self.locale
        read, counter = nested_pages(viewer, now, "section", locale), self.article_count_by_section
        return loader(lambda keys: pages(read, counter, keys))

    @cached_property
    def article_count_by_section(self) -> DataLoader[int, int]:
        viewer, now, locale = self.viewer, self.now, self.locale
        return loader(lambda ids: nested.counts(viewer, now, "section", ids, locale))

    @cached_property
    def tags_by_article_id(self) -> DataLoader[int, list[structure_reads.TagRow]]:
        return loader(structure_reads.tags_by_article_ids)

    @cached_property
    def tag_by_id(self) -> DataLoader[int, structure_reads.TagRow | None]:
        viewer, now = self.viewer, self.now
        return loader(lambda ids: structure_reads.tags_by_ids(viewer, now, ids))

    @cached_property
    def tag_by_slug(self) -> DataLoader[str, structure_reads.TagRow | None]:
        viewer, now = self.viewer, self.now
        return loader(lambda slugs: structure_reads.tags_by_slugs(viewer, now, slugs))

    @cached_property
    def articles_by_tag(self) -> DataLoader[ParentPageKey, Page[reads.ArticleRow]]:
        viewer, now, locale = self.viewer, self.now, self.locale
        read, counter = nested_pages(viewer, now, "tag", locale), self.article_count_by_tag
        return loader(lambda keys: pages(read, counter, keys))

    @cached_property
    def article_count_by_tag(self) -> DataLoader[int, int]:
        viewer, now, locale = self.viewer, self.now, self.locale
        return loader(lambda ids: nested.counts(viewer, now, "tag", ids, locale))

    @cached_property
    def related_by_article(self) -> DataLoader[RelatedKey, list[reads.ArticleRow]]:
        now = self.now
        return loader(lambda keys: _related(now, keys))

    @cached_property
    def collection_by_id(self) -> DataLoader[int, structure_reads.CollectionRow | None]:
        return loader(structure_reads.collections_by_ids)

    @cached_property
    def collection_by_slug(self) -> DataLoader[str, structure_reads.CollectionRow | None]:
        return loader(structure_reads.collections_by_slugs)

    @cached_property
    def items_by_collection(self) -> DataLoader[ParentPageKey, Page[collection_items.Item]]:
        viewer, now, locale = self.viewer, self.now, self.locale
        read, counter = _items(viewer, now, locale), self.item_count_by_collection
        return loader(lambda keys: pages(read, counter, keys))

    @cached_property
    def item_count_by_collection(self) -> DataLoader[int, int]:
        viewer, now, locale = self.viewer, self.now, self.locale
        return loader(lambda ids: collection_items.counts(viewer, now, ids, locale))


async def _by_id_too(
    section_by_id: DataLoader[int, structure_reads.SectionRow | None],
    reading: Awaitable[list[structure_reads.SectionRow | None]],
) -> list[structure_reads.SectionRow | None]:
    """Sections read by slug or path, primed by id too (their articles name them by id)."""
    found = await reading
    section_by_id.prime_many({row.id: row for row in found if row is not None})
    return found


async def _children_priming(
    section_by_id: DataLoader[int, structure_reads.SectionRow | None], ids: Sequence[int]
) -> list[list[structure_reads.SectionRow]]:
    found = await structure_reads.children_by_parent_ids(ids)
    section_by_id.prime_many({child.id: child for group in found for child in group})
    return found


async def _related(now: datetime, keys: Sequence[RelatedKey]) -> list[list[reads.ArticleRow]]:
    """The related articles of every article asked for, in one statement (the most asked)."""
    first = max(key[2] for key in keys)
    bodies = any(key[3] for key in keys)
    found = await related.related(now, [key[:2] for key in keys], first, bodies=bodies)
    return [found.get(pk, [])[:wanted] for pk, _, wanted, _ in keys]


def _items(viewer: Viewer, now: datetime, locale: str) -> PagesOf[collection_items.Item]:
    """The items of collections in ``locale``, as ``viewer`` sees them."""

    def read(
        ids: Sequence[int], win: Window, total: Total
    ) -> Awaitable[list[Page[collection_items.Item]]]:
        return collection_items.first_pages(viewer, now, ids, win, total, locale)

    return read
