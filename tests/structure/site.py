"""Settings with a website (``CMS_SITE_URL``, the publisher): for the tests of URLs and JSON-LD."""

from __future__ import annotations

from settings import Settings

SITE = "https://kcn.example.vn"
LOGO = "https://kcn.example.vn/logo.png"


def with_site(settings: Settings) -> Settings:
    """``settings`` with the website of the demo portal."""
    return settings.model_copy(
        update={
            "site_url": SITE,
            "publisher_name": "Ban Quản lý các KCN tỉnh",
            "publisher_logo_url": LOGO,
        }
    )
