"""The Compose panel in a real browser, as the issue's "Done when" says: an editor writes a
Vietnamese article with two paragraphs and a figure of two photos uploaded in the panel, saves,
reloads without saving a later change and gets it back, publishes, and the anonymous feed has
it with the exact NFC text; two editors on one article: the second save gets the conflict
choice and ``Keep mine`` keeps both changes (in the body too, block by block), ``Take theirs``
takes theirs; an author sees no ``Publish``; the pickers (authors, event, section, cover, tags
with their autocomplete) save what they pick; the watch on the open article reconnects.
axe-core finds no serious or critical violation with the panel open. Screenshots (empty, with
a figure, in conflict) go to ``tests/browser/output/<test>/``.
"""

from __future__ import annotations

import asyncio
import io
import json
import unicodedata
from pathlib import Path
from typing import Any

import httpx
import PIL.Image

from tests.browser.axe import serious_violations
from tests.browser.conftest import EDITOR_EMAIL, EDITOR_NAME, EDITOR_PASSWORD, Server, cms_command
from tests.browser.test_workbench import EDITOR, READY, SAMPLE_TITLE, Story, guarded, until

TITLE = "Hội nghị sơ kết 6 tháng đầu năm của Ban Quản lý các khu công nghiệp"
SUMMARY = "Gặp mặt doanh nghiệp, nhà đầu tư; triển khai nhiệm vụ 6 tháng cuối năm."
FIRST = "Chiều ngày 19/7/2023, Ban Quản lý các khu công nghiệp tỉnh Bắc Kạn tổ chức hội nghị."
SECOND = "Đồng chí Hoàng Văn Khởi, Phó Trưởng Ban phụ trách, chủ trì hội nghị."
CAPTION = "Toàn cảnh hội nghị sơ kết"
LATER = " Bản sửa sau."
VARIABLES = (
    "document.querySelector('.graphiql-editor-tool .graphiql-editor .CodeMirror').CodeMirror"
)
SECOND_EDITOR = ("thu-ky@baobackan.example", "Minh Thư ký", "một mật khẩu khác đủ dài")
AUTHOR = ("phong-vien@baobackan.example", "Hà Phóng viên", "mật khẩu phóng viên đủ dài")


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def photo(path: Path, n: int) -> Path:
    """A JPEG of its own colour (the CMS keeps one copy of identical files)."""
    out = io.BytesIO()
    PIL.Image.new("RGB", (1200, 800), (30 * n, 110, 160)).save(out, format="JPEG", quality=85)
    path.write_bytes(out.getvalue())
    return path


SOCKETS = """(() => {
  const Opened = window.WebSocket;
  window.__sockets = [];
  window.__subscribed = 0;
  window.WebSocket = function (...args) {
    const socket = new Opened(...args);
    // window.__refuse: new sockets are closed as soon as they open (the server dropping them).
    socket.addEventListener("open", () => window.__refuse && socket.close());
    const send = socket.send.bind(socket);
    socket.send = (data) => {
      if (String(data).includes('"subscribe"')) window.__subscribed += 1;
      send(data);
    };
    window.__sockets.push(socket);
    return socket;
  };
  window.WebSocket.prototype = Opened.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
})();"""
"""Every WebSocket the page opens, kept in ``window.__sockets`` (to drop them from the test), and
how many subscriptions it has sent (``window.__subscribed``)."""


async def signed_in(
    browser: Any, server: Server, output: Path, who: tuple[str, str], *, sockets: bool = False
) -> Story:
    """A tab on the workbench, signed in as ``who`` (email, password), the Compose panel open;
    with ``sockets``, its WebSockets are kept in ``window.__sockets``."""
    context, outside = await guarded(browser)
    if sockets:
        await context.add_init_script(SOCKETS)
    page = await context.new_page()
    story = Story(page, server, output)
    story.outside = outside  # type: ignore[attr-defined]
    await page.goto(server.url + "/graphql")
    await until(page, READY, seconds=30)
    await story.panel("Account")
    form = page.get_by_test_id("sign-in")
    await form.get_by_label("Email").fill(who[0])
    await form.get_by_label("Password").fill(who[1])
    await form.get_by_role("button", name="Sign in").click()
    await page.get_by_test_id("role").wait_for()
    await until(page, READY)
    await story.panel("Compose")
    await page.get_by_role("button", name="New article").wait_for()
    return story


async def status(page: Any, text: str) -> None:
    """Wait for the status line to say ``text`` (failing with what it says instead)."""
    line = page.get_by_test_id("compose-status")
    try:
        await line.filter(has_text=text).wait_for(timeout=15000)
    except Exception as error:
        raise AssertionError(f"status: {await line.inner_text()!r}, not {text!r}") from error


async def api(server: Server, query: str, variables: dict[str, Any] | None = None) -> Any:
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    return answer.json()["data"]


async def test_an_editor_writes_illustrates_and_publishes(
    browser: Any, cms_server: Server, output: Path, tmp_path: Path
) -> None:
    story = await signed_in(browser, cms_server, output, (EDITOR_EMAIL, EDITOR_PASSWORD))
    page = story.page
    listed = page.get_by_role("list", name="Drafts, scheduled and recent articles")
    await listed.get_by_role("button", name=SAMPLE_TITLE).wait_for()  # the demo's article
    await story.shot("compose-empty")
    assert await serious_violations(page) == []

    await page.get_by_role("button", name="New article").click()
    title = page.get_by_label("Title", exact=True)
    await title.click()
    await page.keyboard.insert_text(nfd(TITLE))  # typed decomposed, as macOS may
    assert await page.get_by_label("Slug").input_value() == (
        "hoi-nghi-so-ket-6-thang-dau-nam-cua-ban-quan-ly-cac-khu-cong-nghiep"
    )
    await page.get_by_label("Summary").fill(SUMMARY)
    for text in (FIRST, SECOND):
        await page.get_by_role("button", name="Add paragraph").click()
        await page.get_by_label("Paragraph").last.fill(text)
    await page.get_by_role("button", name="Add figure").click()
    # Saved with an empty figure: the error marks that block, with the field's path.
    await page.get_by_role("button", name="Save draft").click()
    await status(page, "Not saved:")
    marked = page.locator("[data-type=figure].cms-invalid [role=alert]")
    await marked.wait_for()
    assert (await marked.get_attribute("data-field") or "").startswith("body.2.figure")
    photos = [photo(tmp_path / f"hoi-nghi-{n}.jpg", n) for n in (1, 2)]
    await page.get_by_label("Upload photos").set_input_files(photos)
    await page.get_by_label("Alt text for hoi-nghi-1.jpg").fill("Đại biểu dự hội nghị")
    await page.get_by_label("Alt text for hoi-nghi-2.jpg").fill("Toàn cảnh hội trường")
    await page.get_by_label("Caption").fill(CAPTION)
    await page.get_by_role("button", name="Upload 2 photos").click()
    figure = page.locator("[data-type=figure] .cms-figure-photos img")
    await until(
        page, "document.querySelectorAll('[data-type=figure] .cms-figure-photos img').length === 2"
    )
    assert await figure.count() == 2
    await until(
        page,
        "[...document.querySelectorAll('[data-type=figure] img')]"
        ".every((img) => img.complete && img.naturalWidth > 0)",
    )
    await page.locator("[data-type=figure]").scroll_into_view_if_needed()
    await story.shot("compose-with-figure")

    await page.get_by_role("button", name="Save draft").click()
    await status(page, "Saved · version 1")
    assert await page.locator(".cms-invalid").count() == 0

    # The form teaches the API: the save just sent, in a GraphiQL tab with its variables.
    await page.get_by_role("button", name="Show as GraphQL").click()
    await until(page, f"{EDITOR}.getValue().includes('mutation ComposeCreate')")
    sent = json.loads(await page.evaluate(f"{VARIABLES}.getValue()"))
    assert sent["input"]["title"] == unicodedata.normalize("NFC", TITLE)
    assert len(sent["input"]["body"]) == 3

    # A later change, not saved (the tab reloads before autosave): it comes back, with a notice.
    summary = page.get_by_label("Summary")
    await summary.click()
    await page.keyboard.press("End")
    await page.keyboard.insert_text(LATER)
    await page.reload()
    await until(page, READY, seconds=30)
    await story.panel("Compose")
    await page.get_by_test_id("compose-notice").filter(has_text="Unsaved changes").wait_for()
    assert await page.get_by_label("Summary").input_value() == SUMMARY + LATER
    await page.get_by_role("button", name="Save draft").click()
    await status(page, "Saved · version 2")

    await page.get_by_role("button", name="Publish", exact=True).click()
    await page.get_by_role("button", name="Unpublish").wait_for()
    assert await serious_violations(page) == []

    feed = await api(
        cms_server,
        """{ articles(first: 1) { nodes { title summary status
          body { __typename ... on ParagraphBlock { text }
                 ... on FigureBlock { caption images { alt } } } } } }""",
    )
    article = feed["articles"]["nodes"][0]
    assert article["title"] == TITLE and article["title"] == unicodedata.normalize("NFC", TITLE)
    assert article["summary"] == SUMMARY + LATER
    assert article["status"] == "PUBLISHED"
    assert article["body"] == [
        {"__typename": "ParagraphBlock", "text": FIRST},
        {"__typename": "ParagraphBlock", "text": SECOND},
        {
            "__typename": "FigureBlock",
            "caption": CAPTION,
            "images": [{"alt": "Đại biểu dự hội nghị"}, {"alt": "Toàn cảnh hội trường"}],
        },
    ]
    assert story.errors == [] and story.outside == []  # type: ignore[attr-defined]
    assert await page.evaluate("window.__violations") == []
    await page.context.close()


async def test_two_editors_the_second_save_gets_the_choice_and_keeps_both(
    browser: Any, cms_server: Server, output: Path
) -> None:
    email, _, password = SECOND_EDITOR
    await _user(cms_server, SECOND_EDITOR, "editor")
    first = await signed_in(browser, cms_server, output, (EDITOR_EMAIL, EDITOR_PASSWORD))
    await first.page.get_by_role("button", name="New article").click()
    await first.page.get_by_label("Title", exact=True).fill("Bản tin chiều")
    await first.page.get_by_role("button", name="Save draft").click()
    await status(first.page, "Saved · version 1")

    second = await signed_in(browser, cms_server, output, (email, password))
    await second.page.get_by_label("Search articles").fill("ban tin chieu")
    await second.page.get_by_role("button", name="Bản tin chiều").click()
    await status(second.page, "version 1")

    await first.page.get_by_label("Title", exact=True).fill("Bản tin chiều nay")
    await first.page.get_by_role("button", name="Save draft").click()
    await status(first.page, "Saved · version 2")
    notice = second.page.get_by_test_id("compose-notice")
    await notice.filter(has_text=f"Changed by {EDITOR_NAME} at").wait_for(timeout=15000)

    await second.page.get_by_label("Summary").fill("Tóm tắt của thư ký")
    await second.page.get_by_role("button", name="Save draft").click()
    conflict = second.page.get_by_test_id("conflict")
    await conflict.wait_for()
    assert "They changed: Title" in await conflict.inner_text()
    assert "You changed: Summary" in await conflict.inner_text()
    await second.shot("compose-conflict")
    await second.page.get_by_role("button", name="Keep mine").click()
    await status(second.page, "Saved · version 3")
    assert await second.page.get_by_label("Title", exact=True).input_value() == "Bản tin chiều nay"

    token = await _token(cms_server, EDITOR_EMAIL, EDITOR_PASSWORD)
    async with httpx.AsyncClient(base_url=cms_server.url) as client:
        answer = await client.post(
            "/graphql",
            json={
                "query": '{ search(query: "ban tin chieu nay", filter: {status: [DRAFT]}) '
                "{ nodes { title summary version } } }"
            },
            headers={"authorization": f"Bearer {token}"},
        )
    [saved] = answer.json()["data"]["search"]["nodes"]
    assert saved == {"title": "Bản tin chiều nay", "summary": "Tóm tắt của thư ký", "version": 3}
    for story in (first, second):
        assert story.errors == [] and story.outside == []  # type: ignore[attr-defined]
        await story.page.context.close()


async def test_an_author_sees_no_publish(browser: Any, cms_server: Server, output: Path) -> None:
    await _author_account(cms_server)
    story = await signed_in(browser, cms_server, output, (AUTHOR[0], AUTHOR[2]))
    page = story.page
    # Keyboard only: the button by Enter, the title focused for typing, Tab to "Save draft".
    await page.get_by_role("button", name="New article").focus()
    await page.keyboard.press("Enter")
    await until(page, "document.activeElement && document.activeElement.name === 'title'")
    await page.keyboard.type("Bài của phóng viên")
    for _ in range(80):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.textContent === 'Save draft'"):
            break
    await page.keyboard.press("Enter")
    await status(page, "Saved · version 1")
    assert await page.get_by_role("button", name="Publish", exact=True).count() == 0
    assert await page.get_by_role("button", name="Schedule…").count() == 0
    await page.get_by_role("button", name="Back to the list").click()
    await page.get_by_role("button", name="Bài của phóng viên").wait_for()
    assert story.errors == [] and story.outside == []  # type: ignore[attr-defined]
    await page.context.close()


async def _user(server: Server, who: tuple[str, str, str], role: str) -> None:
    email, name, password = who
    await cms_command(
        server.env,
        *("user", "create", "--email", email, "--name", name, "--role", role),
        "--password-stdin",
        stdin=password,
    )


async def _author_account(server: Server) -> None:
    """An author account linked to its profile (made by an admin, as in a newsroom)."""
    admin = ("quan-tri@baobackan.example", "Quản trị", "mật khẩu quản trị đủ dài")
    await _user(server, admin, "admin")
    token = await _token(server, admin[0], admin[2])
    made = """mutation ($name: String!) { authorCreate(input: {name: $name}) {
      ... on AuthorCreateSuccess { author { id } } } }"""
    email, name, password = AUTHOR
    account = """mutation ($input: UserCreateInput!) { userCreate(input: $input) { __typename } }"""
    async with httpx.AsyncClient(base_url=server.url) as client:
        bearer = {"authorization": f"Bearer {token}"}
        answer = await client.post(
            "/graphql", json={"query": made, "variables": {"name": name}}, headers=bearer
        )
        author_id = answer.json()["data"]["authorCreate"]["author"]["id"]
        given = {"email": email, "name": name, "role": "AUTHOR", "password": password}
        answer = await client.post(
            "/graphql",
            json={"query": account, "variables": {"input": given | {"authorId": author_id}}},
            headers=bearer,
        )
    assert answer.json()["data"]["userCreate"]["__typename"] == "UserCreateSuccess", answer.text


async def _token(server: Server, email: str, password: str) -> str:
    login = """mutation ($input: LoginInput!) { login(input: $input) {
      ... on LoginSuccess { token } } }"""
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = await client.post(
            "/graphql",
            json={"query": login, "variables": {"input": {"email": email, "password": password}}},
        )
    token: str = answer.json()["data"]["login"]["token"]
    return token


LIBRARY_CAPTION = "Ảnh thư viện Bắc Kạn"


async def _upload(
    server: Server, token: str, path: Path, caption: str = LIBRARY_CAPTION, alt: str = "Thư viện"
) -> str:
    """A photo put in the library over the multipart request (as another client would)."""
    query = """mutation ($input: ImagesUploadInput!) { imagesUpload(input: $input) {
      ... on ImagesUploadSuccess { images { id } } } }"""
    files = [{"file": None, "alt": alt, "caption": caption, "credit": ""}]
    operations = {"query": query, "variables": {"input": {"files": files}}}
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = await client.post(
            "/graphql",
            data={
                "operations": json.dumps(operations),
                "map": json.dumps({"0": ["variables.input.files.0.file"]}),
            },
            files={"0": (path.name, await asyncio.to_thread(path.read_bytes), "image/jpeg")},
            headers={"authorization": f"Bearer {token}", "apollo-require-preflight": "true"},
        )
    image_id: str = answer.json()["data"]["imagesUpload"]["images"][0]["id"]
    return image_id


async def test_the_panels_tools(
    browser: Any, cms_server: Server, output: Path, tmp_path: Path
) -> None:
    """Moving blocks, pasting, autosave waiting for an input method, tags, the photo library,
    preview, revisions with their differences and restore, scheduling in Vietnam time,
    archiving."""
    token = await _token(cms_server, EDITOR_EMAIL, EDITOR_PASSWORD)
    await _upload(cms_server, token, photo(tmp_path / "thu-vien.jpg", 5))
    story = await signed_in(browser, cms_server, output, (EDITOR_EMAIL, EDITOR_PASSWORD))
    page = story.page
    await page.get_by_role("button", name="New article").click()
    await page.get_by_label("Title", exact=True).fill("Bài thử các công cụ")
    for text in ("Một", "Hai"):
        await page.get_by_role("button", name="Add paragraph").click()
        await page.get_by_label("Paragraph").last.fill(text)
    await page.get_by_role("button", name="Move up: block 2").click()
    paragraphs = page.get_by_label("Paragraph")
    assert [await p.input_value() for p in await paragraphs.all()] == ["Hai", "Một"]

    # Pasted from a word processor: the plain text only, non-breaking spaces made plain.
    await paragraphs.last.evaluate(
        """(area) => {
          area.focus();
          area.setSelectionRange(area.value.length, area.value.length);
          const data = new DataTransfer();
          data.setData("text/html", "<p><b>Ba</b>&nbsp;bốn</p>");
          data.setData("text/plain", " Ba\\u00a0bốn");
          area.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true,
                                                           cancelable: true }));
        }"""
    )
    assert await paragraphs.last.input_value() == "Một Ba bốn"

    # An input method composing (Telex): no autosave until the word is done.
    summary = page.get_by_label("Summary")
    await summary.dispatch_event("compositionstart")
    await summary.fill("Tóm tắt gõ bằng Telex")
    await page.wait_for_timeout(4500)
    assert "Saving" not in await page.get_by_test_id("compose-status").inner_text()
    assert "version" not in await page.get_by_test_id("compose-status").inner_text()
    await summary.dispatch_event("compositionend")
    await paragraphs.last.focus()  # the writer moves on to the body while the save runs
    await status(page, "Saved · version 1")
    # The save re-created no block under the cursor: the writer is still in that paragraph.
    assert await page.evaluate("document.activeElement.value") == "Một Ba bốn"

    await page.get_by_label("Tags", exact=True).fill("Khu công nghiệp")
    await page.get_by_label("Tags", exact=True).press("Enter")
    await page.get_by_role("button", name="Remove tag Khu công nghiệp").wait_for()

    # A figure from the photo library, searched without accents.
    await page.get_by_role("button", name="Add figure").click()
    await page.get_by_role("button", name="Choose from library").click()
    await page.get_by_label("Search photos").fill("thu vien bac kan")
    await page.get_by_role("button", name=f"Use photo: {LIBRARY_CAPTION}").wait_for()
    assert await serious_violations(page) == []  # with a figure and the library open
    await page.get_by_role("button", name=f"Use photo: {LIBRARY_CAPTION}").click()
    await page.get_by_label("Caption").fill("Chú thích từ thư viện")
    await page.get_by_role("button", name="Save draft").click()
    await status(page, "Saved · version 2")

    # A slug taken by another article: the Slug field says so; putting it back saves nothing.
    slug = page.get_by_label("Slug")
    mine = await slug.input_value()
    await slug.fill(await _demo_slug(cms_server))
    await page.get_by_role("button", name="Save draft").click()
    await status(page, "Not saved:")
    assert await page.locator(".cms-field.cms-invalid").filter(has=slug).count() == 1
    assert await slug.get_attribute("aria-invalid") == "true"
    await slug.fill(mine)
    await page.get_by_role("button", name="Save draft").click()
    await status(page, "Saved · version 2")
    assert await page.locator(".cms-invalid").count() == 0

    await page.get_by_role("button", name="Preview", exact=True).click()
    await page.locator(".cms-preview-body figure img").wait_for()
    await page.get_by_role("button", name="Copy preview link").click()
    assert len(await page.get_by_test_id("preview-link").inner_text()) > 20

    # Revisions: compare the first with the form (a new title typed), then restore it: the
    # form is saved first (version 3), the restore is version 4, and the figure goes.
    await page.get_by_label("Title", exact=True).fill("Bài thử các công cụ, bản mới")
    await page.get_by_role("button", name="Revisions").click()
    await page.get_by_role("button", name="Compare revision 1").click()
    diff = page.locator(".cms-diff").first
    assert [await i.inner_text() for i in await diff.locator("ins").all()] == ["cụ, bản mới"]
    assert [await d.inner_text() for d in await diff.locator("del").all()] == ["cụ"]
    await page.get_by_role("button", name="Restore revision 1").click()
    await status(page, "Saved · version 4")
    assert await page.locator("[data-type=figure]").count() == 0
    assert await page.get_by_label("Title", exact=True).input_value() == "Bài thử các công cụ"

    # Scheduled for tomorrow 09:30 in Vietnam, whatever the browser's time zone.
    await page.get_by_role("button", name="Schedule…").click()
    await page.get_by_label("Publish at (Vietnam time, UTC+7)").fill("2030-01-02T09:30")
    await page.get_by_role("button", name="Schedule", exact=True).click()
    await page.get_by_role("button", name="Archive").wait_for()
    found = await _search(cms_server, token, "bai thu cac cong cu")
    assert found == {
        "status": "SCHEDULED",
        "publishedAt": "2030-01-02T02:30:00+00:00",
        "tags": [],  # revision 1, restored above, was saved before the tag: it brings none back
    }
    await page.get_by_role("button", name="Archive").click()
    await status(page, "Saved · version 6")
    assert (await _search(cms_server, token, "bai thu cac cong cu"))["status"] == "ARCHIVED"
    assert story.errors == [] and story.outside == []  # type: ignore[attr-defined]
    assert await page.evaluate("window.__violations") == []
    await page.context.close()


async def _demo_slug(server: Server) -> str:
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = await client.post(
            "/graphql", json={"query": "{ articles(first: 1) { nodes { slug } } }"}
        )
    slug: str = answer.json()["data"]["articles"]["nodes"][0]["slug"]
    return slug


async def _search(server: Server, token: str, words: str) -> dict[str, Any]:
    query = """query ($q: String!) { search(query: $q,
      filter: {status: [DRAFT, SCHEDULED, PUBLISHED, ARCHIVED]}) {
      nodes { status publishedAt tags { name } } } }"""
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = await client.post(
            "/graphql",
            json={"query": query, "variables": {"q": words}},
            headers={"authorization": f"Bearer {token}"},
        )
    [found] = answer.json()["data"]["search"]["nodes"]
    node: dict[str, Any] = found
    return node


ARTICLE = """query ($id: ID!) { article(id: $id) { title summary byline version
  authors { name } event { name } cover { id } section { path } tags { name }
  body { ... on ParagraphBlock { text } } } }"""


async def _article(server: Server, token: str, article_id: str) -> dict[str, Any]:
    """The article as the API has it (its draft, seen by an editor)."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = await client.post(
            "/graphql",
            json={"query": ARTICLE, "variables": {"id": article_id}},
            headers={"authorization": f"Bearer {token}"},
        )
    found: dict[str, Any] = answer.json()["data"]["article"]
    return found


async def _find_id(server: Server, token: str, words: str) -> str:
    """The id of the one article that ``words`` find, drafts included."""
    query = """query ($q: String!) { search(query: $q,
      filter: {status: [DRAFT, SCHEDULED, PUBLISHED, ARCHIVED]}) { nodes { id } } }"""
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = await client.post(
            "/graphql",
            json={"query": query, "variables": {"q": words}},
            headers={"authorization": f"Bearer {token}"},
        )
    [found] = answer.json()["data"]["search"]["nodes"]
    article_id: str = found["id"]
    return article_id


async def _choices(server: Server) -> dict[str, Any]:
    query = "{ authors(first: 100) { nodes { name } } events(first: 5) { nodes { name } } }"
    return await api(server, query)  # type: ignore[no-any-return]


async def _two_editors(
    browser: Any,
    server: Server,
    output: Path,
    title: str,
    paragraphs: tuple[str, ...] = (),
    *,
    sockets: bool = False,
) -> tuple[Story, Story]:
    """The demo's editor makes an article titled ``title`` (version 1, a paragraph each of
    ``paragraphs``); the second editor has it open (``sockets``: see ``signed_in``)."""
    if not await _exists(server, SECOND_EDITOR[0]):
        await _user(server, SECOND_EDITOR, "editor")
    editor = (EDITOR_EMAIL, EDITOR_PASSWORD)
    first = await signed_in(browser, server, output, editor, sockets=sockets)
    await first.page.get_by_role("button", name="New article").click()
    await first.page.get_by_label("Title", exact=True).fill(title)
    for text in paragraphs:
        await first.page.get_by_role("button", name="Add paragraph").click()
        await first.page.get_by_label("Paragraph").last.fill(text)
    await first.page.get_by_role("button", name="Save draft").click()
    await status(first.page, "Saved · version 1")
    who = (SECOND_EDITOR[0], SECOND_EDITOR[2])
    second = await signed_in(browser, server, output, who, sockets=sockets)
    await second.page.get_by_label("Search articles").fill(slug_words(title))
    await second.page.get_by_role("button", name=title, exact=True).click()
    await status(second.page, "version 1")
    return first, second


def slug_words(title: str) -> str:
    """The title as typed without accents (``đ`` as ``d``)."""
    folded = unicodedata.normalize("NFD", title.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in folded if not unicodedata.combining(c))


async def _exists(server: Server, email: str) -> bool:
    try:
        await _token(server, email, SECOND_EDITOR[2])
    except (TypeError, KeyError):
        return False
    return True


async def _closed(*stories: Story) -> None:
    for story in stories:
        assert story.errors == [] and story.outside == []  # type: ignore[attr-defined]
        await story.page.context.close()


async def test_take_theirs_shows_their_version_and_a_later_save_keeps_it(
    browser: Any, cms_server: Server, output: Path
) -> None:
    first, second = await _two_editors(browser, cms_server, output, "Tin nhanh buổi sáng")
    await first.page.get_by_label("Title", exact=True).fill("Tin nhanh buổi sáng nay")
    await first.page.get_by_label("Summary").fill("Tóm tắt của biên tập")
    await first.page.get_by_role("button", name="Save draft").click()
    await status(first.page, "Saved · version 2")

    await second.page.get_by_label("Summary").fill("Tóm tắt của thư ký")
    await second.page.get_by_role("button", name="Save draft").click()
    conflict = second.page.get_by_test_id("conflict")
    await conflict.wait_for()
    assert "Both changed: Summary" in await conflict.inner_text()
    await second.page.get_by_role("button", name="Take theirs").click()
    await status(second.page, "Saved · version 2")
    assert await conflict.count() == 0
    form = second.page
    assert await form.get_by_label("Title", exact=True).input_value() == "Tin nhanh buổi sáng nay"
    assert await form.get_by_label("Summary").input_value() == "Tóm tắt của biên tập"

    # A save after that sends only what this editor changes since: theirs stays.
    await form.get_by_label("Byline").fill("Thư ký tòa soạn")
    await form.get_by_role("button", name="Save draft").click()
    await status(form, "Saved · version 3")
    token = await _token(cms_server, EDITOR_EMAIL, EDITOR_PASSWORD)
    saved = await _article(cms_server, token, await _find_id(cms_server, token, "tin nhanh"))
    assert (saved["title"], saved["summary"], saved["byline"], saved["version"]) == (
        "Tin nhanh buổi sáng nay",
        "Tóm tắt của biên tập",
        "Thư ký tòa soạn",
        3,
    )
    await _closed(first, second)


async def test_the_pickers_save_what_they_pick(
    browser: Any, cms_server: Server, output: Path, tmp_path: Path
) -> None:
    """Authors, Event, Section, Cover and Tags: each picked in the form is on the saved
    article. A tag prefix typed without accents suggests the existing tag; a new name makes a
    new tag."""
    token = await _token(cms_server, EDITOR_EMAIL, EDITOR_PASSWORD)
    await _upload(cms_server, token, photo(tmp_path / "bia.jpg", 7), "Ảnh bìa Pác Nặm", "Bìa")
    choices = await _choices(cms_server)
    author = choices["authors"]["nodes"][0]["name"]
    event = choices["events"]["nodes"][0]["name"]
    story = await signed_in(browser, cms_server, output, (EDITOR_EMAIL, EDITOR_PASSWORD))
    page = story.page
    await page.get_by_role("button", name="New article").click()
    await page.get_by_label("Title", exact=True).fill("Bài có đủ các lựa chọn")
    await page.get_by_label("Authors").select_option(label=[author])
    await page.get_by_label("Event").select_option(label=event)
    await page.get_by_label("Section").select_option(label="thu-hut-dau-tu")

    tags = page.get_by_label("Tags", exact=True)
    await tags.fill("khu cong")  # the start of "Khu công nghiệp", without accents
    suggested = page.locator("#cms-tag-suggestions option")
    await until(page, "document.querySelectorAll('#cms-tag-suggestions option').length > 0")
    names = [await o.get_attribute("value") for o in await suggested.all()]
    assert "Khu công nghiệp" in names
    await tags.fill("Khu công nghiệp")  # what choosing the suggestion puts in the field
    await tags.press("Enter")
    await tags.fill(nfd("Thác Pác Nặm"))  # a new one, typed decomposed
    await page.get_by_role("button", name="Add tag").click()
    await page.get_by_role("button", name="Remove tag Thác Pác Nặm").wait_for()

    await page.get_by_role("button", name="Add figure").click()
    await page.get_by_role("button", name="Choose from library").click()
    await page.get_by_label("Search photos").fill("anh bia pac nam")
    await page.get_by_role("button", name="Use photo: Ảnh bìa Pác Nặm").click()
    await page.get_by_label("Caption").fill("Thác Pác Nặm")
    await page.get_by_label("Cover").select_option(label="Photo 1: Bìa")
    await page.get_by_role("button", name="Save draft").click()
    await status(page, "Saved · version 1")

    found_id = await _find_id(cms_server, token, "bai co du cac lua chon")
    saved = await _article(cms_server, token, found_id)
    cover = await page.locator("select[name=coverId]").input_value()
    assert saved["authors"] == [{"name": author}]
    assert saved["event"] == {"name": event}
    assert saved["section"] == {"path": "thu-hut-dau-tu"}
    assert saved["cover"] == {"id": cover} and cover
    assert sorted(t["name"] for t in saved["tags"]) == ["Khu công nghiệp", "Thác Pác Nặm"]
    async with httpx.AsyncClient(base_url=cms_server.url) as client:  # a tag of its own
        answer = await client.post(
            "/graphql",
            json={"query": '{ tags(first: 5, query: "thac pac") { nodes { name } } }'},
            headers={"authorization": f"Bearer {token}"},
        )
    assert answer.json()["data"]["tags"]["nodes"] == [{"name": "Thác Pác Nặm"}]
    await _closed(story)


async def test_the_watch_reconnects_after_the_socket_drops(
    browser: Any, cms_server: Server, output: Path
) -> None:
    """The open article's subscription is opened again when its socket drops (twice here), and a
    colleague's save is still announced; a save made while the socket was down is announced when
    it is back."""
    first, second = await _two_editors(browser, cms_server, output, "Mưa lớn ở Ba Bể", sockets=True)
    page = second.page
    await until(page, "window.__subscribed === 1")
    for dropped in (1, 2):
        await page.evaluate("window.__sockets.forEach((socket) => socket.close())")
        await until(page, f"window.__subscribed === {dropped + 1}", seconds=15)
    assert await page.evaluate("window.__sockets.filter((s) => s.readyState === 1).length") == 1

    await first.page.get_by_label("Summary").fill("Nước dâng cao")
    await first.page.get_by_role("button", name="Save draft").click()
    await status(first.page, "Saved · version 2")
    notice = page.get_by_test_id("compose-notice")
    await notice.filter(has_text=f"Changed by {EDITOR_NAME} at").wait_for(timeout=15000)
    assert "(version 2)" in await notice.inner_text()

    # Down while the colleague saves again: that save is announced once the socket is back.
    await page.evaluate("window.__refuse = true")
    await page.evaluate("window.__sockets.forEach((socket) => socket.close())")
    await until(page, "window.__sockets.length > 3")  # one refused
    await first.page.get_by_label("Summary").fill("Nước dâng cao, đường ngập")
    await first.page.get_by_role("button", name="Save draft").click()
    await status(first.page, "Saved · version 3")
    assert "(version 2)" in await notice.inner_text()
    await page.evaluate("window.__refuse = false")
    await notice.filter(has_text="(version 3)").wait_for(timeout=15000)
    assert f"Changed by {EDITOR_NAME} at" in await notice.inner_text()

    # Back to the list: the watch stops for good (no socket opened again).
    await page.get_by_role("button", name="Back to the list").click()
    await page.get_by_role("button", name="New article").wait_for()
    await page.wait_for_timeout(1500)
    assert await page.evaluate("window.__sockets.filter((s) => s.readyState < 2).length") == 0
    await _closed(first, second)


PARAGRAPHS = (
    "Mưa lớn kéo dài từ đêm qua.",
    "Nhiều tuyến đường bị ngập.",
    "Chính quyền đã sơ tán các hộ dân.",
)


async def test_both_changed_the_body_keep_mine_keeps_both_where_they_differ(
    browser: Any, cms_server: Server, output: Path
) -> None:
    """Each editor changed another paragraph: Keep mine keeps both changes. Then both changed
    the same paragraph: the panel says which block, and Keep mine keeps mine there and theirs
    elsewhere."""
    first, second = await _two_editors(
        browser, cms_server, output, "Lũ ở Chợ Đồn", paragraphs=PARAGRAPHS
    )
    theirs = "Mưa lớn kéo dài từ chiều qua."
    mine = "Chính quyền xã đã sơ tán 40 hộ dân."
    await first.page.get_by_label("Paragraph").first.fill(theirs)
    await first.page.get_by_role("button", name="Save draft").click()
    await status(first.page, "Saved · version 2")
    page = second.page
    await page.get_by_label("Paragraph").last.fill(mine)
    await page.get_by_role("button", name="Save draft").click()
    conflict = page.get_by_test_id("conflict")
    await conflict.wait_for()
    assert await page.get_by_test_id("conflict-body").inner_text() == (
        "Both changed the body, in different blocks: Keep mine keeps both."
    )
    await page.get_by_role("button", name="Keep mine").click()
    await status(page, "Saved · version 3")
    token = await _token(cms_server, EDITOR_EMAIL, EDITOR_PASSWORD)
    article_id = await _find_id(cms_server, token, "lu o cho don")
    body = [{"text": theirs}, {"text": PARAGRAPHS[1]}, {"text": mine}]
    assert (await _article(cms_server, token, article_id))["body"] == body
    form = [await p.input_value() for p in await page.get_by_label("Paragraph").all()]
    assert form == [b["text"] for b in body]

    # Both change the second paragraph; the colleague (over the API now) the first one too.
    update = """mutation ($input: ArticleUpdateInput!) { articleUpdate(input: $input) {
      __typename ... on ArticleUpdateSuccess { article { version } } } }"""
    given = [theirs + " Trời đã tạnh.", "Hai tuyến đường bị ngập.", mine]
    async with httpx.AsyncClient(base_url=cms_server.url) as client:
        answer = await client.post(
            "/graphql",
            json={
                "query": update,
                "variables": {
                    "input": {
                        "id": article_id,
                        "version": 3,
                        "body": [{"paragraph": {"text": t}} for t in given],
                    }
                },
            },
            headers={"authorization": f"Bearer {token}"},
        )
    assert answer.json()["data"]["articleUpdate"]["article"] == {"version": 4}, answer.text
    await page.get_by_label("Paragraph").nth(1).fill("Ba tuyến đường bị ngập sâu.")
    await page.get_by_role("button", name="Save draft").click()
    await conflict.wait_for()
    assert await page.get_by_test_id("conflict-body").inner_text() == (
        "Both changed block 2 of the body: Keep mine keeps yours there, and their changes to"
        " the other blocks."
    )
    await page.get_by_role("button", name="Keep mine").click()
    await status(page, "Saved · version 5")
    assert (await _article(cms_server, token, article_id))["body"] == [
        {"text": given[0]},
        {"text": "Ba tuyến đường bị ngập sâu."},
        {"text": mine},
    ]
    await _closed(first, second)
