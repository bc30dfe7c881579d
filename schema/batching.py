"""What the request's loaders are made of: a DataLoader from a batch reader, and pages of many
parents' lists (an author's articles, a collection's items) read in one batch per window."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TypeAlias, TypeVar

from strawberry.dataloader import DataLoader

from cms.articles import nested as nested_articles
from cms.articles import reads
from cms.core.pagination import Page, Window
from cms.core.viewer import Viewer

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

ParentPageKey = tuple[int, Window]
"""A page of one parent's list: the parent's id and the page asked for."""
Total = Callable[[int], Callable[[], Awaitable[int]]]
"""Each parent's lazy ``totalCount``, by the parent's id."""
PagesOf: TypeAlias = Callable[[Sequence[int], Window, Total], Awaitable[list[Page[T]]]]
"""A batch reader of first pages: one per parent id, for one window."""


def loader(batch: Callable[[list[K]], Awaitable[Sequence[V]]]) -> DataLoader[K, V]:
    """A DataLoader whose batches ``batch`` reads (item ``i`` answering key ``i``)."""

    async def load(keys: list[K]) -> list[V]:
        return list(await batch(keys))

    return DataLoader(load_fn=load)


async def pages(
    read: PagesOf[T], counter: DataLoader[int, int], keys: Sequence[ParentPageKey]
) -> list[Page[T]]:
    """The page of each ``(parent id, window)`` key: one batch per window."""
    found_pages: dict[ParentPageKey, Page[T]] = {}
    for win, ids in _by_window(keys).items():
        found = await read(ids, win, lambda i: lambda: counter.load(i))
        found_pages.update({(i, win): p for i, p in zip(ids, found, strict=True)})
    return [found_pages[key] for key in keys]


def nested(
    viewer: Viewer, now: datetime, parent: nested_articles.Parent, locale: str | None
) -> PagesOf[reads.ArticleRow]:
    """The newest-first articles of parents of one kind (an author's, a section's ...), written
    in ``locale``."""

    def read(
        ids: Sequence[int], win: Window, total: Total
    ) -> Awaitable[list[Page[reads.ArticleRow]]]:
        return nested_articles.first_pages(viewer, now, parent, ids, win, total, locale)

    return read


def _by_window(keys: Sequence[ParentPageKey]) -> dict[Window, list[int]]:
    """The parents' ids of page requests, grouped by window (one batch per window)."""
    by_window: defaultdict[Window, list[int]] = defaultdict(list)
    for parent_id, win in keys:
        by_window[win].append(parent_id)
    return by_window
