"""The per-request context: who is asking, when, and fresh DataLoaders (never shared)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TypeAlias, TypeVar

import strawberry
from starlette.requests import HTTPConnection
from strawberry.dataloader import DataLoader

from cms import models
from cms.accounts import users as accounts
from cms.articles import nested as nested_articles
from cms.articles import reads, revisions
from cms.core import clock
from cms.core.locales import Locales
from cms.core.pagination import Page
from cms.core.viewer import Viewer
from cms.media import images
from cms.media.rendition_urls import RenditionUrls
from cms.media.storage import MediaStore
from cms.media.uploads import Limits
from cms.notify.live import Broker
from cms.site import reads as site_reads
from cms.site.urls import SiteUrls
from schema.batching import ParentPageKey, loader, nested, pages
from schema.structure_loaders import StructureLoaders
from settings import Settings

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

Resolved: TypeAlias = T | Awaitable[T]
"""What a relation's resolver returns (see :func:`resolved`): the value itself when the request
already holds it, else an awaitable."""

__all__ = ["Context", "Info", "Loaders", "ParentPageKey", "Resolved", "resolved"]


class Loaders(StructureLoaders):
    """Batch readers for one request. Each turns many ``load(key)`` calls into one query.

    Each loader is made when first asked for: a request uses two or three of them (the planned
    lists none), and making all seventeen (there are more now) cost about 6 % of an article
    page's CPU time.

    No batch function refers back to ``self``: a loader that did (a bound method, a lambda over
    ``self``) made a reference cycle, and every request's rows and bodies, held by the loaders'
    caches, then waited for the collector's oldest generation (tens of MiB of peak memory under
    load) instead of being freed when the request ended.
    """

    def __init__(
        self, viewer: Viewer, now: datetime, locale: str, locales: tuple[str, ...] = ()
    ) -> None:
        self.viewer = viewer
        self.now = now
        self.locale = locale
        self.locales = locales or (locale,)
        """Every configured locale: a story's translations are read in these."""
        """The locale the lists of these loaders are in (the default's: see :meth:`in_locale`)."""
        self._locales: dict[str, Loaders] = {}  # never self: no reference cycle (class doc)

    def in_locale(self, locale: str) -> Loaders:
        """The loaders of lists in ``locale`` (a nested list asked for in another locale than
        the default): made once per request and locale; relations are read through ``self``."""
        if locale == self.locale:
            return self
        found = self._locales.get(locale)
        if found is None:
            found = self._locales[locale] = Loaders(self.viewer, self.now, locale, self.locales)
        return found

    @cached_property
    def article_by_id(self) -> DataLoader[int, reads.ArticleRow | None]:
        viewer, now = self.viewer, self.now
        return loader(lambda ids: reads.articles_by_ids(viewer, now, ids))

    @cached_property
    def article_by_slug(self) -> DataLoader[tuple[str, str], reads.ArticleRow | None]:
        """By locale and slug."""
        viewer, now = self.viewer, self.now
        return loader(lambda keys: reads.articles_by_slugs(viewer, now, keys))

    @cached_property
    def articles_by_story(self) -> DataLoader[int, list[reads.ArticleRow]]:
        """The articles of a story (its translations) the viewer may see."""
        viewer, now, locales = self.viewer, self.now, self.locales
        return loader(lambda ids: reads.articles_by_story(viewer, now, ids, locales))

    @cached_property
    def author_by_id(self) -> DataLoader[int, reads.AuthorRow | None]:
        return loader(reads.authors_by_ids)

    @cached_property
    def author_by_slug(self) -> DataLoader[str, reads.AuthorRow | None]:
        return loader(reads.authors_by_slugs)

    @cached_property
    def authors_by_article_id(self) -> DataLoader[int, list[reads.AuthorRow]]:
        return loader(reads.authors_by_article_ids)

    @cached_property
    def event_by_id(self) -> DataLoader[int, reads.EventRow | None]:
        return loader(reads.events_by_ids)

    @cached_property
    def event_by_slug(self) -> DataLoader[str, reads.EventRow | None]:
        return loader(reads.events_by_slugs)

    @cached_property
    def image_by_id(self) -> DataLoader[int, reads.ImageRow | None]:
        return loader(reads.images_by_ids)

    @cached_property
    def images_by_article_id(self) -> DataLoader[int, list[reads.ImageRow]]:
        image_by_id = self.image_by_id
        return loader(lambda ids: _images_priming(image_by_id, ids))

    @cached_property
    def image_is_public(self) -> DataLoader[int, bool]:
        viewer, now = self.viewer, self.now
        return loader(lambda ids: _images_public(viewer, now, ids))

    @cached_property
    def articles_by_author(self) -> DataLoader[ParentPageKey, Page[reads.ArticleRow]]:
        viewer, now, counter, locale = (
            self.viewer,
            self.now,
            self.article_count_by_author,
            self.locale,
        )
        return loader(lambda keys: pages(nested(viewer, now, "author", locale), counter, keys))

    @cached_property
    def articles_by_event(self) -> DataLoader[ParentPageKey, Page[reads.ArticleRow]]:
        viewer, now, counter, locale = (
            self.viewer,
            self.now,
            self.article_count_by_event,
            self.locale,
        )
        return loader(lambda keys: pages(nested(viewer, now, "event", locale), counter, keys))

    @cached_property
    def article_count_by_author(self) -> DataLoader[int, int]:
        viewer, now, locale = self.viewer, self.now, self.locale
        return loader(lambda ids: nested_articles.counts(viewer, now, "author", ids, locale))

    @cached_property
    def article_count_by_event(self) -> DataLoader[int, int]:
        viewer, now, locale = self.viewer, self.now, self.locale
        return loader(lambda ids: nested_articles.counts(viewer, now, "event", ids, locale))

    @cached_property
    def revisions_by_article(self) -> DataLoader[ParentPageKey, Page[models.ArticleRevision]]:
        counter = self.revision_count_by_article
        return loader(lambda keys: pages(revisions.pages, counter, keys))

    @cached_property
    def revision_count_by_article(self) -> DataLoader[int, int]:
        return loader(revisions.counts)

    @cached_property
    def public_versions_by_story_id(self) -> DataLoader[int, list[site_reads.StoryLinkRow]]:
        """The articles of each story anyone may read, every locale's (JSON-LD's links)."""
        now, locales = self.now, self.locales
        return loader(lambda ids: site_reads.stories_by_ids(now, ids, locales))

    @cached_property
    def user_by_id(self) -> DataLoader[int, models.User | None]:
        return loader(accounts.by_ids)


async def _images_priming(
    image_by_id: DataLoader[int, reads.ImageRow | None], ids: Sequence[int]
) -> list[list[reads.ImageRow]]:
    found = await reads.images_by_article_ids(ids)
    for image in (image for group in found for image in group):
        image_by_id.prime(image.id, image)  # covers and figures then cost no query
    return found


async def _images_public(viewer: Viewer, now: datetime, ids: Sequence[int]) -> list[bool]:
    if viewer.can_preview:
        return [True] * len(ids)
    seen = await images.visible_to(viewer, ids, now)  # an author's own too
    return [i in seen for i in ids]


def resolved(loader: DataLoader[K, V], key: K, then: Callable[[V], T]) -> Resolved[T]:
    """``then`` of what ``loader`` gives for ``key``: every relation of the API is read this way.

    When the loader already holds the value (a list read its relations up front and primed the
    loaders: :mod:`schema.planner`), the value is returned at once, so that graphql-core stays on
    its synchronous path for the whole list (an awaitable per field and item costs about a third
    of a feed's execution time); otherwise an awaitable that waits for the loader's batch.
    """
    future = loader.cache_map.get(key) if loader.cache else None
    if future is not None and future.done() and not future.cancelled() and not future.exception():
        return then(future.result())
    return _then(loader.load(key), then)


async def _then(pending: Awaitable[V], then: Callable[[V], T]) -> T:
    return then(await pending)


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
    upload_limits: Limits
    """How many photos an upload may bring, how large (the app's ``UploadLimits``)."""
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
        upload_limits: Limits,
        live: Broker | None = None,
    ) -> Context:
        """The context of one request by ``viewer`` (the request state's: see
        :meth:`cms.web.request.RequestState.viewer`)."""
        now = clock.now()
        base = settings.public_url or f"{request.url.scheme}://{request.url.netloc}"
        loaders = Loaders(viewer, now, settings.default_locale, tuple(settings.locales))
        return cls(
            request,
            settings,
            viewer,
            now,
            loaders,
            base,
            store,
            renditions,
            upload_limits,
            live=live,
        )

    def become(self, viewer: Viewer) -> None:
        """Answer as ``viewer`` from now on (a WebSocket that signed in after connecting)."""
        self.viewer = viewer
        self.now = clock.now()
        self.loaders = Loaders(
            viewer, self.now, self.settings.default_locale, tuple(self.settings.locales)
        )

    def locales(self) -> Locales:
        """The configured locales (``CMS_LOCALES``): ``locales().check(given)`` is the locale a
        client asked for, the default when it named none."""
        return Locales.of(self.settings)

    def site(self) -> SiteUrls:
        """How the website names its pages (``CMS_SITE_URL`` and the path templates)."""
        return SiteUrls.of(self.settings)

    def media_url(self, key: str) -> str:
        """The absolute URL of a stored file: the store's public URL when it has one (an S3
        bucket behind ``CMS_S3_PUBLIC_URL``), else the CMS's media route, which serves it."""
        return self.store.public_url(key) or f"{self.media_base}/media/{key}"


Info = strawberry.Info[Context, None]
