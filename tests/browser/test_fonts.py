"""Vietnamese in the workbench's panes, in a real browser: the demo article's title, run in the
feed, shows in the result pane in JetBrains Mono, the font the workbench serves for the panes
(its Vietnamese subset fetched from the CMS), never in GraphiQL's Fira Code, which lacks most
Vietnamese letters. A screenshot of the title in the result pane is kept for review
(``tests/browser/output/<test>/``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.browser.conftest import Server
from tests.browser.test_workbench import READY, SAMPLE_TITLE, Story, guarded, until


async def test_the_demo_title_renders_in_the_panes_font(
    browser: Any, cms_server: Server, output: Path
) -> None:
    context, outside = await guarded(browser)
    page = await context.new_page()
    fonts: list[str] = []
    page.on(
        "requestfinished",
        lambda r: fonts.append(urlsplit(r.url).path) if r.url.endswith(".woff2") else None,
    )
    story = Story(page, cms_server, output)
    await page.goto(cms_server.url + "/graphql")
    await until(page, READY, seconds=30)
    answer = await story.run()
    assert SAMPLE_TITLE in [node["title"] for node in answer["data"]["articles"]["nodes"]]
    line = page.locator(".graphiql-response .CodeMirror-line", has_text=SAMPLE_TITLE).first
    await line.wait_for()
    await page.evaluate("document.fonts.ready.then(() => true)")
    family = await line.evaluate("element => getComputedStyle(element).fontFamily")
    assert family.startswith('"JetBrains Mono"'), family
    # Every letter of the title has a glyph in the font, with no fallback to another one.
    covered = await page.evaluate(
        "title => document.fonts.check('16px \"JetBrains Mono\"', title)", SAMPLE_TITLE
    )
    assert covered is True
    loaded = await page.evaluate(
        "[...document.fonts].filter(f => f.family.includes('JetBrains') && f.status === 'loaded')"
        ".length"
    )
    assert loaded >= 2  # latin and vietnamese subsets at least
    assert any("jetbrains-mono-vietnamese" in path for path in fonts), fonts
    await line.screenshot(path=output / "demo-title-in-result-pane.png")
    await story.shot("result-pane")
    print(f"screenshot: {output / 'demo-title-in-result-pane.png'}")
    assert outside == [] and story.errors == []
    assert await page.evaluate("window.__violations") == []
    await context.close()
