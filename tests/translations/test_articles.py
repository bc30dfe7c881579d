"""Articles are written per locale: a translation is its own article, linked to its story."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from cms.core import db
from tests.editing.helpers import mutate, paragraph, post

pytestmark = pytest.mark.database("sqlite", "postgres")

TRANSLATE = """
mutation ($input: ArticleTranslateInput!) {
  articleTranslate(input: $input) {
    __typename
    ... on ArticleTranslateSuccess { article { id slug locale title status version bodyText } }
    ... on UserError { code message field }
  }
}
"""
FEED = """
query ($locale: String) {
  articles(locale: $locale) { nodes { slug locale title translations { locale title } } }
}
"""
BY_SLUG = """
query ($slug: String!, $locale: String) {
  article(slug: $slug, locale: $locale) { id locale title translations { locale slug } }
}
"""


async def _create(client: httpx.AsyncClient, token: str, **given: Any) -> dict[str, Any]:
    given.setdefault("body", [paragraph("Đoạn đầu."), paragraph("Đoạn hai.")])
    made = await mutate(client, "articleCreate", given, token)
    assert made["__typename"] == "ArticleCreateSuccess", made
    article: dict[str, Any] = made["article"]
    return article


async def _translate(client: httpx.AsyncClient, token: str, id_: str, locale: str) -> Any:
    body = await post(client, TRANSLATE, {"input": {"id": id_, "locale": locale}}, token)
    assert "errors" not in body, body
    return body["data"]["articleTranslate"]


async def _publish(client: httpx.AsyncClient, token: str, article: dict[str, Any]) -> None:
    done = await mutate(
        client, "articlePublish", {"id": article["id"], "version": article["version"]}, token
    )
    assert done["__typename"] == "ArticlePublishSuccess", done


async def _update(
    client: httpx.AsyncClient, token: str, article: dict[str, Any], **changes: Any
) -> dict[str, Any]:
    done = await mutate(
        client,
        "articleUpdate",
        {"id": article["id"], "version": article["version"], **changes},
        token,
    )
    assert done["__typename"] == "ArticleUpdateSuccess", done
    saved: dict[str, Any] = done["article"]
    return saved


async def _feed(client: httpx.AsyncClient, locale: str | None = None, token: str | None = None):
    body = await post(client, FEED, {"locale": locale}, token)
    assert "errors" not in body, body
    return body["data"]["articles"]["nodes"]


async def test_a_translation_starts_as_a_draft_with_the_original_texts_and_its_own_slug(
    client, editor
):
    original = await _create(client, editor, title="Hội nghị sơ kết")
    translated = await _translate(client, editor, original["id"], "en")
    assert translated["__typename"] == "ArticleTranslateSuccess", translated
    draft = translated["article"]
    assert draft["locale"] == "en" and draft["status"] == "DRAFT"
    assert draft["title"] == "Hội nghị sơ kết"  # to be translated
    assert draft["bodyText"] == "Đoạn đầu.\n\nĐoạn hai."
    assert draft["slug"] == original["slug"]  # slugs are unique per locale
    assert draft["id"] != original["id"]
    # The same locale again, or the original's: VALIDATION, naming the field.
    for locale in ("en", "vi"):
        again = await _translate(client, editor, original["id"], locale)
        assert again["__typename"] == "ValidationError", again
        assert again["field"] == "locale"
    unknown = await _translate(client, editor, original["id"], "de")
    assert unknown["__typename"] == "ValidationError" and unknown["field"] == "locale"
    # Translating the translation joins the same story.
    french = await _translate(client, editor, draft["id"], "fr")
    assert french["__typename"] == "ArticleTranslateSuccess", french
    found = await post(client, BY_SLUG, {"slug": original["slug"], "locale": "fr"}, editor)
    linked = found["data"]["article"]["translations"]
    assert [(t["locale"], t["slug"]) for t in linked] == [
        ("en", original["slug"]),
        ("vi", original["slug"]),
    ]


async def test_each_locale_has_its_own_feed_and_status(client, editor):
    original = await _create(client, editor, title="Hội nghị sơ kết")
    draft = (await _translate(client, editor, original["id"], "en"))["article"]
    english = await _update(client, editor, draft, title="Mid-year review conference")
    await _publish(client, editor, english)  # the translation is published, the original not
    assert await _feed(client) == []  # today's clients: the default locale, nothing public
    nodes = await _feed(client, "en")
    assert [(n["locale"], n["title"]) for n in nodes] == [("en", "Mid-year review conference")]
    assert nodes[0]["translations"] == []  # the Vietnamese original is a draft
    as_editor = await _feed(client, "en", editor)
    assert as_editor[0]["translations"] == [{"locale": "vi", "title": "Hội nghị sơ kết"}]
    await _publish(client, editor, original)
    assert [n["locale"] for n in await _feed(client)] == ["vi"]
    assert [n["locale"] for n in await _feed(client, "en")] == ["en"]
    assert await _feed(client, "fr") == []
    wrong = await post(client, FEED, {"locale": "de"})
    assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "vi, en, fr" in wrong["errors"][0]["message"]


async def test_slugs_are_unique_per_locale(client, editor):
    vi = await _create(client, editor, title="Khởi công", slug="khoi-cong")
    en = await _create(client, editor, title="Groundbreaking", slug="khoi-cong", locale="en")
    assert (vi["slug"], en["slug"]) == ("khoi-cong", "khoi-cong")
    taken = await mutate(
        client, "articleCreate", {"title": "Again", "slug": "khoi-cong", "locale": "en"}, editor
    )
    assert taken["__typename"] == "SlugTakenError", taken
    made_from_title = await _create(client, editor, title="Khởi công", locale="en")
    assert made_from_title["slug"] == "khoi-cong-2"
    for locale, title in (("vi", "Khởi công"), ("en", "Groundbreaking"), (None, "Khởi công")):
        found = await post(client, BY_SLUG, {"slug": "khoi-cong", "locale": locale}, editor)
        assert found["data"]["article"]["title"] == title


async def test_deleting_one_translation_leaves_the_others_linked(client, editor):
    original = await _create(client, editor, title="Hội nghị")
    english = (await _translate(client, editor, original["id"], "en"))["article"]
    french = (await _translate(client, editor, original["id"], "fr"))["article"]
    deleted = await mutate(
        client, "articleDelete", {"id": original["id"], "version": original["version"]}, editor
    )
    assert deleted["__typename"] == "ArticleDeleteSuccess", deleted
    found = await post(client, BY_SLUG, {"slug": english["slug"], "locale": "en"}, editor)
    assert found["data"]["article"]["translations"] == [{"locale": "fr", "slug": french["slug"]}]
    # And a new Vietnamese version can join the story again.
    again = await _translate(client, editor, english["id"], "vi")
    assert again["__typename"] == "ArticleTranslateSuccess", again


async def test_two_translators_racing_for_one_locale_make_one_translation(client, editor):
    original = await _create(client, editor, title="Hội nghị")
    answers = await asyncio.gather(
        *(_translate(client, editor, original["id"], "en") for _ in range(3))
    )
    kinds = sorted(answer["__typename"] for answer in answers)
    assert kinds == ["ArticleTranslateSuccess", "ValidationError", "ValidationError"], answers
    assert all(a["field"] == "locale" for a in answers if a["__typename"] == "ValidationError")
    rows = await db.fetch("SELECT locale FROM article ORDER BY id")
    assert [row["locale"] for row in rows] == ["vi", "en"]
