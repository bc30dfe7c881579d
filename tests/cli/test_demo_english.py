"""``cms demo``'s English edition: the sample article's translation (English title, summary, slug
and first paragraph, the rest of its body as the translation draft copies it, published, linked to
the original) and English names for the demo's sections, tags and event; written whether or not
``en`` is configured, the output saying how to read it when it is not. Rows are read with
``sqlite3`` or ``asyncpg``, not through the code under test."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import Any

import pytest

from tests.cli.test_cli import DEMO_SLUG, cms, db_url, output, query

__all__ = ["cms", "db_url"]  # the fixtures, shared with test_cli

pytestmark = pytest.mark.database("sqlite", "postgres")

EN_SLUG = "mid-year-review-meeting-with-businesses-and-investors-2023"
HINT = "to read the English edition, serve with CMS_LOCALES=vi,en."
ARTICLE = (
    "SELECT id, locale, story_id, slug, title, summary, status, published_at, body, section_id, "
    "event_id, cover_id FROM article ORDER BY id"
)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _write(database_url: str, sql: str, *params: Any) -> None:
    """Run one statement and commit it (as an editor's change through the API would be)."""
    if database_url.startswith("sqlite://"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite://"))) as conn, conn:
            conn.execute(sql, params)
    else:
        query(database_url, sql.replace("?", "$1::jsonb", 1).replace("?", "$2"), *params)


def test_the_demo_adds_an_english_translation_of_its_article(cms, db_url):
    loaded = cms("demo")

    assert loaded.returncode == 0, output(loaded)
    assert f"English translation {EN_SLUG}: created." in loaded.stdout
    assert "English names of sections, tags and the event: 7 written." in loaded.stdout
    assert HINT in loaded.stdout  # CMS_LOCALES is vi alone: the API does not read `en` yet
    vi, en = query(db_url, ARTICLE)
    assert (vi[1], vi[2], vi[3]) == ("vi", vi[0], DEMO_SLUG)
    assert (en[1], en[2], en[3]) == ("en", vi[0], EN_SLUG)  # one story
    assert en[4].startswith("Mid-year review conference, meeting with businesses and investors")
    assert en[5].startswith("The Management Board of Bắc Kạn Province's Industrial Parks")
    assert (en[6], en[7]) == ("published", vi[7])  # published at the original's time
    assert en[9:] == vi[9:]  # the same section, event and cover
    vi_body, en_body = _json(vi[8]), _json(en[8])
    assert [b["type"] for b in en_body] == [b["type"] for b in vi_body]
    assert en_body[0]["text"].startswith("On the afternoon of 19 July 2023, the Management Board")
    assert vi_body[0]["text"].startswith("Chiều ngày 19/7/2023")
    assert en_body[1:] == vi_body[1:]  # the rest as the translation draft copied it
    authors = query(db_url, "SELECT article_id, author_id FROM article_author ORDER BY article_id")
    assert [author for _, author in authors] == [authors[0][1]] * 2


def test_the_demo_names_its_sections_tags_and_event_in_english(cms, db_url):
    assert cms("demo").returncode == 0

    rows = query(db_url, "SELECT slug, translations FROM section")
    sections = {slug: _json(translations) for slug, translations in rows}
    assert sections == {
        "tin-tuc": {"en": {"name": "News and events"}},
        "hoat-dong-cua-ban": {"en": {"name": "Board activities"}},
        "thong-bao": {"en": {"name": "Announcements"}},
        "thu-hut-dau-tu": {"en": {"name": "Investment promotion"}},
    }
    tags = {name: _json(t) for name, t in query(db_url, "SELECT name, translations FROM tag")}
    assert tags == {
        "Khu công nghiệp": {"en": {"name": "Industrial parks"}},
        "Doanh nghiệp FDI": {"en": {"name": "FDI enterprises"}},
    }
    [(event,)] = query(db_url, "SELECT translations FROM event")
    english = _json(event)["en"]
    assert set(english) == {"name", "description", "location", "organizer", "host"}
    assert english["location"] == "Bắc Kạn Province"
    assert english["host"] == "Hoàng Văn Khởi, Deputy Head of the Board in charge"


def test_the_demo_leaves_its_english_edition_as_it_finds_it(cms, db_url):
    assert cms("demo").returncode == 0
    renamed = json.dumps({"en": {"name": "Industrial zones"}})
    _write(db_url, "UPDATE tag SET translations = ? WHERE name = ?", renamed, "Khu công nghiệp")
    before = query(db_url, "SELECT id, version FROM article ORDER BY id")

    again = cms("demo", CMS_LOCALES="vi,en")

    assert again.returncode == 0, output(again)
    assert f"English translation {EN_SLUG}: already there." in again.stdout
    assert "English names of sections, tags and the event: 0 written." in again.stdout
    assert HINT not in again.stdout and "CMS_LOCALES" not in again.stdout  # `en` is configured
    assert query(db_url, "SELECT id, version FROM article ORDER BY id") == before
    [(kept,)] = query(db_url, "SELECT translations FROM tag WHERE name = ?", "Khu công nghiệp")
    assert _json(kept) == {"en": {"name": "Industrial zones"}}  # an editor's name stays
