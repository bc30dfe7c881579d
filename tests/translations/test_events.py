"""Webhook events, the change feed, the audit log and related articles know the locale."""

from __future__ import annotations

import orjson
import pytest

from cms.core import db
from cms.models import Role
from tests.editing.helpers import mutate, post
from tests.translations.test_articles import _create, _publish, _translate, _update

pytestmark = pytest.mark.database("sqlite", "postgres")

CHANGES = """
query ($locale: String) { changes(locale: $locale) { changes { kind article { locale } } } }
"""
AUDIT = "{ auditLog(first: 20) { nodes { action objectType locale summary } } }"
RELATED = """
query ($slug: String!, $locale: String) {
  article(slug: $slug, locale: $locale) { related { locale title } }
}
"""


async def test_events_name_the_locale(client, editor, factory):
    original = await _create(client, editor, title="Hội nghị", tags=["Đầu tư"])
    await _publish(client, editor, original)
    english = (await _translate(client, editor, original["id"], "en"))["article"]
    english = await _update(client, editor, english, title="Conference")
    await _publish(client, editor, english)
    rows = await db.fetch(
        "SELECT body FROM outbox_event WHERE type = 'article.published' ORDER BY id"
    )
    locales = [orjson.loads(row["body"])["data"]["locale"] for row in rows]
    assert locales == ["vi", "en"]
    # The change feed: upserts of one locale, each naming it.
    for locale, expected in ((None, ["vi"]), ("en", ["en"]), ("fr", [])):
        body = await post(client, CHANGES, {"locale": locale})
        found = [c["article"]["locale"] for c in body["data"]["changes"]["changes"]]
        assert found == expected, (locale, body)
    # The audit log.
    admin = await factory.token(Role.ADMIN, "admin@example.org")
    entries = (await post(client, AUDIT, None, admin))["data"]["auditLog"]["nodes"]
    articles = [(e["action"], e["locale"]) for e in entries if e["objectType"] == "Article"]
    assert ("create", "en") in articles and ("create", "vi") in articles
    assert ("publish", "en") in articles
    assert all(e["locale"] is None for e in entries if e["objectType"] != "Article")
    # Related articles stay in their locale.
    other = await _create(client, editor, title="Đầu tư mới", tags=["Đầu tư"])
    await _publish(client, editor, other)
    body = await post(client, RELATED, {"slug": original["slug"], "locale": "vi"})
    assert body["data"]["article"]["related"] == [{"locale": "vi", "title": "Đầu tư mới"}]
    body = await post(client, RELATED, {"slug": english["slug"], "locale": "en"})
    assert body["data"]["article"]["related"] == []
    deleted = await mutate(
        client, "articleDelete", {"id": english["id"], "version": english["version"] + 1}, editor
    )
    assert deleted["__typename"] == "ArticleDeleteSuccess", deleted
    rows = await db.fetch("SELECT body FROM outbox_event WHERE type = 'article.deleted'")
    assert [orjson.loads(row["body"])["data"]["locale"] for row in rows] == ["en"]
