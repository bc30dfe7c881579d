"""The demo's English edition through the API, with English configured: the translation is read
in English with its section, tags and event named in English, linked to the Vietnamese original;
each locale's feed has its own article alone."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cms import demo
from cms.media.storage import LocalMediaStore
from cms.web.workbench.documents import DEMO_SLUG, DEMO_SLUG_EN, IN_ENGLISH
from tests.editing.helpers import post
from tests.factories import LIMITS

pytestmark = pytest.mark.database("sqlite", "postgres")

READ = """
query ($slug: String!, $locale: String) {
  article(slug: $slug, locale: $locale) {
    locale status title bodyText
    section { name }
    tags { name }
    event { name location host }
    translations { locale slug status }
  }
}
"""
FEED = "query ($locale: String) { articles(locale: $locale) { nodes { slug locale } } }"


async def _data(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> Any:
    body = await post(client, query, variables)
    assert "errors" not in body, body
    return body["data"]


async def test_the_demo_reads_in_english_beside_its_vietnamese_original(client, settings):
    await demo.load(LocalMediaStore(settings.media_root), LIMITS)

    english = (await _data(client, READ, {"slug": DEMO_SLUG_EN, "locale": "en"}))["article"]
    assert (english["locale"], english["status"]) == ("en", "PUBLISHED")
    assert english["title"].startswith("Mid-year review conference")
    assert english["bodyText"].startswith("On the afternoon of 19 July 2023")
    assert english["section"] == {"name": "Board activities"}
    assert english["tags"] == [{"name": "Industrial parks"}, {"name": "FDI enterprises"}]
    assert english["event"]["location"] == "Bắc Kạn Province"
    assert english["event"]["host"] == "Hoàng Văn Khởi, Deputy Head of the Board in charge"
    assert english["translations"] == [{"locale": "vi", "slug": DEMO_SLUG, "status": "PUBLISHED"}]
    # French is configured but has no texts: the default locale's, as fallback allows.
    original = (await _data(client, READ, {"slug": DEMO_SLUG}))["article"]
    assert original["section"] == {"name": "Hoạt động của Ban"}
    assert original["translations"] == [
        {"locale": "en", "slug": DEMO_SLUG_EN, "status": "PUBLISHED"}
    ]

    feeds = {
        locale: (await _data(client, FEED, {"locale": locale}))["articles"]["nodes"]
        for locale in ("vi", "en", "fr")
    }
    assert feeds == {
        "vi": [{"slug": DEMO_SLUG, "locale": "vi"}],
        "en": [{"slug": DEMO_SLUG_EN, "locale": "en"}],
        "fr": [],
    }
    # The workbench's ready-made translated read, as an editor opens it.
    read = (await _data(client, IN_ENGLISH.query, IN_ENGLISH.variables))["article"]
    assert (read["slug"], read["section"]) == (DEMO_SLUG_EN, {"name": "Board activities"})
    assert [t["locale"] for t in read["translations"]] == ["vi"]
