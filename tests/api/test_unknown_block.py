"""A stored body block of a type this version does not know (written by a newer version, or by
hand) is refused loudly, never shown as something else: it once fell through to a figure."""

from __future__ import annotations

import logging

import pytest

from cms import models
from cms.models import Role
from schema.types.node import to_global_id
from tests.conftest import gql
from tests.editing.helpers import document, post
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

BODY = """
query ($slug: String) {
  article(slug: $slug) { title body { __typename } bodyText bodyHtml }
}
"""


async def test_reading_an_unknown_block_is_an_internal_error_not_a_figure(client, settings, caplog):
    article = await Factory(settings.media_root).article("Bài lạ", figures=1)
    stored = [*article.body, {"type": "gallery", "images": [article.body[1]["images"][0]]}]
    await models.Article.filter(id=article.id).update(body=stored)
    with caplog.at_level(logging.ERROR):
        answer = await gql(client, BODY, {"slug": article.slug})
    assert answer["data"] == {"article": None}  # the non-null fields that failed null it
    errors = answer["errors"]
    assert errors and {tuple(e["path"]) for e in errors} <= {
        ("article", "body"),
        ("article", "bodyText"),
        ("article", "bodyHtml"),
    }
    assert all(e["extensions"] == {"code": "INTERNAL_ERROR"} for e in errors), errors
    assert "'gallery'" in caplog.text  # the operator sees which type


async def test_an_edit_cannot_save_the_body_without_the_unknown_block(client, settings):
    factory = Factory(settings.media_root)
    article = await factory.article("Bài lạ")
    stored = [*article.body, {"type": "gallery", "images": []}]
    await models.Article.filter(id=article.id).update(body=stored)
    token = await factory.token(Role.EDITOR)
    change = {"id": to_global_id("Article", article.id), "version": 1, "title": "Tên mới"}
    answer = await post(client, document("articleUpdate"), {"input": change}, token)
    assert answer["errors"][0]["extensions"] == {"code": "INTERNAL_ERROR"}, answer
    after = await models.Article.get(id=article.id)
    assert (after.title, after.body, after.version) == ("Bài lạ", stored, 1)
