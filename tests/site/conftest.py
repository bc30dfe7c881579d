"""Fixtures of the feed and sitemap tests: a site URL, a publisher, a small sitemap size."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cms.core import clock
from settings import Settings
from tests.editing.helpers import FakeClock
from tests.factories import Factory

SITE = "https://kcn.example.vn"
PUBLISHER = "Ban Quản lý các KCN"
SITEMAP_URLS = 3
"""URLs per sitemap in these tests, so that a month of four articles is split."""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"site_url": SITE, "publisher_name": PUBLISHER, "sitemap_max_urls": SITEMAP_URLS}
    )


@pytest.fixture
def factory(settings: Settings) -> Factory:
    return Factory(settings.media_root)


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """``clock.now()`` stands still at the real now until moved."""
    fake = FakeClock(datetime.now(UTC).replace(microsecond=0))
    monkeypatch.setattr(clock, "now", fake.now)
    return fake
