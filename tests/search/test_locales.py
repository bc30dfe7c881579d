"""Search per locale (issue 22): English stemming, Vietnamese folding as before, no mixing.

Run against SQLite and PostgreSQL: both must find the same articles in the same order.
"""

from __future__ import annotations

import importlib
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from cms import models
from cms.articles import body, events
from cms.articles import store as articles
from cms.core.db import connection
from cms.search import index
from settings import Settings
from tests.conftest import gql

MIGRATION = importlib.import_module("cms.migrations.0016_translations")
MARK_OLD_ENTRIES: str = MIGRATION.MARK_OLD_ENTRIES

pytestmark = pytest.mark.database("sqlite", "postgres")

SEARCH = """
query ($q: String!, $locale: String, $first: Int) {
  search(query: $q, locale: $locale, first: $first) {
    totalCount
    edges { score node { slug title } highlights { title body } }
  }
}
"""


@pytest.fixture
async def settings(settings: Settings) -> Settings:
    """Vietnamese (the default) and English."""
    return settings.model_copy(update={"locales": ["vi", "en"]})


def at(day: int) -> datetime:
    return datetime(2024, 5, day, 8, 0, tzinfo=UTC)


async def article(
    title: str,
    day: int,
    paragraphs: tuple[str, ...],
    locale: str = "vi",
    event: models.Event | None = None,
) -> models.Article:
    data = articles.ArticleData(
        title=title,
        summary="",
        blocks=[body.Paragraph(p) for p in paragraphs],
        status=models.ArticleStatus.PUBLISHED,
        published_at=at(day),
        locale=locale,
        event_id=event.id if event else None,
    )
    async with in_transaction():
        return await articles.save(data)


async def corpus() -> dict[str, str]:
    """English and Vietnamese articles; key -> slug."""
    made = {
        "P": await article(
            "Industrial parks draw investors",
            1,
            ("The province is investing in new industrial parks near the port.",),
            "en",
        ),
        "Q": await article(
            "A new industrial park opens",
            2,
            ("Investment in the park reached a record; companies are moving in.",),
            "en",
        ),
        "R": await article(
            "Café culture in the old town",
            3,
            ("Small cafés line the river.",),
            "en",
        ),
        "V": await article(
            "Khu công nghiệp thu hút đầu tư",
            4,
            ("Các doanh nghiệp đầu tư vào khu công nghiệp (industrial parks).",),
        ),
        "W": await article("Ngày hội văn hóa", 5, ("Ngày hội diễn ra vui vẻ.",)),
    }
    return {key: a.slug for key, a in made.items()}


async def found(client: Any, slugs: dict[str, str], q: str, locale: str | None) -> list[str]:
    """The keys of the articles ``q`` finds in ``locale``, best first (totalCount agreeing)."""
    answer = await gql(client, SEARCH, {"q": q, "locale": locale})
    assert "errors" not in answer, (q, locale, answer)
    by_slug = {slug: key for key, slug in slugs.items()}
    results = answer["data"]["search"]
    keys = [by_slug[edge["node"]["slug"]] for edge in results["edges"]]
    assert results["totalCount"] == len(keys), (q, locale, results)
    return keys


# (query, locale, the articles found, best first)
CASES: list[tuple[str, str | None, list[str]]] = [
    # plural and singular, both ways; the title match of both words ranks first
    ("industrial parks", "en", ["Q", "P"]),
    ("industrial park", "en", ["Q", "P"]),
    ('"industrial park"', "en", ["Q", "P"]),
    ("parks ", "en", ["Q", "P"]),
    ("park ", "en", ["Q", "P"]),
    # -ing and -ment share their stem: investing, investment, investors do not
    ("investment ", "en", ["Q", "P"]),
    ("investing ", "en", ["Q", "P"]),
    ("investors ", "en", ["P"]),
    ("company ", "en", ["Q"]),
    # a word typed in part: as a stem's prefix or as written (``industria`` is no prefix of
    # the stem ``industri``)
    ("industria", "en", ["Q", "P"]),
    ("investm", "en", ["Q"]),
    ("compan", "en", ["Q"]),
    # accents folded, and stemmed: café, cafés, CAFES
    ("cafe", "en", ["R"]),
    ("CAFES", "en", ["R"]),
    ("cafés ", "en", ["R"]),
    # Vietnamese: folding, no stemming, and only Vietnamese articles (the English words of V
    # are found as they are written)
    ("khu cong nghiep", "vi", ["V"]),
    ("khu cong nghiep", None, ["V"]),
    ("ngai", "vi", []),
    ("ngay", "vi", ["W"]),
    ("industrial parks", "vi", ["V"]),
    ("industrial park ", "vi", []),
    ("dau tu", "en", []),
    ("ngay", "en", []),
    ("industrial", "en", ["Q", "P"]),
]


async def test_search_per_locale(client, settings):
    slugs = await corpus()
    failures = []
    for q, locale, expected in CASES:
        got = await found(client, slugs, q, locale)
        if got != expected:
            failures.append((q, locale, expected, got))
    assert not failures, failures


async def test_a_locale_spelled_otherwise_is_the_same_locale(client, settings):
    slugs = await corpus()
    assert await found(client, slugs, "parks", "EN") == ["Q", "P"]


@pytest.mark.parametrize("locale", ["fr", "xx-invalid-tag-!!", ""])
async def test_an_unknown_locale_is_bad_user_input(client, settings, locale):
    answer = await gql(client, SEARCH, {"q": "parks", "locale": locale})
    assert answer["data"] is None
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "locale"


async def test_highlights_mark_the_english_words_as_written(client, settings):
    slugs = await corpus()
    answer = await gql(client, SEARCH, {"q": "industrial park investment ", "locale": "en"})
    edges = answer["data"]["search"]["edges"]
    assert [e["node"]["slug"] for e in edges] == [slugs["Q"], slugs["P"]]
    marks = edges[0]["highlights"]
    assert marks["title"] == "A new <mark>industrial park</mark> opens"
    assert marks["body"] == (
        "<mark>Investment</mark> in the <mark>park</mark> reached a record; "
        "companies are moving in."
    )
    answer = await gql(client, SEARCH, {"q": "parks investing ", "locale": "en"})
    edges = answer["data"]["search"]["edges"]
    by_slug = {e["node"]["slug"]: e["highlights"] for e in edges}
    assert by_slug[slugs["P"]]["title"] == "Industrial <mark>parks</mark> draw investors"
    assert by_slug[slugs["P"]]["body"] == (
        "The province is <mark>investing</mark> in new industrial <mark>parks</mark> near the port."
    )
    # a word typed in part marks the words it begins, as the index matched them
    answer = await gql(client, SEARCH, {"q": "industria", "locale": "en", "first": 1})
    title = answer["data"]["search"]["edges"][0]["highlights"]["title"]
    assert title == "A new <mark>industrial</mark> park opens"
    # accents: the word as written is marked
    answer = await gql(client, SEARCH, {"q": "cafe", "locale": "en"})
    marks = answer["data"]["search"]["edges"][0]["highlights"]
    assert marks["title"] == "<mark>Café</mark> culture in the old town"
    assert marks["body"] == "Small <mark>cafés</mark> line the river."


async def test_vietnamese_highlights_are_unchanged(client, settings):
    slugs = await corpus()
    answer = await gql(client, SEARCH, {"q": "khu cong nghiep", "locale": "vi"})
    edge = answer["data"]["search"]["edges"][0]
    assert edge["node"]["slug"] == slugs["V"]
    assert edge["highlights"]["title"] == "<mark>Khu công nghiệp</mark> thu hút đầu tư"
    assert "<mark>khu công nghiệp</mark> (industrial parks)" in edge["highlights"]["body"]
    assert re.sub(r"</?mark>", "", edge["highlights"]["title"]) == edge["node"]["title"]


async def test_a_search_in_a_locale_costs_what_it_did(client, settings, count_queries):
    await corpus()

    async def statements(q: str, locale: str | None) -> int:
        count_queries.reset()
        answer = await gql(client, SEARCH, {"q": q, "locale": locale})
        assert answer["data"]["search"]["edges"], (q, locale)
        return int(count_queries.count)

    # One statement for the page of hits, one for the articles, one for totalCount: as before
    # locales (the locale is a condition of the match, not a statement of its own).
    assert await statements("khu cong nghiep", None) == 3, count_queries.statements
    assert await statements("khu cong nghiep", "vi") == 3, count_queries.statements
    assert await statements("industrial parks", "en") == 3, count_queries.statements


async def test_reindexing_keeps_the_locales_apart(client, settings):
    slugs = await corpus()
    assert await index.reindex() == len(slugs)
    assert await found(client, slugs, "industrial parks", "en") == ["Q", "P"]
    assert await found(client, slugs, "industrial parks", "vi") == ["V"]


async def test_an_event_is_indexed_by_its_name_in_the_articles_locale(client, settings):
    async with in_transaction():
        fair = await events.save(events.EventData(name="Hội chợ đầu tư", starts_at=at(1)))
    await models.Event.filter(id=fair.id).update(translations={"en": {"name": "Investment Fair"}})
    fair = await models.Event.get(id=fair.id)
    slugs = {
        "E": (await article("Opening day", 7, ("Crowds came.",), "en", fair)).slug,
        "T": (await article("Ngày khai mạc", 8, ("Đông vui.",), "vi", fair)).slug,
        # an English article of an event with no English name: the name there is
        "U": (await article("Closing day", 9, ("Goodbye.",), "en", await plain_event())).slug,
    }
    assert await found(client, slugs, "investment fairs", "en") == ["E"]
    assert await found(client, slugs, "hoi cho", "en") == []
    assert await found(client, slugs, "hoi cho", "vi") == ["T"]
    assert await found(client, slugs, "Expo", "en") == ["U"]


async def plain_event() -> models.Event:
    async with in_transaction():
        return await events.save(events.EventData(name="Expo 2024", starts_at=at(2)))


async def test_a_locale_no_longer_configured_is_found_by_none(client, settings):
    # Written while French was configured (the store takes the locale it is given); then fr
    # left CMS_LOCALES. Its article is in no configured locale's search, as in no list.
    slugs = await corpus()
    slugs["F"] = (await article("Parcs industriels", 6, ("Les investisseurs.",), "fr")).slug
    assert await found(client, slugs, "parcs industriels", None) == []
    assert await found(client, slugs, "parcs industriels", "vi") == []
    assert await found(client, slugs, "parcs industriels", "en") == []


@pytest.mark.database(
    "postgres", reason="only the PostgreSQL index names the locale (SQLite reads the article's)"
)
async def test_migration_0016_names_the_locale_of_entries_written_before(client, settings):
    slugs = await corpus()
    # Entries as they were written before locales: the same lexemes, no locale lexeme...
    await connection().execute_script(
        "UPDATE article_search SET document = ts_delete(document, ARRAY['~vi', '~en'])"
    )
    assert await found(client, slugs, "khu cong nghiep", "vi") == []
    # ...get their article's from the migration's statement.
    await connection().execute_script(MARK_OLD_ENTRIES)
    assert await found(client, slugs, "khu cong nghiep", "vi") == ["V"]
    assert await found(client, slugs, "industrial parks", "en") == ["Q", "P"]
    assert await found(client, slugs, "industrial parks", "vi") == ["V"]
