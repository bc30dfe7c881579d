"""The per-request context: who is asking, when, and fresh DataLoaders (never shared)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import strawberry
from starlette.requests import HTTPConnection
from strawberry.dataloader import DataLoader

from cms import models
from cms.services import (
    accounts,
    authors,
    clock,
    events,
    images,
    nested_articles,
    reads,
    revisions,
)
from cms.services.live import Broker
from cms.services.pagination import Page, Window
from cms.services.rendition_urls import RenditionUrls
from cms.services.visibility import Viewer
from cms.storage import MediaStore
from settings import Settings

K = TypeVar("K")
V = TypeVar("V")

ParentPageKey = tuple[int, Window]


@dataclass(slots=True)
class Loaders:
    """Batch readers for one request. Each turns many ``load(key)`` calls into one query."""

    viewer: Viewer
    now: datetime
    article_by_id: DataLoader[int, reads.ArticleRow | None] = field(init=False)
    article_by_slug: DataLoader[str, reads.ArticleRow | None] = field(init=False)
    author_by_id: DataLoader[int, models.Author | None] = field(init=False)
    author_by_slug: DataLoader[str, models.Author | None] = field(init=False)
    authors_by_article_id: DataLoader[int, list[reads.AuthorRow]] = field(init=False)
    event_by_id: DataLoader[int, reads.EventRow | None] = field(init=False)
    event_by_slug: DataLoader[str, models.Event | None] = field(init=False)
    image_by_id: DataLoader[int, reads.ImageRow | None] = field(init=False)
    images_by_article_id: DataLoader[int, list[reads.ImageRow]] = field(init=False)
    image_is_public: DataLoader[int, bool] = field(init=False)
    articles_by_author: DataLoader[ParentPageKey, Page[models.Article]] = field(init=False)
    articles_by_event: DataLoader[ParentPageKey, Page[models.Article]] = field(init=False)
    article_count_by_author: DataLoader[int, int] = field(init=False)
    article_count_by_event: DataLoader[int, int] = field(init=False)
    revisions_by_article: DataLoader[ParentPageKey, Page[models.ArticleRevision]] = field(
        init=False
    )
    revision_count_by_article: DataLoader[int, int] = field(init=False)
    user_by_id: DataLoader[int, models.User | None] = field(init=False)

    def __post_init__(self) -> None:
        viewer, now = self.viewer, self.now
        self.article_by_id = _loader(lambda ids: reads.articles_by_ids(viewer, now, ids))
        self.article_by_slug = _loader(lambda slugs: reads.articles_by_slugs(viewer, now, slugs))
        self.author_by_id = _loader(authors.by_ids)
        self.author_by_slug = _loader(authors.by_slugs)
        self.authors_by_article_id = _loader(reads.authors_by_article_ids)
        self.event_by_id = _loader(reads.events_by_ids)
        self.event_by_slug = _loader(events.by_slugs)
        self.image_by_id = _loader(reads.images_by_ids)
        self.images_by_article_id = _loader(self._images_by_article_id)
        self.image_is_public = _loader(self._image_is_public)
        self.articles_by_author = _loader(lambda keys: self._parent_pages("author", keys))
        self.articles_by_event = _loader(lambda keys: self._parent_pages("event", keys))
        self.article_count_by_author = _loader(
            lambda ids: nested_articles.counts(viewer, now, "author", ids)
        )
        self.article_count_by_event = _loader(
            lambda ids: nested_articles.counts(viewer, now, "event", ids)
        )
        self.revisions_by_article = _loader(self._revision_pages)
        self.revision_count_by_article = _loader(revisions.counts)
        self.user_by_id = _loader(accounts.by_ids)

    async def _images_by_article_id(self, ids: Sequence[int]) -> list[list[reads.ImageRow]]:
        found = await reads.images_by_article_ids(ids)
        for image in (image for group in found for image in group):
            self.image_by_id.prime(image.id, image)  # covers and figures then cost no query
        return found

    async def _image_is_public(self, ids: Sequence[int]) -> list[bool]:
        if self.viewer.can_preview:
            return [True] * len(ids)
        seen = await images.visible_to(self.viewer, ids, self.now)  # an author's own too
        return [i in seen for i in ids]

    async def _revision_pages(
        self, keys: Sequence[ParentPageKey]
    ) -> list[Page[models.ArticleRevision]]:
        counter = self.revision_count_by_article
        pages: dict[ParentPageKey, Page[models.ArticleRevision]] = {}
        for win, ids in _by_window(keys).items():
            found = await revisions.pages(ids, win, lambda i: lambda: counter.load(i))
            pages.update({(i, win): p for i, p in zip(ids, found, strict=True)})
        return [pages[key] for key in keys]

    async def _parent_pages(
        self, parent: nested_articles.Parent, keys: Sequence[ParentPageKey]
    ) -> list[Page[models.Article]]:
        counter = (
            self.article_count_by_author if parent == "author" else self.article_count_by_event
        )
        pages: dict[ParentPageKey, Page[models.Article]] = {}
        for win, ids in _by_window(keys).items():
            found = await nested_articles.first_pages(
                self.viewer, self.now, parent, ids, win, lambda i: lambda: counter.load(i)
            )
            pages.update({(i, win): p for i, p in zip(ids, found, strict=True)})
        return [pages[key] for key in keys]


def _by_window(keys: Sequence[ParentPageKey]) -> dict[Window, list[int]]:
    """The parents' ids of page requests, grouped by window (one batch per window)."""
    by_window: defaultdict[Window, list[int]] = defaultdict(list)
    for parent_id, win in keys:
        by_window[win].append(parent_id)
    return by_window


def _loader(batch: Callable[[list[K]], Awaitable[Sequence[V]]]) -> DataLoader[K, V]:
    async def load(keys: list[K]) -> list[V]:
        return list(await batch(keys))

    return DataLoader(load_fn=load)


@dataclass(slots=True)
class Context:
    """What every resolver gets as ``info.context``."""

    request: HTTPConnection
    """The HTTP request, or the WebSocket of a subscription."""
    settings: Settings
    viewer: Viewer
    now: datetime
    loaders: Loaders
    media_base: str
    store: MediaStore
    """Where image files are kept (mutations that write or delete them pass it on)."""
    renditions: RenditionUrls
    """Signs the URLs of ``Image.rendition`` and ``Image.srcset``."""
    private: bool = False
    """Set by a resolver that showed something only this request may see (a preview): the
    answer is then never kept by the shared response cache, whoever the viewer is."""
    live: Broker | None = None
    """Committed content events, for subscriptions."""
    connection_params: dict[str, object] | None = None
    """A WebSocket's ``connection_init`` payload (strawberry sets it; it carries the token)."""

    @classmethod
    def for_request(
        cls,
        request: HTTPConnection,
        settings: Settings,
        viewer: Viewer,
        store: MediaStore,
        renditions: RenditionUrls,
        live: Broker | None = None,
    ) -> Context:
        """The context of one request by ``viewer`` (see :func:`cms.web.viewer.viewer_for`)."""
        now = clock.now()
        base = settings.public_url or f"{request.url.scheme}://{request.url.netloc}"
        loaders = Loaders(viewer, now)
        return cls(request, settings, viewer, now, loaders, base, store, renditions, live=live)

    def become(self, viewer: Viewer) -> None:
        """Answer as ``viewer`` from now on (a WebSocket that signed in after connecting)."""
        self.viewer = viewer
        self.now = clock.now()
        self.loaders = Loaders(viewer, self.now)

    def media_url(self, key: str) -> str:
        """The absolute URL of a stored file: the store's public URL when it has one (an S3
        bucket behind ``CMS_S3_PUBLIC_URL``), else the CMS's media route, which serves it."""
        return self.store.public_url(key) or f"{self.media_base}/media/{key}"


Info = strawberry.Info[Context, None]
