"""No lost edits: two saves of the same version at the same moment, one wins, one is told."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from cms.models import Article, Role
from tests.editing.helpers import created, mutate, paragraph, published, refused

pytestmark = pytest.mark.database("sqlite", "postgres")


async def test_two_concurrent_updates_of_one_version_one_wins(client, editor, factory):
    other = await factory.token(Role.ADMIN, "admin@example.org")
    article = await created(client, editor, "Gốc", body=[paragraph("Gốc.")])
    for round_ in range(3):  # a few times, so the two really overlap at different points
        version = (await Article.get(id=1)).version
        edits = [
            {
                "id": article["id"],
                "version": version,
                "title": f"Sửa {round_} của {who}",
                "body": [paragraph(f"Bản của {who}.")],
            }
            for who in ("A", "B")
        ]
        answers = await asyncio.gather(
            mutate(client, "articleUpdate", edits[0], editor),
            mutate(client, "articleUpdate", edits[1], other),
        )
        kinds = sorted(a["__typename"] for a in answers)
        assert kinds == ["ArticleUpdateSuccess", "ConflictError"], answers
        won = next(a for a in answers if a["__typename"] == "ArticleUpdateSuccess")
        lost = next(a for a in answers if a["__typename"] == "ConflictError")
        refused(lost, "CONFLICT", "version")
        assert lost["currentVersion"] == won["article"]["version"] == version + 1
        saved = await Article.get(id=1)
        assert (saved.title, saved.version) == (won["article"]["title"], version + 1)
        assert saved.body == [{"type": "paragraph", "text": won["article"]["bodyText"]}]


async def test_concurrent_status_changes_and_deletes_of_one_version(client, editor, factory):
    article = await published(client, editor, "Đã đăng")
    version = article["version"]
    answers = await asyncio.gather(
        mutate(client, "articleArchive", {"id": article["id"], "version": version}, editor),
        mutate(client, "articleUnpublish", {"id": article["id"], "version": version}, editor),
        mutate(client, "articleDelete", {"id": article["id"], "version": version}, editor),
    )
    kinds = [a["__typename"] for a in answers]
    assert len([k for k in kinds if k.endswith("Success")]) == 1, answers
    # A loser finds the version moved (CONFLICT), or, when the delete won before it read the
    # article, the article gone (NOT_FOUND: "deleted meanwhile").
    losers = {"ConflictError", "NotFoundError"} if "ArticleDeleteSuccess" in kinds else set()
    assert all(k.endswith("Success") or k in losers | {"ConflictError"} for k in kinds), answers


@pytest.mark.database("postgres", reason="a second real connection holding the row lock")
async def test_a_save_waits_for_a_concurrent_writer_and_then_conflicts(client, editor, settings):
    """Another connection changes the row and holds its lock; our save (which read the old
    version) waits on the conditional UPDATE, then finds the version moved: CONFLICT."""
    article = await created(client, editor, "Gốc")
    url = settings.database_url.replace("postgres://", "postgresql://", 1)
    other = await asyncpg.connect(url)
    try:
        writer = other.transaction()
        await writer.start()
        await other.execute("UPDATE article SET title = 'Của người khác', version = 2 WHERE id = 1")
        edit = {"id": article["id"], "version": 1, "title": "Của tôi"}
        ours = asyncio.create_task(mutate(client, "articleUpdate", edit, editor))
        await asyncio.sleep(0.3)
        assert not ours.done()  # waiting for the other connection's row lock
        await writer.commit()
        answer = await asyncio.wait_for(ours, 10)
    finally:
        await other.close()
    refused(answer, "CONFLICT", "version")
    assert answer["currentVersion"] == 2
    saved = await Article.get(id=1)
    assert (saved.title, saved.version) == ("Của người khác", 2)
