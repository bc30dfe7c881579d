"""The workbench's first visit, weighed as served (gzipped): the Compose panel adds at most
60 KB to it (issue 20), and uses the page's React rather than bringing its own."""

from __future__ import annotations

import re

import httpx
import pytest

from cms.web.workbench.page import SOURCES
from tests.graphiql.test_workbench import HTML, links

pytestmark = pytest.mark.database("sqlite", reason="pages and files: no database involved")

PANEL_BUDGET = 60 * 1024
"""Gzipped bytes the Compose panel (its script and style sheet) may add to a first visit."""
FIRST_VISIT_BUDGET = 720 * 1024
"""Gzipped bytes of every script and style sheet of a first visit (682 KB before the panel and
the font, measured 2026-12-07; 697 KB after)."""


async def _served(client: httpx.AsyncClient) -> dict[str, int]:
    """Each asset the page names (by its template name): its gzipped size as sent."""
    page = await client.get("/graphql", headers=HTML | {"accept-encoding": "gzip"})
    urls = [url for url in links(page.text).urls if url.startswith("/graphiql/")]
    sizes: dict[str, int] = {}
    for key, source in SOURCES.items():
        stem, suffix = source.rsplit("/", 1)[-1].rsplit(".", 1)
        [url] = [
            u
            for u in urls
            if re.fullmatch(rf"/graphiql/{re.escape(stem)}\.[0-9a-f]{{16}}\.{suffix}", u)
        ]
        answer = await client.get(url, headers={"accept-encoding": "gzip"})
        assert answer.headers["content-encoding"] == "gzip"
        sizes[key] = int(answer.headers["content-length"])
    return sizes


async def test_the_compose_panel_stays_within_its_budget(client: httpx.AsyncClient) -> None:
    sizes = await _served(client)
    panel = sizes["compose_js"] + sizes["compose_css"]
    assert 0 < panel <= PANEL_BUDGET, sizes
    assert sum(sizes.values()) <= FIRST_VISIT_BUDGET, sizes


async def test_the_panel_uses_the_pages_react(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers=HTML)
    scripts = [url for url in links(page.text).urls if url.endswith(".js")]
    assert sum("/react." in url for url in scripts) == 1  # one React on the page
    compose = next(url for url in scripts if "/compose." in url)
    source = (await client.get(compose)).text
    assert "React.createElement" in source and "react.production" not in source
    assert scripts.index(compose) < next(i for i, u in enumerate(scripts) if "/workbench." in u)
