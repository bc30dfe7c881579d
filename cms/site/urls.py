"""Canonical URLs of the website's pages, from ``CMS_SITE_URL`` and the path templates.

``CMS_ARTICLE_PATH`` (default ``/{section}/{slug}``), ``CMS_SECTION_PATH`` (``/{path}``),
``CMS_TAG_PATH`` (``/tag/{slug}``) and ``CMS_AUTHOR_PATH`` (``/author/{slug}``) are checked when
the settings load (``settings.py`` lists each template's placeholders). An article without a
section drops ``{section}`` together with the slash before it. Without ``CMS_SITE_URL`` there is
no website to point at: every URL is None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from cms.core.ids import to_global_id
from settings import Settings

_PLACEHOLDER = re.compile(r"{([a-z]+)}")
_SAFE = "/-._~"


@dataclass(frozen=True, slots=True)
class SiteUrls:
    """How the website names its pages; made once from the settings (:meth:`of`)."""

    base: str | None
    """``CMS_SITE_URL`` without its trailing slash; None when it is not set."""
    article_path: str = "/{section}/{slug}"
    section_path: str = "/{path}"
    tag_path: str = "/tag/{slug}"
    author_path: str = "/author/{slug}"
    default_locale: str = "vi"
    """The locale whose pages have no ``/{locale}`` prefix (the first of ``CMS_LOCALES``)."""
    locales: tuple[str, ...] = ("vi",)
    """Every configured locale (``CMS_LOCALES``): the sitemaps list their articles."""

    @classmethod
    def of(cls, settings: Settings) -> SiteUrls:
        return cls(
            base=settings.site_url,
            default_locale=settings.default_locale,
            locales=tuple(settings.locales),
            article_path=settings.article_path,
            section_path=settings.section_path,
            tag_path=settings.tag_path,
            author_path=settings.author_path,
        )

    MISSING = "CMS_SITE_URL is not set: the website's address is needed for links"
    """What the feeds and sitemaps answer (404) without a site URL."""

    def absolute(self, path: str) -> str | None:
        """``path`` (starting with ``/``) on the website; None without a site URL."""
        return None if self.base is None else self.base + path

    def article(self, slug: str, pk: int, section_path: str | None, *, locale: str) -> str | None:
        """The article's canonical URL: ``section_path`` is its section's path (None: none),
        ``locale`` the language it is written in."""
        values = {
            "section": section_path or "",
            "slug": slug,
            "id": to_global_id("Article", pk),
            "locale": locale,
        }
        path = _fill(self.article_path, values)
        return self.absolute(path if self._placed(locale) else f"/{_encoded(locale)}{path}")

    def home(self, locale: str) -> str | None:
        """The home page in ``locale``: ``/`` for the default locale, else ``/{locale}/``."""
        default = locale == self.default_locale
        return self.absolute("/" if default else f"/{_encoded(locale)}/")

    def _placed(self, locale: str) -> bool:
        """Whether an article's path in ``locale`` needs no ``/{locale}`` prefix: the template
        places the locale itself, or it is the default one."""
        return locale == self.default_locale or "{locale}" in self.article_path

    def section(self, path: str, slug: str) -> str | None:
        """The section page's URL."""
        return self.absolute(_fill(self.section_path, {"path": path, "slug": slug}))

    def tag(self, slug: str) -> str | None:
        """The tag page's URL."""
        return self.absolute(_fill(self.tag_path, {"slug": slug}))

    def author(self, slug: str) -> str | None:
        """The author's page URL."""
        return self.absolute(_fill(self.author_path, {"slug": slug}))


def _fill(template: str, values: dict[str, str]) -> str:
    """The template with each placeholder replaced by its value, percent-encoded; an empty value
    takes the slash before it along (``/{section}/{slug}`` without a section: ``/{slug}``)."""

    def value(match: re.Match[str]) -> str:
        return _encoded(values[match.group(1)])

    path = _PLACEHOLDER.sub(value, template)
    path = re.sub(r"/{2,}", "/", path)
    return path if path == "/" else path.rstrip("/") if not template.endswith("/") else path


def _encoded(value: str) -> str:
    return quote(value, safe=_SAFE)
