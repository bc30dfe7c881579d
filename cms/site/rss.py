"""RSS 2.0 feeds of the newest articles: the whole site's, a section's (and below), a tag's.

Each item has its canonical link (:class:`~cms.site.urls.SiteUrls`), its global ID as a ``guid``
that is not a permalink, ``pubDate`` (RFC 822, Vietnam time), the summary as ``description``, the
body's safe HTML as ``content:encoded`` (rendered as ``bodyHtml`` is, with absolute picture URLs),
the section and the tags as ``category``, the authors as ``dc:creator``, and the cover as a
1200-wide ``media:content`` rendition with its caption as ``media:description``. The XML is made
by :mod:`xml.etree.ElementTree` (every text escaped by it), in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from cms.articles import body as body_
from cms.articles.queries import ArticleFilter
from cms.articles.reads import ImageRow
from cms.articles.structure_reads import sections_by_paths, tags_by_slugs
from cms.core import surrogate
from cms.core.ids import to_global_id
from cms.core.viewer import ANONYMOUS
from cms.media import renditions
from cms.media.rendition_urls import RenditionUrls
from cms.media.storage.base import media_type
from cms.site.reads import VIETNAM, FeedArticle, feed_articles
from cms.site.urls import SiteUrls

__all__ = [
    "FEED_SIZE",
    "NAMESPACES",
    "Channel",
    "Links",
    "publisher",
    "rss",
    "section_feed",
    "site_feed",
    "tag_feed",
]

_log = logging.getLogger(__name__)

FEED_SIZE = 50
"""How many of the newest articles a feed lists."""
COVER_WIDTH = 1200
"""The width of the cover's rendition in ``media:content``."""

NAMESPACES = {
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "media": "http://search.yahoo.com/mrss/",
    "atom": "http://www.w3.org/2005/Atom",
}
for _prefix, _uri in NAMESPACES.items():
    ET.register_namespace(_prefix, _uri)


def _q(prefix: str, name: str) -> str:
    return f"{{{NAMESPACES[prefix]}}}{name}"


@dataclass(frozen=True, slots=True)
class Links:
    """Where things are: the website's pages, the CMS's files (absolute URLs of stored keys)
    and how rendition URLs are signed."""

    site: SiteUrls
    media: Callable[[str], str]
    renditions: RenditionUrls


@dataclass(frozen=True, slots=True)
class Channel:
    """The feed itself: its title, the page it stands for, what it is, and its own address."""

    title: str
    link: str
    description: str
    self_url: str


async def rss(
    channel: Channel, links: Links, now: datetime, where: ArticleFilter, limit: int = FEED_SIZE
) -> bytes:
    """The feed of the ``limit`` newest articles among ``where`` that anyone may read at
    ``now``, as UTF-8 XML."""
    articles = await feed_articles(now, where, limit)
    _record(articles)
    return await asyncio.to_thread(_document, channel, links, articles)


def _record(articles: Sequence[FeedArticle]) -> None:
    """The surrogate keys of what the feed shows: the articles, and what each item names."""
    surrogate.record_articles()
    for article in articles:
        surrogate.record("article", article.row.id)
        for author in article.authors:
            surrogate.record("author", author.id)
        if article.section is not None:
            surrogate.record("section", article.section.id)
        for tag in article.tags:
            surrogate.record("tag", tag.id)
        for image in article.images:
            surrogate.record("image", image.id)


def publisher(site: SiteUrls, name: str) -> str:
    """The publication's name: ``CMS_PUBLISHER_NAME``, else the website's host."""
    return name or urlsplit(site.base or "").hostname or ""


async def site_feed(links: Links, name: str, self_path: str, now: datetime) -> bytes:
    """``/rss.xml``: the newest articles of the whole site."""
    home = links.site.absolute("/") or ""
    title = publisher(links.site, name)
    channel = Channel(title, home, title, links.site.absolute(self_path) or "")
    return await rss(channel, links, now, ArticleFilter())


async def section_feed(
    links: Links, name: str, self_path: str, now: datetime, path: str
) -> bytes | None:
    """A section's feed (its articles and those of the sections below it); None if there is
    no section at ``path``."""
    section = (await sections_by_paths([path]))[0]
    if section is None:
        return None
    surrogate.record("section", section.id)
    channel = Channel(
        f"{section.name} - {publisher(links.site, name)}",
        links.site.section(section.path, section.slug) or "",
        section.description or section.name,
        links.site.absolute(self_path) or "",
    )
    return await rss(channel, links, now, ArticleFilter(section_id=section.id))


async def tag_feed(
    links: Links, name: str, self_path: str, now: datetime, slug: str
) -> bytes | None:
    """A tag's feed; None if no article anyone may read carries a tag ``slug``."""
    tag = (await tags_by_slugs(ANONYMOUS, now, [slug]))[0]
    if tag is None:
        return None
    surrogate.record("tag", tag.id)
    channel = Channel(
        f"{tag.name} - {publisher(links.site, name)}",
        links.site.tag(tag.slug) or "",
        tag.name,
        links.site.absolute(self_path) or "",
    )
    return await rss(channel, links, now, ArticleFilter(tag_ids=(tag.id,)))


def _document(channel: Channel, links: Links, articles: Sequence[FeedArticle]) -> bytes:
    root = ET.Element("rss", {"version": "2.0"})
    chan = ET.SubElement(root, "channel")
    _text(chan, "title", channel.title)
    _text(chan, "link", channel.link)
    _text(chan, "description", channel.description)
    _text(chan, "language", "vi")
    if articles:  # the last time the channel's content changed
        newest = max(
            max(a.row.updated_at, a.row.published_at or a.row.updated_at) for a in articles
        )
        _text(chan, "lastBuildDate", _rfc822(newest))
    ET.SubElement(
        chan,
        _q("atom", "link"),
        {"href": channel.self_url, "rel": "self", "type": "application/rss+xml"},
    )
    for article in articles:
        _item(ET.SubElement(chan, "item"), links, article)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def _item(item: ET.Element, links: Links, article: FeedArticle) -> None:
    row, section = article.row, article.section
    _text(item, "title", row.title)
    url = links.site.article(row.slug, row.id, section.path if section else None)
    if url is not None:
        _text(item, "link", url)
    _text(item, "guid", to_global_id("Article", row.id)).set("isPermaLink", "false")
    if row.published_at is not None:
        _text(item, "pubDate", _rfc822(row.published_at))
    _text(item, "description", row.summary)
    by_id = {image.id: image for image in article.images}
    try:
        blocks = body_.from_json(row.body)
    except body_.UnknownBlockType as error:  # a newer version's: no body rather than no feed
        _log.error("article %d in a feed without its body: %s", row.id, error)
        blocks = None
    if blocks is not None:
        html = body_.render_html(blocks, by_id, lambda image: links.media(image.store_key))
        _text(item, _q("content", "encoded"), html)
    if section is not None:
        _text(item, "category", section.name).set(
            "domain", links.site.section(section.path, section.slug) or ""
        )
    for tag in article.tags:
        _text(item, "category", tag.name).set("domain", links.site.tag(tag.slug) or "")
    for author in article.authors:
        _text(item, _q("dc", "creator"), author.name)
    if not article.authors and row.byline:
        _text(item, _q("dc", "creator"), row.byline)
    cover = by_id.get(row.cover_id) if row.cover_id is not None else None
    if cover is not None:
        caption = body_.figure_captions(row.body).get(cover.id) or cover.caption
        _cover(item, links, cover, caption)


def _cover(item: ET.Element, links: Links, cover: ImageRow, caption: str) -> None:
    """``media:content``: the cover's rendition ``COVER_WIDTH`` wide (the picture's own width if
    narrower), as a JPEG where this server writes JPEG (every feed reader shows it)."""
    source = renditions.Source(
        cover.content_hash, cover.width, cover.height, cover.focal_x, cover.focal_y
    )
    planned = renditions.plan(
        links.renditions.policy, source, COVER_WIDTH, format=renditions.Format.JPEG
    )
    key = links.renditions.path(planned)
    media = ET.SubElement(
        item,
        _q("media", "content"),
        {
            "url": links.media(key),
            "medium": "image",
            "type": media_type(key),
            "width": str(planned.width),
            "height": str(planned.height),
        },
    )
    if caption:
        _text(media, _q("media", "description"), caption).set("type", "plain")


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = value
    return element


def _rfc822(moment: datetime) -> str:
    """``Tue, 18 Jul 2023 15:51:06 +0700``: RFC 822 (as RSS 2.0 asks), in Vietnam time."""
    return format_datetime(moment.astimezone(VIETNAM))
