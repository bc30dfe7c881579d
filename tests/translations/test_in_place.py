"""Sections, tags, events, authors and pictures are translated in place: read through an
article, their texts come in its locale, falling back to the default's (or null)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.editing.helpers import post
from tests.translations.test_articles import _create, _publish, _translate, _update

pytestmark = pytest.mark.database("sqlite", "postgres")

SECTION = """
mutation ($input: SectionCreateInput!) {
  sectionCreate(input: $input) {
    __typename
    ... on SectionCreateSuccess { section { id name translation(locale: "en") { name } } }
    ... on UserError { code field message }
  }
}
"""
EVENT = """
mutation ($input: EventCreateInput!) {
  eventCreate(input: $input) {
    __typename ... on EventCreateSuccess { event { id } } ... on UserError { code field message }
  }
}
"""
TAG = """
mutation ($input: TagUpdateInput!) {
  tagUpdate(input: $input) { __typename ... on UserError { code field message } }
}
"""
FEED = """
query ($locale: String) {
  articles(locale: $locale) {
    nodes { locale section { name description } tags { id name } event { name host } }
  }
}
"""


async def _structure(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    section = await post(
        client,
        SECTION,
        {
            "input": {
                "name": "Tin tức",
                "description": "Tin của Ban",
                "translations": [{"locale": "en", "name": "News"}],
            }
        },
        token,
    )
    made = section["data"]["sectionCreate"]
    assert made["section"]["translation"] == {"name": "News"}, made
    event = await post(
        client,
        EVENT,
        {
            "input": {
                "name": "Hội nghị sơ kết",
                "startsAt": "2024-07-10T08:00:00+07:00",
                "host": "Trưởng ban",
                "translations": [{"locale": "en", "name": "Mid-year conference"}],
            }
        },
        token,
    )
    original = await _create(
        client,
        token,
        title="Hội nghị",
        sectionId=made["section"]["id"],
        eventId=event["data"]["eventCreate"]["event"]["id"],
        tags=["Đầu tư", "Khu công nghiệp"],
    )
    await _publish(client, token, original)
    english = (await _translate(client, token, original["id"], "en"))["article"]
    english = await _update(client, token, english, title="Conference")
    await _publish(client, token, english)
    return original


async def test_texts_come_in_the_articles_locale_with_fallback(client, editor):
    await _structure(client, editor)
    feed = (await post(client, FEED, {"locale": "en"}))["data"]["articles"]["nodes"]
    [english] = feed
    tag_id = english["tags"][0]["id"]
    done = await post(
        client,
        TAG,
        {"input": {"id": tag_id, "translations": [{"locale": "en", "name": "Investment"}]}},
        editor,
    )
    assert done["data"]["tagUpdate"]["__typename"] == "TagUpdateSuccess", done
    [english] = (await post(client, FEED, {"locale": "en"}))["data"]["articles"]["nodes"]
    assert english["section"] == {"name": "News", "description": "Tin của Ban"}  # fallback
    assert [t["name"] for t in english["tags"]] == ["Investment", "Khu công nghiệp"]
    assert english["event"] == {"name": "Mid-year conference", "host": "Trưởng ban"}
    [vietnamese] = (await post(client, FEED, {"locale": None}))["data"]["articles"]["nodes"]
    assert vietnamese["section"]["name"] == "Tin tức"
    assert [t["name"] for t in vietnamese["tags"]] == ["Đầu tư", "Khu công nghiệp"]
    assert vietnamese["event"]["name"] == "Hội nghị sơ kết"


async def test_translations_are_checked_and_read_one_locale_at_a_time(client, editor):
    bad = [
        ([{"locale": "vi", "name": "Tin"}], "translations.0.locale"),  # the default's
        ([{"locale": "de", "name": "Nachrichten"}], "translations.0.locale"),
        ([{"locale": "en", "name": "A"}, {"locale": "en", "name": "B"}], "translations.1.locale"),
        ([{"locale": "en", "name": "x" * 201}], "translations.0.name"),
    ]
    for translations, field in bad:
        answer = await post(
            client, SECTION, {"input": {"name": "Tin", "translations": translations}}, editor
        )
        refused = answer["data"]["sectionCreate"]
        assert (refused["__typename"], refused["field"]) == ("ValidationError", field), refused
    made = await post(client, SECTION, {"input": {"name": "Tin"}}, editor)
    assert made["data"]["sectionCreate"]["section"]["translation"] is None
    query = """query ($slug: String!) { section(slug: $slug) {
      vi: translation(locale: "vi") { locale name } fr: translation(locale: "fr") { name } } }"""
    found = await post(client, query, {"slug": "tin"})
    assert found["data"]["section"] == {"vi": {"locale": "vi", "name": "Tin"}, "fr": None}


async def test_a_feed_in_another_locale_costs_at_most_one_more_statement(
    client, editor, count_queries
):
    await _structure(client, editor)
    for locale, expected in ((None, "vi"), ("en", "en")):
        count_queries.reset()
        body = await post(client, FEED, {"locale": locale})
        assert body["data"]["articles"]["nodes"][0]["locale"] == expected
        if locale is None:
            default = count_queries.count
    assert count_queries.count <= default + 1, count_queries.statements
