"""Which writes are events (what the public can see change), and that a refused or rolled-back
write emits nothing: no outbox row, no delivery, no request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest
from tortoise.transactions import in_transaction

from cms.articles import editing
from cms.core import clock
from cms.core.viewer import Viewer
from cms.models import Article, ArticleStatus, OutboxEvent, Role, WebhookDelivery
from cms.notify import outbox as events
from schema.types.node import pk_of, to_global_id
from tests.content_editing.helpers import call, mutation
from tests.editing.helpers import FakeClock, created, figure, mutate, paragraph, published
from tests.factories import Factory
from tests.notify.conftest import Deliver
from tests.notify.helpers import Receiver, create_webhook, outbox

pytestmark = pytest.mark.database("sqlite", "postgres")

EVERYTHING = (
    "ARTICLE_PUBLISHED",
    "ARTICLE_UPDATED",
    "ARTICLE_UNPUBLISHED",
    "ARTICLE_ARCHIVED",
    "ARTICLE_DELETED",
    "IMAGE_UPDATED",
    "AUTHOR_UPDATED",
    "EVENT_UPDATED",
)


class Editor:
    """Article moves as an editor, each from the version last seen."""

    def __init__(self, client: Any, token: str) -> None:
        self.client, self.token = client, token

    async def __call__(self, name: str, article: dict[str, Any], **extra: Any) -> dict[str, Any]:
        input = {"id": article["id"], "version": article["version"], **extra}
        answer = await mutate(self.client, name, input, self.token)
        assert answer["__typename"].endswith("Success"), answer
        return answer.get("article") or {}


async def since(count: int) -> list[tuple[str, str, int]]:
    """The events written after the first ``count``."""
    return (await outbox())[count:]


def pk(article: dict[str, Any]) -> int:
    return pk_of(article["id"], "Article", "id")


async def test_article_moves_and_edits(client, admin, editor, fake_clock: FakeClock):
    await create_webhook(client, admin, "https://hooks.example.org/", EVERYTHING)
    move = Editor(client, editor)
    draft = await created(client, editor, "Bản nháp")
    n = pk(draft)

    draft = await move("articleUpdate", draft, title="Vẫn là nháp")  # nothing public changed
    assert await outbox() == []
    live = await move("articlePublish", draft)
    assert await outbox() == [("article.published", "Article", n)]
    live = await move("articleUpdate", live, title="Đã sửa")
    assert await since(1) == [("article.updated", "Article", n)]
    live = await move("articleRestoreRevision", live, revision=1)
    assert await since(2) == [("article.updated", "Article", n)]
    back = await move("articleUnpublish", live)
    assert await since(3) == [("article.unpublished", "Article", n)]
    live = await move("articlePublish", back)
    archived = await move("articleArchive", live)
    assert await since(4) == [
        ("article.published", "Article", n),
        ("article.archived", "Article", n),
    ]
    await move("articleUpdate", archived, title="Lưu trữ")  # not public: nothing
    assert len(await outbox()) == 6

    later = (fake_clock.now() + timedelta(hours=1)).isoformat()
    scheduled = await move("articlePublish", await created(client, editor), at=later)
    scheduled = await move("articleUpdate", scheduled, title="Chưa đến giờ")
    await move("articleArchive", scheduled)  # never public: nothing
    assert len(await outbox()) == 6

    gone = await published(client, editor, "Sẽ xoá")
    await move("articleDelete", gone)
    await move("articleDelete", await created(client, editor, "Nháp bị xoá"))
    assert await since(6) == [
        ("article.published", "Article", pk(gone)),
        ("article.deleted", "Article", pk(gone)),
    ]
    assert await WebhookDelivery.all().count() == len(await outbox()) == 8
    # Saves out of public view are the newsroom's live events, and no webhook's.
    saved = [(kind, pk) for kind, _, pk in await outbox(internal=True) if kind == "article.saved"]
    assert saved == [
        ("article.saved", n),  # the draft's update
        ("article.saved", n),  # the archived article's update
        ("article.saved", pk(scheduled)),  # scheduled
        ("article.saved", pk(scheduled)),  # its update
        ("article.saved", pk(scheduled)),  # archived while scheduled
    ]


async def test_the_payload_names_the_object(client, admin, editor):
    await create_webhook(client, admin, "https://hooks.example.org/", EVERYTHING)
    article = await published(client, editor, "Tin")
    event = await OutboxEvent.get(type="article.published")
    body = orjson.loads(event.body)
    assert set(body) == {"id", "type", "timestamp", "data"}
    assert (body["id"], body["type"]) == (event.uid, "article.published")
    assert body["data"] == {
        "id": article["id"],
        "type": "Article",
        "slug": article["slug"],
        "version": article["version"],
        "locale": "vi",  # an article's event names the language it is written in
    }


async def test_image_author_and_event_updates(client, admin, editor, settings):
    await create_webhook(client, admin, "https://hooks.example.org/", EVERYTHING)
    factory = Factory(settings.media_root)
    shown, hidden = await factory.image(), await factory.image()
    author = await factory.author("Bích Liên")
    event = await factory.event("Hội nghị")
    await published(
        client,
        editor,
        "Công khai",
        body=[paragraph("Chữ."), figure(to_global_id("Image", shown.id))],
    )
    await created(
        client, editor, "Nháp", body=[paragraph("Chữ."), figure(to_global_id("Image", hidden.id))]
    )
    start = len(await outbox())

    image_update = mutation("imageUpdate", "image { id }")
    for image in (hidden, shown):  # only the image the public sees is an event
        input = {"id": to_global_id("Image", image.id), "caption": "Chú thích mới"}
        await call(client, image_update, {"input": input}, editor)
    author_update = mutation("authorUpdate", "author { id }")
    input = {"id": to_global_id("Author", author.id), "name": "Bích Liên Nguyễn"}
    await call(client, author_update, {"input": input}, editor)
    event_update = mutation("eventUpdate", "event { id }")
    input = {"id": to_global_id("Event", event.id), "name": "Hội nghị sơ kết"}
    await call(client, event_update, {"input": input}, editor)

    assert await since(start) == [
        ("image.updated", "Image", shown.id),
        ("author.updated", "Author", author.id),
        ("event.updated", "Event", event.id),
    ]
    author_event = await OutboxEvent.get(type="author.updated")
    assert orjson.loads(author_event.body)["data"] == {
        "id": to_global_id("Author", author.id),
        "type": "Author",
        "slug": author.slug,
        "version": None,
    }


async def test_a_refused_publish_emits_nothing(
    receiver: Receiver, client, admin, editor, deliver: Deliver
):
    await create_webhook(client, admin, receiver.url(), EVERYTHING)
    draft = await created(client, editor)
    stale = {"id": draft["id"], "version": draft["version"] + 1}
    refused = await mutate(client, "articlePublish", stale, editor)
    assert refused["code"] == "CONFLICT"
    anonymous = await mutate(client, "articlePublish", {**stale, "version": 1}, None)
    assert anonymous["code"] == "UNAUTHENTICATED"

    await deliver()
    assert await outbox() == []
    assert await WebhookDelivery.all().count() == 0
    assert receiver.requests == []


async def test_a_rolled_back_transaction_emits_nothing(
    receiver: Receiver, client, admin, editor, deliver: Deliver
):
    await create_webhook(client, admin, receiver.url(), EVERYTHING)
    draft = await created(client, editor)
    viewer = Viewer(can_preview=True, role=Role.EDITOR, label="editor@example.org")

    class Interrupted(Exception):
        pass

    with pytest.raises(Interrupted):
        async with in_transaction():
            await editing.publish(viewer, clock.now(), pk(draft), draft["version"], None)
            assert [e.type for e in await OutboxEvent.all()] == ["article.published", "cache.purge"]
            assert await WebhookDelivery.all().count() == 1  # written, not yet committed
            raise Interrupted

    assert (await Article.get(id=pk(draft))).status is ArticleStatus.DRAFT
    await deliver()
    assert await outbox() == []
    assert await WebhookDelivery.all().count() == 0
    assert receiver.requests == []

    with pytest.raises(Interrupted):
        async with in_transaction():
            await events.emit(events.EventType.AUTHOR_UPDATED, "Author", 1, clock.now())
            raise Interrupted
    assert await outbox() == []
