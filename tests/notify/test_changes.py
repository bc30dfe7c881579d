"""The change feed: an offline-first app that replays ``changes(since:, first:)`` page by page,
whenever it syncs, holds exactly the articles the public feed shows, without a full reload."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest

from cms.core import cursors
from cms.models import Article
from cms.notify import changes
from schema.types.node import to_global_id
from tests.content_editing.helpers import call, mutation
from tests.editing.helpers import FakeClock, created, mutate, post, published

pytestmark = pytest.mark.database("sqlite", "postgres")

ARTICLE = "id title version status authors { name }"
FEED = f"""
query ($since: String, $first: Int) {{
  changes(since: $since, first: $first) {{
    cursor hasMore changes {{ kind id article {{ {ARTICLE} }} }}
  }}
}}"""
PUBLIC = f"{{ articles(first: 100) {{ nodes {{ {ARTICLE} }} }} }}"


@dataclass
class App:
    """A mobile app's offline copy of the articles, kept by the change feed ``first`` at a time."""

    client: httpx.AsyncClient
    token: str | None = None
    first: int = 2
    copy: dict[str, dict[str, Any]] = field(default_factory=dict)
    cursor: str | None = None
    seen: set[str] = field(default_factory=set)
    """Every ID the feed ever named to this app, in a change or inside a cursor."""
    pages: int = 0

    async def sync(self) -> list[tuple[str, str]]:
        """Fetch and apply every page since the last sync; the changes, in order."""
        applied: list[tuple[str, str]] = []
        while True:
            variables = {"since": self.cursor, "first": self.first}
            body = await post(self.client, FEED, variables, self.token)
            assert "errors" not in body, body
            page = body["data"]["changes"]
            ids = [change["id"] for change in page["changes"]]
            assert len(ids) <= self.first and len(ids) == len(set(ids)), ids
            for change in page["changes"]:
                self.apply(change)
                applied.append((change["kind"], change["id"]))
            self.cursor, self.pages = page["cursor"], self.pages + 1
            if self.cursor != START:
                self.seen.add(to_global_id("Article", cursors.decode(self.cursor, "", at_article)))
            if not page["hasMore"]:
                return applied

    def apply(self, change: dict[str, Any]) -> None:
        self.seen.add(change["id"])
        if change["kind"] == "UPSERT":
            assert change["article"]["id"] == change["id"]
            self.copy[change["id"]] = change["article"]
        else:
            assert change["kind"] == "REMOVE" and change["article"] is None, change
            self.copy.pop(change["id"], None)


START = cursors.encode(changes.START)


def at_article(seq: int, article_id: int) -> int:
    """The article a change feed cursor names (the last one its page went through)."""
    return article_id


async def public(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    """The anonymous feed, by ID."""
    body = await post(client, PUBLIC)
    return {a["id"]: a for a in body["data"]["articles"]["nodes"]}


async def in_sync(app: App) -> None:
    await app.sync()
    assert app.copy == await public(app.client)


class Desk:
    """An editor's moves, each from the version last seen."""

    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client, self.token = client, token

    async def __call__(self, name: str, article: dict[str, Any], **extra: Any) -> dict[str, Any]:
        input = {"id": article["id"], "version": article["version"], **extra}
        answer = await mutate(self.client, name, input, self.token)
        assert answer["__typename"].endswith("Success"), answer
        return answer.get("article") or {}


async def test_the_copy_equals_the_public_feed_after_every_sync(client, editor):
    desk = Desk(client, editor)
    app = App(client)
    await in_sync(app)
    assert app.copy == {}

    one = await published(client, editor, "Một")
    two = await published(client, editor, "Hai")
    three = await published(client, editor, "Ba")
    draft = await created(client, editor, "Nháp")
    await in_sync(app)
    assert set(app.copy) == {one["id"], two["id"], three["id"]}
    assert app.pages == 1 + 2  # the first, empty sync; three articles, two a page (the draft
    # takes no room)

    one = await desk("articleUpdate", one, title="Một (sửa)")
    draft = await desk("articleUpdate", draft, title="Nháp (sửa)")
    two = await desk("articleUnpublish", two)
    four = await published(client, editor, "Bốn")
    changes = await app.sync()
    assert changes == [("UPSERT", one["id"]), ("REMOVE", two["id"]), ("UPSERT", four["id"])]
    assert app.copy == await public(client)
    assert app.copy[one["id"]]["title"] == "Một (sửa)"

    three = await desk("articleArchive", three)
    await desk("articleDelete", four)
    two = await desk("articlePublish", two)
    draft = await desk("articlePublish", draft)
    await in_sync(app)
    assert set(app.copy) == {one["id"], two["id"], draft["id"]}

    nothing = await app.sync()  # nothing changed since: an empty page, the same cursor
    assert nothing == [] and app.copy == await public(client)


async def test_a_week_offline_then_one_sync(client, editor, fake_clock: FakeClock):
    desk = Desk(client, editor)
    articles = [await published(client, editor, f"Bài {n}") for n in range(6)]
    app = App(client, first=3)
    await in_sync(app)
    kept_cursor = app.cursor

    fake_clock.advance(days=7)  # meanwhile, much happens
    for n, article in enumerate(articles):
        articles[n] = await desk("articleUpdate", article, title=f"Bài {n} (cập nhật)")
    await desk("articleUnpublish", articles[0])
    await desk("articleArchive", articles[1])
    await desk("articleDelete", articles[2])
    later = [await published(client, editor, f"Mới {n}") for n in range(4)]
    await desk("articleDelete", later[0])
    await created(client, editor, "Nháp trong tuần")

    before = app.pages
    await in_sync(app)
    assert app.pages - before == 4  # 10 public articles changed, 3 a page: no full reload
    assert {a["title"] for a in app.copy.values()} == {
        "Bài 3 (cập nhật)",
        "Bài 4 (cập nhật)",
        "Bài 5 (cập nhật)",
        "Mới 1",
        "Mới 2",
        "Mới 3",
    }

    again = App(client, first=100, cursor=kept_cursor, copy=dict(app.copy))
    await in_sync(again)  # an old cursor stays valid


async def test_anonymous_apps_never_hear_of_drafts(client, editor, fake_clock: FakeClock):
    desk = Desk(client, editor)
    app = App(client)
    never = [await created(client, editor, f"Nháp {n}") for n in range(3)]
    never[0] = await desk("articleUpdate", never[0], title="Nháp sửa")
    await desk("articleDelete", never[1])
    later = (fake_clock.now() + timedelta(hours=1)).isoformat()
    scheduled = await desk("articlePublish", await created(client, editor, "Hẹn giờ"), at=later)
    shown = await published(client, editor, "Công khai")
    await in_sync(app)

    drafts = {a["id"] for a in never}
    assert app.seen.isdisjoint(drafts), app.seen
    assert app.seen == {shown["id"]}
    assert scheduled["id"] not in app.seen  # not yet: its time has not come

    fake_clock.advance(hours=2)
    changes = await app.sync()
    assert changes == [("UPSERT", scheduled["id"])]
    assert app.copy == await public(client)
    assert app.copy[scheduled["id"]]["status"] == "PUBLISHED"


async def test_an_editor_app_sees_drafts(client, editor):
    desk = Desk(client, editor)
    app = App(client, token=editor)
    draft = await created(client, editor, "Nháp")
    shown = await published(client, editor, "Công khai")
    await app.sync()
    assert set(app.copy) == {draft["id"], shown["id"]}
    assert app.copy[draft["id"]]["status"] == "DRAFT"

    await desk("articleDelete", draft)
    assert await app.sync() == [("REMOVE", draft["id"])]
    assert set(app.copy) == {shown["id"]}
    everything = {to_global_id("Article", article.id) for article in await Article.all()}
    assert set(app.copy) == everything


async def test_an_author_rename_upserts_their_articles(client, editor, factory):
    author = await factory.author("Bích Liên")
    author_id = to_global_id("Author", author.id)
    theirs = [await published(client, editor, f"Bài {n}", authorIds=[author_id]) for n in range(2)]
    await created(client, editor, "Nháp của họ", authorIds=[author_id])
    other = await published(client, editor, "Bài khác")
    app = App(client)
    await in_sync(app)

    rename = mutation("authorUpdate", "author { id name }")
    await call(client, rename, {"input": {"id": author_id, "name": "Bích Liên Nguyễn"}}, editor)
    changes = await app.sync()
    assert sorted(changes) == sorted(("UPSERT", a["id"]) for a in theirs)
    assert other["id"] not in {i for _, i in changes}
    assert app.copy == await public(client)
    assert app.copy[theirs[0]["id"]]["authors"] == [{"name": "Bích Liên Nguyễn"}]


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"since": "not a cursor"}, "INVALID_CURSOR", "since"),
        ({"since": "WyJhIiwxXQ"}, "INVALID_CURSOR", "since"),  # ["a", 1]: not ours
        ({"since": "WzEsMiwzLDRd"}, "INVALID_CURSOR", "since"),  # [1, 2, 3, 4]
        ({"first": 0}, "PAGE_SIZE", "first"),
        ({"first": -1}, "PAGE_SIZE", "first"),
        ({"first": 101}, "PAGE_SIZE", "first"),
    ],
)
async def test_invalid_since_and_first_are_typed_errors(client, variables, code, field):
    body = await post(client, FEED, variables)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == code, error
    assert error["extensions"].get("field") == field, error
    assert error["path"] == ["changes"]


async def test_a_sync_writes_nothing_while_nothing_is_due(client, editor, count_queries):
    await published(client, editor, "Một")
    count_queries.reset()
    await App(client).sync()
    statements = [s.split()[0].upper() for s in count_queries.statements]
    assert statements and set(statements) == {"SELECT"}, count_queries.statements
