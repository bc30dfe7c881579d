"""Sitemaps (protocol 0.9) of what anyone may read, and a Google News sitemap.

``/sitemap.xml`` is an index: one sitemap per month of publication (Vietnam time), named
``YYYY-MM`` (a month of more than :data:`MAX_URLS` articles continues in ``YYYY-MM-2``, ...),
and ``sections``. Each monthly sitemap lists the canonical URL of every article published that
month with its ``lastmod`` (when it last changed); the index gives each sitemap the latest
``lastmod`` of its month. ``/sitemap-news.xml`` lists the articles of the last 48 hours (at
most 1,000, as Google News asks), with the publication's name, ``vi`` and each one's title and
publication date. Dates are W3C date-times in Vietnam time (``2023-07-18T15:51:06+07:00``).
"""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import langcodes

from cms.core import surrogate
from cms.site import reads
from cms.site.reads import VIETNAM, LinkRow, Month, StoryLinkRow
from cms.site.urls import SiteUrls

__all__ = [
    "MAX_URLS",
    "NEWS_MAX",
    "NEWS_WINDOW",
    "SITEMAP_NS",
    "XHTML_NS",
    "Sitemaps",
    "news_language",
    "w3c",
]

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
MAX_URLS = 50_000
"""At most this many URLs in one sitemap, as the protocol says."""
NEWS_WINDOW = timedelta(hours=48)
NEWS_MAX = 1_000
SECTIONS = "sections"
_NAME = re.compile(r"(?P<year>[0-9]{4})-(?P<month>0[1-9]|1[0-2])(?:-(?P<part>[1-9][0-9]{0,5}))?")

ET.register_namespace("", SITEMAP_NS)
ET.register_namespace("news", NEWS_NS)
ET.register_namespace("xhtml", XHTML_NS)

Alternate = tuple[str, str | None]
"""An ``xhtml:link`` of a sitemap's URL: its ``hreflang`` and its ``href``."""
Entry = tuple[str | None, datetime, Sequence[Alternate]]
"""A sitemap's URL: where, when it last changed, its other locales' versions."""


def _q(name: str, ns: str = SITEMAP_NS) -> str:
    return f"{{{ns}}}{name}"


@dataclass(frozen=True, slots=True)
class Sitemaps:
    """The sitemaps of one website: its URLs, the address of each sitemap (``sitemap(name)``,
    on the CMS), the publication's name, and the URLs per file (the protocol's 50,000; tests
    use fewer)."""

    site: SiteUrls
    sitemap_url: Callable[[str], str]
    publication: str
    max_urls: int = MAX_URLS

    async def index(self, now: datetime) -> bytes:
        """``/sitemap.xml``: the sitemap of the sections, then one per month (and part)."""
        found = await reads.months(now, self.site.locales)
        surrogate.record_articles()
        surrogate.record_list(SECTIONS)
        return await asyncio.to_thread(self._index, found)

    async def sitemap(self, name: str, now: datetime) -> bytes | None:
        """The sitemap called ``name`` (``2023-07``, ``2023-07-2``, ``sections``); None when
        there is no such sitemap (a month without articles, a part past its last)."""
        if name == SECTIONS:
            sections = await reads.section_links(self.max_urls)
            surrogate.record_list(SECTIONS)
            entries: list[Entry] = [
                (self.site.section(s.path, s.slug), s.updated_at, ()) for s in sections
            ]
            return await asyncio.to_thread(_urlset, entries)
        found = _NAME.fullmatch(name)
        if found is None or (found["part"] is not None and found["part"] == "1"):
            return None  # part 1 is the month's own name: one address per sitemap
        part = int(found["part"] or 1)
        year, month = int(found["year"]), int(found["month"])
        start = (part - 1) * self.max_urls
        links = await reads.month_links(now, year, month, start, self.max_urls, self.site.locales)
        if not links:
            return None
        stories = await self._stories(links, now)
        _record(link.id for link in links)
        _record(version.id for versions in stories.values() for version in versions)
        entries = [self._entry(link, stories.get(link.story_id or 0, ())) for link in links]
        return await asyncio.to_thread(_urlset, entries)

    async def news(self, now: datetime) -> bytes:
        """``/sitemap-news.xml``: the articles published in the last 48 hours."""
        found = await reads.news_links(now, now - NEWS_WINDOW, NEWS_MAX, self.site.locales)
        _record(article.id for article in found)
        return await asyncio.to_thread(self._news, found)

    async def _stories(
        self, links: Sequence[LinkRow], now: datetime
    ) -> dict[int, list[StoryLinkRow]]:
        """The public versions of the stories ``links`` tell, by story id (no statement when
        none of them is translated)."""
        ids = sorted({link.story_id for link in links if link.story_id is not None})
        found = await reads.stories_by_ids(now, ids, self.site.locales)
        return dict(zip(ids, found, strict=True))

    def _entry(self, link: LinkRow, versions: Sequence[StoryLinkRow]) -> Entry:
        url = self.site.article(link.slug, link.id, link.section_path, locale=link.locale)
        return url, link.updated_at, self._alternates(versions)

    def _alternates(self, versions: Sequence[StoryLinkRow]) -> list[Alternate]:
        """The ``xhtml:link`` of a story's public versions; none when it has only one."""
        if len(versions) < 2:
            return []
        urls = {
            v.id: self.site.article(v.slug, v.id, v.section_path, locale=v.locale) for v in versions
        }
        found = [(v.locale, urls[v.id]) for v in versions]
        default = next((v for v in versions if v.locale == self.site.default_locale), None)
        default = default or next((v for v in versions if v.id == v.story_id), None)
        return found + ([("x-default", urls[default.id])] if default is not None else [])

    def _index(self, found: Sequence[Month]) -> bytes:
        root = ET.Element(_q("sitemapindex"))
        _sitemap(root, self.sitemap_url(SECTIONS), None)
        for month in found:
            name = f"{month.first_day:%Y-%m}"
            parts = max(1, -(-month.count // self.max_urls))
            for part in range(1, parts + 1):
                named = name if part == 1 else f"{name}-{part}"
                _sitemap(root, self.sitemap_url(named), month.lastmod)
        return _xml(root)

    def _news(self, found: Sequence[reads.NewsRow]) -> bytes:
        root = ET.Element(_q("urlset"))
        for article in found:
            url = ET.SubElement(root, _q("url"))
            loc = self.site.article(
                article.slug, article.id, article.section_path, locale=article.locale
            )
            _text(url, _q("loc"), loc)
            news = ET.SubElement(url, _q("news", NEWS_NS))
            publication = ET.SubElement(news, _q("publication", NEWS_NS))
            _text(publication, _q("name", NEWS_NS), self.publication)
            _text(publication, _q("language", NEWS_NS), news_language(article.locale))
            _text(news, _q("publication_date", NEWS_NS), w3c(article.published_at))
            _text(news, _q("title", NEWS_NS), article.title)
        return _xml(root)


def _record(article_ids: Iterable[int]) -> None:
    """The surrogate keys of a list of article URLs (the header names at most 64 of them)."""
    surrogate.record_articles()
    for pk in article_ids:
        surrogate.record("article", pk)


def w3c(moment: datetime) -> str:
    """A W3C date-time in Vietnam time, to the second: ``2023-07-18T15:51:06+07:00``."""
    return moment.astimezone(VIETNAM).replace(microsecond=0).isoformat()


def news_language(locale: str) -> str:
    """The language Google News wants for ``locale``: its ISO 639 language subtag (``en`` for
    ``en-GB``), except Chinese, written ``zh-cn`` (simplified) or ``zh-tw`` (traditional)."""
    language = langcodes.Language.get(locale)
    if language.language != "zh":
        return language.language or locale
    traditional = language.maximize().script == "Hant"
    return "zh-tw" if traditional else "zh-cn"


def _urlset(entries: Sequence[Entry]) -> bytes:
    root = ET.Element(_q("urlset"))
    for loc, lastmod, alternates in entries:
        url = ET.SubElement(root, _q("url"))
        _text(url, _q("loc"), loc)
        _text(url, _q("lastmod"), w3c(lastmod))
        for hreflang, href in alternates:
            attributes = {"rel": "alternate", "hreflang": hreflang, "href": href or ""}
            ET.SubElement(url, _q("link", XHTML_NS), attributes)
    return _xml(root)


def _sitemap(root: ET.Element, loc: str, lastmod: datetime | None) -> None:
    sitemap = ET.SubElement(root, _q("sitemap"))
    _text(sitemap, _q("loc"), loc)
    if lastmod is not None:
        _text(sitemap, _q("lastmod"), w3c(lastmod))


def _text(parent: ET.Element, tag: str, value: str | None) -> None:
    ET.SubElement(parent, tag).text = value or ""


def _xml(root: ET.Element) -> bytes:
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data
