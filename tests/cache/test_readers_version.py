"""The content version follows what anonymous readers see (migration 0015): a draft's save, a
revision restored, a preview link leave the cached public answers alone; publishing, correcting
a published article and unpublishing it replace them. The change feed still numbers every
change in commit order for those who see drafts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrations

from cms.core import clock, db
from cms.models import ArticleStatus, Role
from tests.cache.conftest import FEED
from tests.conftest import _settings
from tests.editing.helpers import content_version, created, mutate, paragraph, post
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

CHANGES = "query ($since: String) { changes(since: $since) { cursor changes { kind } } }"


async def _feed(client: httpx.AsyncClient) -> httpx.Response:
    response = await client.get("/graphql", params={"query": FEED})
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    return response


async def _warm(client: httpx.AsyncClient) -> str:
    """Ask the anonymous feed until it comes from memory; its ETag."""
    for _ in range(3):
        response = await _feed(client)
    assert response.headers["x-cms-cache"] == "hit"
    return response.headers["etag"]


async def _ok(client: httpx.AsyncClient, name: str, input: dict[str, Any], token: str) -> Any:
    answer = await mutate(client, name, input, token)
    assert answer["__typename"].endswith("Success"), answer
    return answer.get("article", answer)


async def test_what_readers_cannot_see_keeps_the_cached_feed(client, settings):
    factory = Factory(settings.media_root)
    editor = await factory.token(Role.EDITOR, "editor@example.org")
    await factory.article("Đã đăng từ trước")
    etag = await _warm(client)
    version = await content_version()

    draft = await created(client, editor, "Bản nháp", body=[paragraph("Một.")])
    draft = await _ok(
        client,
        "articleUpdate",
        {"id": draft["id"], "version": draft["version"], "title": "Bản nháp sửa"},
        editor,
    )
    draft = await _ok(
        client,
        "articleRestoreRevision",
        {"id": draft["id"], "version": draft["version"], "revision": 1},
        editor,
    )
    await _ok(client, "articlePreviewLink", {"id": draft["id"]}, editor)
    assert await content_version() == version
    again = await _feed(client)
    assert again.headers["x-cms-cache"] == "hit" and again.headers["etag"] == etag

    # Those who see drafts still hear of every change, in order.
    seen = await post(client, CHANGES, {"since": None}, editor)
    assert len(seen["data"]["changes"]["changes"]) == 2, seen

    steps: list[tuple[str, dict[str, Any]]] = [
        ("articlePublish", {}),
        ("articleUpdate", {"title": "Đính chính"}),
        ("articleUnpublish", {}),
    ]
    for name, change in steps:
        cursor = seen["data"]["changes"]["cursor"]
        draft = await _ok(
            client, name, {"id": draft["id"], "version": draft["version"], **change}, editor
        )
        assert await content_version() > version, name
        version = await content_version()
        answer = await _feed(client)
        assert answer.headers.get("x-cms-cache") != "hit", name
        assert answer.headers["etag"] != etag, name
        etag = await _warm(client)
        seen = await post(client, CHANGES, {"since": cursor}, editor)
        assert len(seen["data"]["changes"]["changes"]) == 1, (name, seen)


async def test_links_of_a_draft_change_nothing_public_those_of_a_published_article_do(
    client, settings
):
    factory = Factory(settings.media_root)
    public = await factory.article("Đã đăng")
    draft = await factory.article("Nháp", None, status=ArticleStatus.DRAFT)
    author = await factory.author("Nguyễn Văn Đức")
    version = await content_version()
    link = "INSERT INTO article_author (article_id, author_id, position) VALUES (?, ?, 0)"
    await db.execute(link, [draft.id, author.id])
    await db.execute("DELETE FROM article_author WHERE article_id = ?", [draft.id])
    assert await content_version() == version
    await db.execute(link, [public.id, author.id])
    assert await content_version() > version


async def test_the_way_back_raises_the_version_on_every_write_again(empty_database_url, tmp_path):
    settings = _settings(empty_database_url, tmp_path / "media")
    config = settings.tortoise_config()
    try:
        # Up to 0015 and back (0016, later, cannot go back on SQLite: it rebuilds a table).
        await run_migrations(config=config, target="cms.0015_public_version")
        await run_migrations(config=config, target="cms.0014_housekeeping")
        await Tortoise.close_connections()
        async with db.connected(settings):
            now = clock.now()
            await db.execute(  # the article table as 0014 has it: no model of today's
                "INSERT INTO article (title, slug, summary, body, status, created_at, "
                "updated_at, version, byline) VALUES ('Nháp', 'nhap', '', '[]', ?, ?, ?, 1, '')",
                [ArticleStatus.DRAFT.value, now, now],
            )
            [draft] = await db.fetch("SELECT id FROM article")
            draft_id = int(draft["id"])
            version = await content_version()
            await db.execute("UPDATE article SET title = 'Nháp 2' WHERE id = ?", [draft_id])
            assert await content_version() > version
        await run_migrations(config=config)
        await Tortoise.close_connections()
        async with db.connected(settings):
            version = await content_version()
            await db.execute("UPDATE article SET title = 'Nháp 3' WHERE id = ?", [draft_id])
            assert await content_version() == version
            rows = await db.fetch("SELECT article_id, seq FROM article_change")
            assert [int(row["article_id"]) for row in rows] == [draft_id]
    finally:
        await Tortoise.close_connections()
