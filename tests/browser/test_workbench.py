"""The editors' workbench in a real browser: the issue's "Done when", step by step.

A headless Chromium opens GraphiQL on a real ``cms serve`` (with the demo content and an editor
made by ``cms user create``), signs in, runs the feed, uploads a JPEG with a Vietnamese caption
typed partly in NFD, creates and publishes a draft with that photo in a figure, signs out and
finds the article in the anonymous feed. Every request that leaves 127.0.0.1 is recorded (and
refused): there must be none. Screenshots of each step, and the page's measured weight and time
to interactive (``metrics.json``), go to ``tests/browser/output/<test>/``.

The server has its own SQLite file: the API's behaviour on both databases is the API tests' work.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import PIL.Image

import cms.demo
from cms.importer.parser import parse
from cms.web.workbench.page import SOURCES
from tests.browser.conftest import EDITOR_EMAIL, EDITOR_NAME, EDITOR_PASSWORD, Server

SAMPLE_TITLE = parse((Path(cms.demo.__file__).parent / "article.txt").read_text()).title
TITLE = "Doanh nghiệp đề xuất tháo gỡ khó khăn về mặt bằng"
CAPTION = (
    "Toàn cảnh "
    + unicodedata.normalize("NFD", "Hội nghị sơ kết 6 tháng đầu năm")  # as macOS types it
    + " tại Bắc Kạn"
)
READY = "document.documentElement.dataset.schema === 'ready'"
RESULT = "document.querySelector('.graphiql-response .CodeMirror').CodeMirror"
EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
CSP_WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__violations.push(e.violatedDirective + " " + e.blockedURI));
"""


async def until(page: Any, expression: str, seconds: float = 10.0) -> None:
    """Wait for a JavaScript expression to be true. (Playwright's ``wait_for_function`` evaluates
    strings with ``eval``, which the page's policy forbids, rightly; ``evaluate`` is not
    subject to it.)"""
    async with asyncio.timeout(seconds):
        for _ in itertools.count():
            if await page.evaluate(expression):
                return
            await asyncio.sleep(0.05)


def _graphql_post(message: Any) -> bool:
    """Whether a request (or a response's request) is a POST to ``/graphql``."""
    request = getattr(message, "request", message)
    return bool(urlsplit(request.url).path == "/graphql" and request.method == "POST")


class Story:
    """One browser tab through the workbench, with what the test watches for."""

    def __init__(self, page: Any, server: Server, output: Path) -> None:
        self.page = page
        self.server = server
        self.output = output
        self.shots = 0
        self.graphql: list[dict[str, Any]] = []  # each request to /graphql: method, headers
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", self._saw)

    def _saw(self, request: Any) -> None:
        if _graphql_post(request):
            body = (request.post_data_buffer or b"").decode("utf-8", errors="replace")
            self.graphql.append({"headers": request.headers, "body": body})

    async def shot(self, name: str) -> None:
        self.shots += 1
        await self.page.screenshot(path=self.output / f"{self.shots:02d}-{name}.png")

    async def run(self, *, refused: bool = False) -> dict[str, Any]:
        """Run the active tab's operation; its answer, once the result pane has it (with
        ``data``, unless the request is to be ``refused``)."""
        await self.page.evaluate(f"{RESULT}.setValue('')")  # to see the new answer arrive
        async with self.page.expect_response(_graphql_post):
            await self.page.locator(".graphiql-execute-button").click()
        await until(self.page, f"{RESULT}.getValue().trim().startsWith('{{')")
        answer: dict[str, Any] = json.loads(await self.page.evaluate(f"{RESULT}.getValue()"))
        assert ("data" not in answer) == refused, answer
        return answer

    async def set_variables(self, variables: dict[str, Any]) -> None:
        """Replace the active tab's variables as an editor would: select all, paste."""
        editor = self.page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden)")
        await editor.locator(".CodeMirror").click()
        await self.page.keyboard.press("Control+A")
        await self.page.keyboard.insert_text(json.dumps(variables, ensure_ascii=False))

    async def panel(self, title: str) -> None:
        button = self.page.get_by_role("button", name=f"Show {title}")
        if await button.count():
            await button.click()


async def guarded(browser: Any) -> tuple[Any, list[str]]:
    """A browser context where every request that leaves 127.0.0.1 is recorded (the list) and
    refused, and the page's policy violations are collected (``window.__violations``)."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    outside: list[str] = []

    async def only_localhost(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_localhost)
    await context.add_init_script(CSP_WATCH)
    return context, outside


def jpeg(path: Path) -> Path:
    picture = PIL.Image.new("RGB", (1200, 800), (30, 110, 160))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85)
    path.write_bytes(out.getvalue())
    return path


async def test_an_editors_day_in_the_workbench(browser, cms_server: Server, output, tmp_path):
    context, outside = await guarded(browser)
    page = await context.new_page()
    story = Story(page, cms_server, output)

    # The landing page links to GraphiQL; GraphiQL loads, cold, with nothing from elsewhere.
    await page.goto(cms_server.url + "/")
    await story.shot("landing")
    await page.get_by_role("link", name="GraphiQL").click()
    await until(page, READY, seconds=30)
    await story.shot("graphiql")

    # Sign in as the editor: who and which role are shown; the token is in sessionStorage only.
    await story.panel("Account")
    form = page.get_by_test_id("sign-in")
    await form.get_by_label("Email").fill(EDITOR_EMAIL)
    await form.get_by_label("Password").fill(EDITOR_PASSWORD)
    await form.get_by_role("button", name="Sign in").click()
    await page.get_by_test_id("role").wait_for()
    who = await page.get_by_test_id("who").inner_text()
    assert EDITOR_NAME in who and EDITOR_EMAIL in who
    assert await page.get_by_test_id("role").inner_text() == "EDITOR"
    stored = json.loads(await page.evaluate("sessionStorage.getItem('cms.workbench.session')"))
    token = stored["token"]
    assert await page.evaluate("document.cookie") == ""
    assert await context.cookies() == []
    assert token not in await page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    await until(page, READY)
    await story.shot("signed-in")

    # The feed query (the first tab) shows the sample article's title, asked with the token.
    signed_in_from = len(story.graphql)
    answer = await story.run()
    titles = [node["title"] for node in answer["data"]["articles"]["nodes"]]
    assert SAMPLE_TITLE in titles
    await page.locator(".graphiql-response").get_by_text(SAMPLE_TITLE).wait_for()
    await story.shot("feed")

    # A photo with a Vietnamese caption, part of it decomposed (NFD): its thumbnail shows, and
    # the caption comes back composed (NFC), as typed.
    await story.panel("Photos")
    photo = jpeg(tmp_path / "Hội nghị sơ kết.jpg")
    await page.get_by_test_id("photo-files").set_input_files(photo)
    await page.get_by_label("Alt text").fill("Đại biểu dự hội nghị")
    await page.get_by_label("Caption").fill(CAPTION)
    await page.get_by_label("Credit").fill("Ảnh: Ban Quản lý các KCN")
    await page.get_by_test_id("upload").click()
    uploaded = page.get_by_test_id("uploaded").first
    thumbnail = uploaded.locator("img")
    await thumbnail.wait_for()
    await until(
        page,
        "() => { const img = document.querySelector('[data-testid=uploaded] img');"
        " return img && img.complete && img.naturalWidth > 0; }",
    )
    assert await thumbnail.evaluate("img => img.naturalWidth") == 320
    image_id = await uploaded.get_by_test_id("image-id").inner_text()
    shown = await uploaded.get_by_test_id("image-caption").inner_text()
    assert shown == unicodedata.normalize("NFC", CAPTION) and shown != CAPTION
    upload = next(r for r in story.graphql if "imagesUpload" in r["body"])
    assert upload["headers"]["apollo-require-preflight"] == "true"
    await story.shot("photo-uploaded")

    # A draft with the photo in a figure ("New draft with it" opens the document), published.
    await uploaded.get_by_test_id("new-draft").click()
    await until(page, f"{EDITOR}.getValue().includes('mutation CreateDraft')")
    figure = {"imageIds": [image_id], "caption": unicodedata.normalize("NFC", CAPTION)}
    await story.set_variables(
        {
            "title": TITLE,
            "summary": "Các nhà đầu tư kiến nghị tại hội nghị gặp mặt doanh nghiệp.",
            "body": [
                {"paragraph": {"text": "Nhiều doanh nghiệp đề xuất tháo gỡ khó khăn."}},
                {"figure": figure},
            ],
        }
    )
    created = (await story.run())["data"]["articleCreate"]["article"]
    assert created["status"] == "DRAFT"
    await story.shot("draft-created")

    await story.panel("Documents")
    await page.locator("[data-document=Publish]").click()
    await until(page, f"{EDITOR}.getValue().includes('mutation Publish')")
    await story.set_variables({"id": created["id"], "version": created["version"], "at": None})
    published = (await story.run())["data"]["articlePublish"]["article"]
    assert published["status"] == "PUBLISHED"
    await story.shot("published")

    # Every request made while signed in carried the token as a bearer token.
    for sent in story.graphql[signed_in_from:]:
        assert sent["headers"].get("authorization") == f"Bearer {token}"

    # Sign out: logout is called, the token is forgotten, the bar says so.
    signed_out_from = len(story.graphql)
    await page.get_by_test_id("sign-out").click()
    await page.get_by_role("button", name="Sign in").first.wait_for()
    assert "Not signed in" in await page.get_by_test_id("who").inner_text()
    assert "logout" in story.graphql[signed_out_from]["body"]
    assert await page.evaluate("sessionStorage.getItem('cms.workbench.session')") is None
    await story.shot("signed-out")

    # The anonymous feed (the first tab again) has the new article first.
    await page.locator(".graphiql-tab").first.click()
    await until(page, READY)
    anonymous_from = len(story.graphql)
    feed = await story.run()
    assert feed["data"]["articles"]["nodes"][0]["title"] == TITLE
    assert all("authorization" not in r["headers"] for r in story.graphql[anonymous_from:])
    await page.locator(".graphiql-response").get_by_text(TITLE).wait_for()
    await story.shot("anonymous-feed")
    await anonymous_figure(cms_server, image_id)

    # Nothing left 127.0.0.1, nothing broke the page's policy, no script failed.
    assert outside == []
    assert await page.evaluate("window.__violations") == []
    assert story.errors == []
    await context.close()


async def test_an_api_token_and_a_session_that_ends_elsewhere(browser, cms_server, output):
    """A pasted API token shows its name and role (``viewer`` is null for tokens); a session
    ended outside the page (here by ``logout`` from another client) signs the page out at its
    next request, saying so."""
    secret = (
        await cms_server.cms("token", "create", "--name", "website build", "--role", "author")
    ).strip()
    context, outside = await guarded(browser)
    page = await context.new_page()
    story = Story(page, cms_server, output)
    await page.goto(cms_server.url + "/graphql")
    await until(page, READY, seconds=30)
    await story.panel("Account")
    by_token = page.get_by_test_id("use-token")
    await by_token.get_by_label("Or an API token").fill(secret)
    await by_token.get_by_role("button", name="Use this token").click()
    await page.get_by_test_id("role").wait_for()
    assert "website build" in await page.get_by_test_id("who").inner_text()
    assert await page.get_by_test_id("role").inner_text() == "AUTHOR"
    await story.shot("api-token")
    await page.get_by_test_id("sign-out").click()
    await page.get_by_text("Signed out.").wait_for()
    assert await api(cms_server, "{ viewer { name } }", secret) == {"viewer": None}  # still valid

    assert await by_token.get_by_label("Or an API token").input_value() == ""  # not kept
    form = page.get_by_test_id("sign-in")
    await form.get_by_label("Email").fill(EDITOR_EMAIL)
    await form.get_by_label("Password").fill(EDITOR_PASSWORD)
    await form.get_by_role("button", name="Sign in").click()
    await page.get_by_test_id("role").wait_for()
    token = json.loads(await page.evaluate("sessionStorage.getItem('cms.workbench.session')"))
    assert await api(cms_server, "mutation { logout }", token["token"]) == {"logout": True}
    assert (await story.run(refused=True))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    await page.get_by_text("Your session has ended").wait_for()
    assert "Not signed in" in await page.get_by_test_id("who").inner_text()
    assert await page.evaluate("sessionStorage.getItem('cms.workbench.session')") is None
    await story.shot("session-ended")
    assert story.errors == [] and outside == []
    assert await page.evaluate("window.__violations") == []
    await context.close()


async def api(server: Server, query: str, token: str) -> dict[str, Any]:
    """A GraphQL request from outside the browser, with a bearer token."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = await client.post(
            "/graphql", json={"query": query}, headers={"authorization": f"Bearer {token}"}
        )
    data: dict[str, Any] = answer.json()["data"]
    return data


async def test_the_pages_weight_and_time_to_interactive(browser, cms_server: Server, output):
    """Measured on a first visit and a second one (no request routing here: Playwright's turns
    the browser's cache off), with every request's host recorded: 127.0.0.1 only. The second
    visit takes every asset from the cache (hashed names, immutable)."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    hosts: set[str | None] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname))
    metrics = {}
    for visit in ("first", "second"):
        await page.goto(cms_server.url + "/graphql")
        await until(page, READY, seconds=30)
        metrics[visit] = await measure(page)
    await context.close()
    (output / "metrics.json").write_text(json.dumps(metrics, indent=2))
    print(json.dumps(metrics, indent=2))  # for the record (pytest -s)
    assert hosts == {"127.0.0.1"}
    assert metrics["first"]["assets"] == len(SOURCES)
    assert metrics["first"]["fonts"] <= 3  # JetBrains Mono's subsets, as the panes' text needs
    assert metrics["first"]["asset_bytes_transferred"] > 0
    assert metrics["second"]["asset_bytes_transferred"] == 0


async def measure(page: Any) -> dict[str, Any]:
    """The page's weight (bytes over the wire, and decoded) and its time to interactive: from
    the start of the navigation to GraphiQL having the schema (editors, docs and explorer work),
    by the Performance API."""
    numbers: dict[str, Any] = await page.evaluate(
        """() => {
          const nav = performance.getEntriesByType("navigation")[0];
          const ours = performance.getEntriesByType("resource")
            .filter((e) => new URL(e.name).pathname.startsWith("/graphiql/"));
          const fonts = ours.filter((e) => e.name.endsWith(".woff2"));
          const assets = ours.filter((e) => !e.name.endsWith(".woff2"));
          const sum = (list, key) => list.reduce((total, e) => total + e[key], 0);
          const ready = performance.getEntriesByName("cms-workbench-ready")[0];
          return {
            page_bytes_transferred: nav.transferSize,
            asset_bytes_transferred: sum(assets, "transferSize"),
            asset_bytes_decoded: sum(assets, "decodedBodySize"),
            assets: assets.length,
            fonts: fonts.length,
            font_bytes_transferred: sum(fonts, "transferSize"),
            dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd),
            load_ms: Math.round(nav.loadEventEnd),
            interactive_ms: Math.round(ready.startTime),
          };
        }"""
    )
    numbers["total_bytes_transferred"] = (
        numbers["page_bytes_transferred"]
        + numbers["asset_bytes_transferred"]
        + numbers["font_bytes_transferred"]
    )
    return numbers


async def anonymous_figure(server: Server, image_id: str) -> None:
    """The published article's figure, read anonymously: the uploaded photo, NFC caption."""
    query = """{ articles(first: 1) { nodes {
      body { ... on FigureBlock { caption images { id } } } } } }"""
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = (await client.post("/graphql", json={"query": query})).json()
    blocks = answer["data"]["articles"]["nodes"][0]["body"]
    figure = next(block for block in blocks if block)
    assert figure == {
        "caption": unicodedata.normalize("NFC", CAPTION),
        "images": [{"id": image_id}],
    }
