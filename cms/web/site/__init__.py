"""The website's feeds and sitemaps over HTTP (:mod:`cms.web.site.pages`)."""

from cms.web.site.pages import feed_routes

__all__ = ["feed_routes"]
