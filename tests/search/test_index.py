"""The search index follows every change, can be rebuilt, and existing data gets one on upgrade."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrations
from tortoise.transactions import in_transaction

from cms.app import create_app
from cms.articles import body, events
from cms.articles import store as articles
from cms.core import compat, db
from cms.models import Article
from settings import Settings
from tests.cli.test_cli import DEMO_SLUG, cms_env, output, run_cms
from tests.conftest import gql
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

FIND = "query ($q: String!) { search(query: $q) { totalCount nodes { slug title } } }"


async def found(client, q: str) -> list[str]:
    body_ = await gql(client, FIND, {"q": q})
    assert "errors" not in body_, body_
    return [n["slug"] for n in body_["data"]["search"]["nodes"]]


async def index_rows() -> int:
    conn = compat.model_connection(Article)
    sql = "SELECT COUNT(*) AS n FROM article_search"
    return int((await conn.execute_query_dict(sql))[0]["n"])


async def test_edits_are_indexed_in_the_same_transaction(client, settings):
    factory = Factory(settings.media_root)
    article = await factory.article("Giá lúa tăng mạnh", paragraphs=("Nông dân phấn khởi.",))
    assert await found(client, "gia lua") == [article.slug]
    data = articles.ArticleData(
        title="Giá cà phê giảm",
        blocks=[body.Paragraph("Thị trường trầm lắng.")],
        status=article.status,
        published_at=article.published_at,
    )
    async with in_transaction():
        await articles.save(data, article)
    assert await found(client, "gia lua") == []
    assert await found(client, "ca phe") == [article.slug]
    assert await found(client, "tram lang") == [article.slug]


async def test_a_failed_save_leaves_the_index_as_it_was(client, settings):
    factory = Factory(settings.media_root)
    article = await factory.article("Mưa lớn ở miền núi")
    data = articles.ArticleData(
        title="Nắng nóng kéo dài",
        blocks=[body.Paragraph("Nhiệt độ cao.")],
        status=article.status,
        published_at=article.published_at,
    )
    try:
        async with in_transaction():
            await articles.save(data, await Article.get(id=article.id))
            raise RuntimeError("the writer's request fails after the save")
    except RuntimeError:
        pass
    assert await found(client, "nang nong") == []
    assert await found(client, "mua lon") == [article.slug]


async def test_unpublishing_hides_and_deleting_removes(client, settings):
    factory = Factory(settings.media_root)
    article = await factory.article("Lễ hội đền Hùng")
    assert await found(client, "le hoi") == [article.slug]
    # Updated behind the services' back (as an operator's SQL would): still right at once.
    await Article.filter(id=article.id).update(status="archived")
    assert await found(client, "le hoi") == []
    await Article.filter(id=article.id).update(
        status="published", published_at=datetime(2999, 1, 1, tzinfo=UTC)
    )
    assert await found(client, "le hoi") == []  # not yet
    await Article.filter(id=article.id).update(published_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert await found(client, "le hoi") == [article.slug]
    await Article.filter(id=article.id).delete()
    assert await index_rows() == 0


async def test_renaming_an_event_reindexes_its_articles(client, settings):
    factory = Factory(settings.media_root)
    event = await factory.event("Hội chợ nông sản")
    article = await factory.article("Khai mạc", event=event)
    assert await found(client, "hoi cho") == [article.slug]
    data = events.EventData(name="Lễ hội trái cây", starts_at=event.starts_at)
    async with in_transaction():
        await events.save(data, event)
    assert await found(client, "hoi cho") == []
    assert await found(client, "trai cay") == [article.slug]


async def test_orders_by_vietnamese_title(client, settings):
    factory = Factory(settings.media_root)
    titles = ["Đào tạo nghề", "Ăn Tết", "Bình minh", "Anh hùng", "Dũng cảm", "Ánh sáng", "Âm nhạc"]
    for n, title in enumerate(titles):
        await factory.article(title, datetime(2024, 1, 1 + n, tzinfo=UTC))
    query = "{ articles(orderBy: {field: TITLE}) { nodes { title } } }"
    got = [n["title"] for n in (await gql(client, query))["data"]["articles"]["nodes"]]
    expected = [
        "Anh hùng",
        "Ánh sáng",
        "Ăn Tết",
        "Âm nhạc",
        "Bình minh",
        "Dũng cảm",
        "Đào tạo nghề",
    ]
    assert got == expected
    query = "{ articles(first: 3, orderBy: {field: TITLE, direction: DESC}) { nodes { title } } }"
    got = [n["title"] for n in (await gql(client, query))["data"]["articles"]["nodes"]]
    assert got == expected[::-1][:3]


async def test_authors_in_vietnamese_order(client, settings):
    factory = Factory(settings.media_root)
    for name in ["Đặng Thu", "Dương Minh", "Bùi Lan", "Ánh Tuyết", "An Nhiên", "Âu Cơ"]:
        await factory.author(name)
    got = [
        n["name"]
        for n in (await gql(client, "{ authors { nodes { name } } }"))["data"]["authors"]["nodes"]
    ]
    assert got == ["An Nhiên", "Ánh Tuyết", "Âu Cơ", "Bùi Lan", "Dương Minh", "Đặng Thu"]


async def test_reindex_command_rebuilds_the_index(client, settings, tmp_path: Path):
    env = cms_env(settings.database_url, settings.media_root)
    assert (await asyncio.to_thread(run_cms, env, tmp_path, "demo")).returncode == 0
    await Tortoise.get_connection("default").execute_script("DELETE FROM article_search")
    assert await index_rows() == 0
    result = await asyncio.to_thread(run_cms, env, tmp_path, "search", "reindex")
    assert result.returncode == 0, output(result)
    assert "Indexed 2 articles for search." in result.stdout  # the demo's and its English one
    assert await index_rows() == 2
    assert await found(client, "bac kan") == [DEMO_SLUG]


# Rows as migration 0001 left them, before search existed.
BEFORE_SEARCH = [
    "INSERT INTO author (id, name, slug, bio, created_at, updated_at) "
    "VALUES (1, 'Đức Anh', 'duc-anh', '', '2024-01-01', '2024-01-01')",
    "INSERT INTO article (id, title, slug, summary, body, status, published_at, "
    "created_at, updated_at, version, byline) VALUES (1, 'Ánh sáng vùng cao', "
    '\'anh-sang-vung-cao\', \'\', \'[{"type": "paragraph", "text": "Điện về bản."}]\', '
    "'published', '2024-01-01 00:00:00+00:00', '2024-01-01', '2024-01-01', 1, '')",
    "INSERT INTO article_author (article_id, author_id, position) VALUES (1, 1, 0)",
]


async def test_upgrading_indexes_existing_articles(empty_database_url: str, tmp_path: Path):
    """A database made before search (migration 0001 only) gets sort keys and an index."""
    settings = Settings(
        _env_file=None, database_url=empty_database_url, media_root=tmp_path / "media"
    )
    try:
        await run_migrations(config=settings.tortoise_config(), target="cms.0001_initial")
        for statement in BEFORE_SEARCH:
            await Tortoise.get_connection("default").execute_script(statement)
    finally:
        await Tortoise.close_connections()

    await db.migrate(settings)

    async with LifespanManager(create_app(settings)) as manager:
        conn = Tortoise.get_connection("default")
        [article] = await conn.execute_query_dict("SELECT title_sort FROM article")
        [author] = await conn.execute_query_dict("SELECT name_sort FROM author")
        assert article["title_sort"] and author["name_sort"]
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as http:
            assert await found(http, "dien ban duc anh") == ["anh-sang-vung-cao"]
