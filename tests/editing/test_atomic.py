"""Every article mutation is one transaction: a refusal or a failure leaves no trace."""

from __future__ import annotations

import logging

import pytest

from cms.accounts import audit
from cms.models import Role
from schema.types.node import to_global_id
from tests.editing.helpers import (
    content_version,
    dump,
    figure,
    mutate,
    paragraph,
    published,
    refused,
)

pytestmark = pytest.mark.database("sqlite", "postgres")


async def _five_blocks(factory, bad: str) -> list[dict[str, object]]:
    photo = await factory.image()
    good = [paragraph("Một."), paragraph("Hai."), figure(to_global_id("Image", photo.id))]
    return [*good, paragraph("Bốn."), figure(to_global_id("Image", photo.id), bad)]


async def test_an_invalid_figure_in_the_fifth_block_leaves_the_database_as_it_was(
    client, editor, factory
):
    article = await published(client, editor, "Đã đăng", body=[paragraph("Gốc.")])
    body = await _five_blocks(factory, to_global_id("Image", 404))
    before = await dump()
    create = await mutate(client, "articleCreate", {"title": "Mới", "body": body}, editor)
    refused(create, "VALIDATION", "body.4.figure.imageIds.1")
    change = {"id": article["id"], "version": article["version"], "title": "Sửa", "body": body}
    refused(
        await mutate(client, "articleUpdate", change, editor),
        "VALIDATION",
        "body.4.figure.imageIds.1",
    )
    assert await dump() == before


async def test_a_failure_after_the_first_writes_rolls_everything_back(
    client, editor, factory, monkeypatch, caplog
):
    """A crash after the article, its links, index entry and revision were written (here: the
    audit log refusing its entry) takes all of them back."""
    article = await published(client, editor, "Đã đăng", body=[paragraph("Gốc.")])
    body = (await _five_blocks(factory, to_global_id("Image", 1)))[:4]
    before = await dump()

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the audit log is full")

    monkeypatch.setattr(audit, "record", broken)
    change = {"id": article["id"], "version": article["version"], "title": "Sửa", "body": body}
    with caplog.at_level(logging.CRITICAL, logger="cms.errors"):
        for name, input_ in [
            ("articleCreate", {"title": "Mới", "body": body}),
            ("articleUpdate", change),
            ("articleUnpublish", {"id": article["id"], "version": article["version"]}),
            ("articleDelete", {"id": article["id"], "version": article["version"]}),
        ]:
            response = await client.post(
                "/graphql",
                json={
                    "query": f"mutation ($i: {name[0].upper()}{name[1:]}Input!) "
                    f"{{ {name}(input: $i) {{ __typename }} }}",
                    "variables": {"i": input_},
                },
                headers={"authorization": f"Bearer {editor}"},
            )
            errors = response.json()["errors"]
            assert errors[0]["extensions"]["code"] == "INTERNAL_ERROR", errors
    assert await dump() == before


async def test_a_refused_mutation_does_not_move_the_content_version(client, editor, factory):
    me = await factory.author("Bích Liên")
    author = await factory.token(Role.AUTHOR, author=me)
    article = await published(client, editor, "Đã đăng")
    stale = {"id": article["id"], "version": article["version"] - 1, "title": "Cũ"}
    refusals = [
        ("articleCreate", {"title": " "}, editor, "VALIDATION"),
        ("articleCreate", {"title": "Bài"}, None, "UNAUTHENTICATED"),
        ("articleUpdate", stale, editor, "CONFLICT"),
        (
            "articlePublish",
            {"id": article["id"], "version": article["version"]},
            editor,
            "VALIDATION",
        ),
        (
            "articleArchive",
            {"id": article["id"], "version": article["version"]},
            author,
            "FORBIDDEN",
        ),
        ("articleDelete", {"id": to_global_id("Article", 999), "version": 1}, editor, "NOT_FOUND"),
    ]
    version = await content_version()
    for name, input_, token, code in refusals:
        assert (await mutate(client, name, input_, token))["code"] == code, name
        assert await content_version() == version, name
    await published(client, editor, "Một bài mới")  # a draft's save changes nothing public
    assert await content_version() > version
