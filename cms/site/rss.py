"""RSS 2.0 feeds of the newest articles: the whole site's, a section's (and below), a tag's.

A feed is one locale's (``CMS_LOCALES``): it lists only the articles written in it, its
``language`` is the locale, and the names of the sections and tags, the pictures' alternative
texts and captions are that locale's translations (:func:`cms.core.locales.translated`, falling
back to the default locale's as ``CMS_LOCALE_FALLBACK`` says; a name with no fallback shows the
default's all the same: a category cannot be nameless).

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
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from cms.articles import body as body_
from cms.articles.queries import ArticleFilter
from cms.articles.reads import ImageRow
from cms.articles.structure_reads import SectionRow, TagRow, sections_by_paths, tags_by_slugs
from cms.core import surrogate
from cms.core.ids import to_global_id
from cms.core.locales import Locales, Translations, translated
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
    "Language",
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
class Language:
    """The locale a feed is in, and the configured ones (for the texts' fallback)."""

    locale: str
    locales: Locales

    def text(self, default: str, translations: Translations | None, field: str) -> str:
        """A translated text in this locale; the default locale's when there is none."""
        found = translated(default, translations, field, self.locale, self.locales)
        return default if found is None else found

    def section(self, row: SectionRow) -> SectionRow:
        if self.locales.is_default(self.locale):
            return row
        name = self.text(row.name, row.translations, "name")
        description = translated(
            row.description, row.translations, "description", self.locale, self.locales
        )
        return replace(row, name=name, description=description or "")

    def tag(self, row: TagRow) -> TagRow:
        if self.locales.is_default(self.locale):
            return row
        return replace(row, name=self.text(row.name, row.translations, "name"))

    def image(self, row: ImageRow) -> ImageRow:
        if self.locales.is_default(self.locale):
            return row
        alt = translated(row.alt, row.translations, "alt", self.locale, self.locales)
        caption = translated(row.caption, row.translations, "caption", self.locale, self.locales)
        return replace(row, alt=alt or "", caption=caption or "")

    def article(self, article: FeedArticle) -> FeedArticle:
        """What the article's item names, in this locale."""
        if self.locales.is_default(self.locale):
            return article
        return replace(
            article,
            section=self.section(article.section) if article.section is not None else None,
            tags=[self.tag(tag) for tag in article.tags],
            images=[self.image(image) for image in article.images],
        )


@dataclass(frozen=True, slots=True)
class Channel:
    """The feed itself: its title, the page it stands for, what it is, its own address, and
    the locale it is in."""

    title: str
    link: str
    description: str
    self_url: str
    language: Language


async def rss(
    channel: Channel, links: Links, now: datetime, where: ArticleFilter, limit: int = FEED_SIZE
) -> bytes:
    """The feed of the ``limit`` newest articles in the channel's locale among ``where`` that
    anyone may read at ``now``, as UTF-8 XML."""
    language = channel.language
    articles = await feed_articles(now, where, limit, language.locale)
    _record(articles)
    shown = [language.article(article) for article in articles]
    return await asyncio.to_thread(_document, channel, links, shown)


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


async def site_feed(
    links: Links, name: str, self_path: str, now: datetime, language: Language
) -> bytes:
    """``/rss.xml`` (``/en/rss.xml``): the newest articles of the whole site in a locale."""
    home = links.site.home(language.locale) or ""
    title = publisher(links.site, name)
    channel = Channel(title, home, title, links.site.absolute(self_path) or "", language)
    return await rss(channel, links, now, ArticleFilter())


async def section_feed(
    links: Links, name: str, self_path: str, now: datetime, language: Language, path: str
) -> bytes | None:
    """A section's feed in a locale (its articles and those of the sections below it); None if
    there is no section at ``path``."""
    found = (await sections_by_paths([path]))[0]
    if found is None:
        return None
    surrogate.record("section", found.id)
    section = language.section(found)
    channel = Channel(
        f"{section.name} - {publisher(links.site, name)}",
        links.site.section(section.path, section.slug) or "",
        section.description or section.name,
        links.site.absolute(self_path) or "",
        language,
    )
    return await rss(channel, links, now, ArticleFilter(section_id=section.id))


async def tag_feed(
    links: Links, name: str, self_path: str, now: datetime, language: Language, slug: str
) -> bytes | None:
    """A tag's feed in a locale; None if no article anyone may read (in any locale) carries a
    tag ``slug``."""
    found = (await tags_by_slugs(ANONYMOUS, now, [slug]))[0]
    if found is None:
        return None
    surrogate.record("tag", found.id)
    tag = language.tag(found)
    channel = Channel(
        f"{tag.name} - {publisher(links.site, name)}",
        links.site.tag(tag.slug) or "",
        tag.name,
        links.site.absolute(self_path) or "",
        language,
    )
    return await rss(channel, links, now, ArticleFilter(tag_ids=(tag.id,)))


def _document(channel: Channel, links: Links, articles: Sequence[FeedArticle]) -> bytes:
    root = ET.Element("rss", {"version": "2.0"})
    chan = ET.SubElement(root, "channel")
    _text(chan, "title", channel.title)
    _text(chan, "link", channel.link)
    _text(chan, "description", channel.description)
    _text(chan, "language", channel.language.locale)
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
    url = links.site.article(row.slug, row.id, section.path if section else None, locale=row.locale)
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
