"""Translate in the Compose panel, in a real browser, with English configured beside Vietnamese
(``CMS_LOCALES=vi,en``): an editor opens a Vietnamese article, chooses ``en`` and presses
Translate; the English draft opens with the original beside it, read-only, block by block (each
paragraph and the figure's caption next to its editable copy, side by side: the pane widens for
it); the editor translates the title and the first paragraph and saves; the API then has the
English draft linked to its original, its figure's photos the original's. axe-core finds no
serious or critical violation with the original beside the form. A screenshot goes to
``tests/browser/output/<test>/``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.axe import serious_violations
from tests.browser.conftest import EDITOR_EMAIL, EDITOR_PASSWORD, Server, serving
from tests.browser.test_compose import _token, signed_in, status

TITLE = "Ban Quản lý làm việc với nhà đầu tư Nhật Bản"
FIRST = "Sáng ngày 5/12, Ban Quản lý các khu công nghiệp tỉnh Bắc Kạn làm việc với nhà đầu tư."
CAPTION = "Toàn cảnh buổi làm việc"
SECOND = "Hai bên trao đổi về hạ tầng khu công nghiệp Thanh Bình."
TITLE_EN = "The Board meets Japanese investors"
FIRST_EN = "On the morning of 5 December, the Management Board met investors from Japan."

CREATE = """mutation ($input: ArticleCreateInput!) { articleCreate(input: $input) {
  __typename ... on ArticleCreateSuccess { article { id slug } } ... on UserError { message } } }"""
PHOTO = "{ images(first: 1) { nodes { id } } }"
READ = """query ($slug: String!, $locale: String) { article(slug: $slug, locale: $locale) {
  id locale status title version translations { id locale status }
  body { __typename ... on ParagraphBlock { text } ... on FigureBlock { caption images { id } } }
} }"""


@pytest.fixture(scope="module")
async def bilingual(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    """The CMS as ``cms_server`` runs it, with English configured beside Vietnamese."""
    async with serving(tmp_path_factory.mktemp("cms"), CMS_LOCALES="vi,en") as server:
        yield server


async def _api(server: Server, token: str, query: str, variables: dict[str, Any]) -> Any:
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
        )
    body = answer.json()
    assert "errors" not in body, body
    return body["data"]


async def _vietnamese_article(server: Server, token: str) -> dict[str, Any]:
    """A Vietnamese draft: a paragraph, a figure of one of the demo's photos, a paragraph."""
    [photo] = (await _api(server, token, PHOTO, {}))["images"]["nodes"]
    body = [
        {"paragraph": {"text": FIRST}},
        {"figure": {"imageIds": [photo["id"]], "caption": CAPTION}},
        {"paragraph": {"text": SECOND}},
    ]
    given = {"title": TITLE, "summary": "Làm việc với nhà đầu tư.", "body": body}
    made = (await _api(server, token, CREATE, {"input": given}))["articleCreate"]
    assert made["__typename"] == "ArticleCreateSuccess", made
    article: dict[str, Any] = made["article"]
    return article | {"photo": photo["id"]}


async def test_translate_opens_the_draft_beside_its_original(
    browser: Any, bilingual: Server, output: Path
) -> None:
    token = await _token(bilingual, EDITOR_EMAIL, EDITOR_PASSWORD)
    original = await _vietnamese_article(bilingual, token)
    story = await signed_in(browser, bilingual, output, (EDITOR_EMAIL, EDITOR_PASSWORD))
    page = story.page
    listed = page.get_by_role("list", name="Drafts, scheduled and recent articles")
    await listed.get_by_role("button", name=TITLE).click()
    await status(page, "Saved · version 1")
    languages = page.get_by_role("region", name="Languages")
    assert "Language: vi" in await languages.inner_text()

    await languages.get_by_label("Translate into").select_option("en")
    await languages.get_by_role("button", name="Translate").click()

    await page.get_by_test_id("article-locale").filter(has_text="Language: en").wait_for()
    await status(page, "Saved · version 1")
    assert await page.locator("form[aria-label=Article]").get_attribute("lang") == "en"
    # The texts are the original's, to translate; the original beside them, block by block.
    assert await page.get_by_label("Title", exact=True).input_value() == TITLE
    title_beside = page.get_by_role("note", name="Title, original (vi)")
    assert TITLE in await title_beside.inner_text()
    blocks = page.locator(".cms-block")
    assert await blocks.count() == 3
    pairs = [
        (0, FIRST, "textarea"),
        (1, CAPTION, "input"),  # the figure: its caption beside the editable caption
        (2, SECOND, "textarea"),
    ]
    for index, text, field in pairs:
        block = blocks.nth(index)
        beside = block.locator("[data-testid=original]")
        assert text in await beside.inner_text()
        assert await beside.locator("p").first.get_attribute("lang") == "vi"
        assert await block.locator(f".cms-beside-edit {field}").first.input_value() == text
        # Read-only: the original is text, no field of the form.
        assert await beside.locator("input, textarea, select").count() == 0
    first_box = await blocks.nth(0).locator("[data-testid=original]").bounding_box()
    first_field = await blocks.nth(0).locator(".cms-beside-edit textarea").bounding_box()
    assert first_box and first_field
    # Side by side: the pane widens for it (the original left of its copy, on the same row).
    assert first_box["x"] + first_box["width"] <= first_field["x"]
    assert first_box["y"] < first_field["y"] + first_field["height"]
    assert first_field["y"] < first_box["y"] + first_box["height"]
    assert await serious_violations(page) == []

    await page.get_by_label("Title", exact=True).fill(TITLE_EN)
    await blocks.nth(0).locator("textarea").fill(FIRST_EN)
    await story.shot("compose-translate")
    await page.get_by_role("button", name="Save draft").click()
    await status(page, "Saved · version 2")

    read = await _api(bilingual, token, READ, {"slug": original["slug"], "locale": "vi"})
    source = read["article"]
    [link] = source["translations"]
    assert (link["locale"], link["status"]) == ("en", "DRAFT")
    by_id = """query ($id: ID!) { article(id: $id) { locale title version
      translations { id locale }
      body { __typename ... on ParagraphBlock { text }
             ... on FigureBlock { caption images { id } } } } }"""
    translated = (await _api(bilingual, token, by_id, {"id": link["id"]}))["article"]
    assert (translated["locale"], translated["title"], translated["version"]) == (
        "en",
        TITLE_EN,
        2,
    )
    assert translated["translations"] == [{"id": source["id"], "locale": "vi"}]
    assert translated["body"] == [
        {"__typename": "ParagraphBlock", "text": FIRST_EN},
        {"__typename": "FigureBlock", "caption": CAPTION, "images": [{"id": original["photo"]}]},
        {"__typename": "ParagraphBlock", "text": SECOND},
    ]
    assert source["title"] == TITLE and source["body"][0]["text"] == FIRST  # untouched
    # Both versions exist now: Translate offers nothing more for this story.
    assert await languages.get_by_label("Translate into").count() == 0

    # The list shows one locale at a time: the English draft among the English articles.
    await page.get_by_role("button", name="Back to the list").click()
    await page.get_by_label("Language").select_option("en")
    listed = page.get_by_role("list", name="Drafts, scheduled and recent articles")
    await listed.get_by_role("button", name=TITLE_EN).wait_for()
    assert await listed.get_by_role("button", name=TITLE, exact=True).count() == 0
    assert story.errors == [] and story.outside == []  # type: ignore[attr-defined]
    await page.context.close()
