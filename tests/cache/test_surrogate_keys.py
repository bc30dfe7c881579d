"""Surrogate keys on the anonymous answers the response cache keeps: what each answer shows,
recorded as it is built (no statement), bounded, under a configurable header name; and the
``cache.purge`` event that names the keys a change touches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest

from cms.core.ids import from_global_id
from cms.core.surrogate import MAX_IDS
from cms.models import ArticleStatus, OutboxEvent, Role, WebhookDelivery
from tests.cache.conftest import app_client
from tests.editing.helpers import created, mutate, post
from tests.factories import Factory
from tests.notify.helpers import CREATE as WEBHOOK_CREATE

pytestmark = pytest.mark.database("sqlite", "postgres")

FEED = "{ articles(first: 10) { nodes { title authors { name } cover { url } } } }"


async def _keys(client: httpx.AsyncClient, query: str, header: str = "surrogate-key") -> list[str]:
    """The keys of the answer to ``query`` (GET), the same when it comes from memory."""
    answers = [await client.get("/graphql", params={"query": query}) for _ in range(3)]
    for answer in answers:
        assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    assert answers[-1].headers["x-cms-cache"] == "hit"
    values = {answer.headers[header] for answer in answers}
    assert len(values) == 1, values
    return values.pop().split(" ")


async def test_a_feed_names_its_articles_their_authors_and_covers(client, settings):
    factory = Factory(settings.media_root)
    author = await factory.author("Trần Thị Đào")
    one = await factory.article("Một", author_list=[author], cover=True)
    two = await factory.article("Hai", datetime(2025, 1, 2, tzinfo=UTC))
    await factory.article("Nháp", None, status=ArticleStatus.DRAFT)
    keys = await _keys(client, FEED)
    assert keys[0] == "articles"
    assert set(keys) == {
        "articles",
        f"article:{one.id}",
        f"article:{two.id}",
        f"author:{author.id}",
        f"image:{one.cover_id}",
    }
    posted = await client.post("/graphql", json={"query": FEED})
    assert posted.headers["surrogate-key"].split(" ") == keys


async def test_an_article_names_itself_not_the_lists(client, settings):
    factory = Factory(settings.media_root)
    author = await factory.author("Lê Văn Hùng")
    article = await factory.article("Bài riêng", author_list=[author])
    query = f'{{ article(slug: "{article.slug}") {{ title authors {{ name }} }} }}'
    assert sorted(await _keys(client, query)) == [f"article:{article.id}", f"author:{author.id}"]


async def test_a_section_page_names_the_section_and_its_articles(client, settings):
    factory = Factory(settings.media_root)
    section = await factory.section("Tin địa phương")
    inside = await factory.article("Trong mục", section=section)
    await factory.article("Ngoài mục")
    articles = "articles(first: 5) { nodes { title } }"
    query = f'{{ section(slug: "{section.slug}") {{ name {articles} }} }}'
    keys = await _keys(client, query)
    assert set(keys) == {"articles", f"section:{section.id}", f"article:{inside.id}"}


async def test_a_feed_of_100_names_articles_and_at_most_the_first_ids(client, settings):
    factory = Factory(settings.media_root)
    made = [
        await factory.article(f"Bài {i}", datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=i))
        for i in range(100)
    ]
    keys = await _keys(client, "{ articles(first: 100) { nodes { title } } }")
    assert keys[0] == "articles" and len(keys) == 1 + MAX_IDS
    newest = [f"article:{article.id}" for article in reversed(made)]
    assert keys[1:] == newest[:MAX_IDS]
    header = (
        await client.get(
            "/graphql", params={"query": "{ articles(first: 100) { nodes { title } } }"}
        )
    ).headers
    assert len(header["surrogate-key"]) < 1200


async def test_the_header_name_is_a_setting_and_signed_in_answers_have_none(settings):
    factory = Factory(settings.media_root)
    async with app_client(settings, surrogate_key_header="Cache-Tag") as client:
        article = await factory.article("Một")
        assert await _keys(client, FEED, "cache-tag") == ["articles", f"article:{article.id}"]
        token = await factory.token(Role.EDITOR, "editor@example.org")
        signed_in = await client.get(
            "/graphql", params={"query": FEED}, headers={"authorization": f"Bearer {token}"}
        )
        assert signed_in.status_code == 200
        assert "cache-tag" not in signed_in.headers and "surrogate-key" not in signed_in.headers


async def _purges() -> list[dict[str, object]]:
    rows = await OutboxEvent.filter(type="cache.purge").order_by("id")
    return [orjson.loads(row.body)["data"] for row in rows]


async def test_a_change_emits_cache_purge_with_its_keys_to_those_who_want_it(client, settings):
    factory = Factory(settings.media_root)
    admin = await factory.token(Role.ADMIN, "admin@example.org")
    editor = await factory.token(Role.EDITOR, "editor@example.org")
    hook = {"url": "https://cdn.example.org/purge", "events": ["CACHE_PURGE"]}
    made = await post(client, WEBHOOK_CREATE, {"input": hook}, admin)
    assert made["data"]["webhookCreate"]["__typename"] == "WebhookCreateSuccess", made

    draft = await created(client, editor, "Nháp")
    assert await _purges() == []  # a draft's save: nothing public changed, no event
    article = await mutate(
        client, "articlePublish", {"id": draft["id"], "version": draft["version"]}, editor
    )
    pk = int(from_global_id(article["article"]["id"])[1])
    section = await factory.section("Tin địa phương")
    purges = await _purges()
    assert [(p["cause"], p["keys"]) for p in purges] == [
        ("article.published", ["articles", f"article:{pk}"]),
        ("section.created", ["sections", f"section:{section.id}"]),
    ]
    deliveries = await WebhookDelivery.all().values_list("event__type", flat=True)
    assert sorted(map(str, deliveries)) == ["cache.purge", "cache.purge"]


async def test_the_keys_of_lists_of_sections_tags_and_collections(client, settings):
    factory = Factory(settings.media_root)
    section = await factory.section("Thông báo")
    keys = await _keys(client, "{ sections { name } }")
    assert keys == ["sections", f"section:{section.id}"]
