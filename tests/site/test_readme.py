"""The README's RSS item ("Feeds and sitemaps") is what the demo's feed says, as written (the
parts cut short there, marked ``…``, aside)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import httpx
import pytest
from asgi_lifespan import LifespanManager

from cms import demo
from cms.app import create_app
from cms.media.storage import LocalMediaStore
from settings import Settings
from tests.editing.test_readme import code, section
from tests.factories import LIMITS

pytestmark = pytest.mark.database("sqlite", "postgres")


async def test_the_readme_rss_item_is_the_demos(settings: Settings):
    (documented,) = code(section("Site structure"), "xml")
    pattern = ".*?".join(re.escape(part) for part in documented.strip().split("…"))
    shown = settings.model_copy(update={"public_url": "https://cms.kcn.example.vn"})
    app = create_app(shown)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
        await demo.load(LocalMediaStore(settings.media_root), LIMITS)
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            response = await client.get("/rss.xml")
    root = ET.fromstring(response.content)
    item = root.find("channel/item")
    assert item is not None
    ET.indent(item)
    found = re.search(r"<item>.*</item>", ET.tostring(root, encoding="unicode"), re.DOTALL)
    assert found is not None
    assert re.fullmatch(pattern, found.group(0), re.DOTALL), found.group(0)
