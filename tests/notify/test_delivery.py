"""Webhook deliveries to a real HTTP receiver: signed, retried with backoff, given up, 410."""

from __future__ import annotations

import base64
import itertools
from datetime import datetime, timedelta

import orjson
import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from tests.editing.helpers import FakeClock, created, mutate, post, published
from tests.notify.conftest import Deliver
from tests.notify.helpers import (
    WEBHOOKS,
    Receiver,
    create_webhook,
    deliveries,
    outbox,
    webhooks,
)

pytestmark = pytest.mark.database("sqlite", "postgres")


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_a_publish_delivers_one_signed_request(receiver, client, admin, editor, deliver):
    made = await create_webhook(client, admin, receiver.url())
    secret = made["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32

    article = await published(client, editor, "Tin nóng")
    await deliver()
    [got] = await receiver.wait_for(1)

    payload = Verifier(secret).verify(got.body, got.headers)  # raises unless signed with it
    assert payload == orjson.loads(got.body)
    assert payload["type"] == "article.published"
    assert payload["data"] == {
        "id": article["id"],
        "type": "Article",
        "slug": article["slug"],
        "version": article["version"],
        "locale": "vi",  # an article's event names the language it is written in
    }
    assert at(payload["timestamp"]).utcoffset() == timedelta(0)
    assert got.headers["content-type"] == "application/json"
    assert got.headers["webhook-signature"].startswith("v1,")
    with pytest.raises(Exception, match="No matching signature"):
        Verifier("whsec_" + base64.b64encode(b"x" * 32).decode()).verify(got.body, got.headers)

    [delivery] = await deliveries(client, admin)
    assert got.headers["webhook-id"] == delivery["eventId"] == payload["id"]
    assert delivery["eventId"].startswith("msg_")
    assert (delivery["status"], delivery["attempts"], delivery["httpStatus"]) == (
        "SUCCEEDED",
        1,
        200,
    )
    assert delivery["eventType"] == "ARTICLE_PUBLISHED"
    assert orjson.loads(delivery["payload"]) == payload
    assert (delivery["lastError"], delivery["nextAttemptAt"]) == ("", None)
    assert delivery["durationMs"] >= 0 and delivery["finishedAt"]

    await deliver()  # nothing more is due: still exactly one request
    assert len(receiver.requests) == 1
    assert await outbox() == [("article.published", "Article", 1)]


async def test_two_failures_then_success_with_backoff(
    receiver: Receiver, client, admin, editor, deliver: Deliver, fake_clock: FakeClock
):
    receiver.statuses = [500, 500]
    await create_webhook(client, admin, receiver.url())
    await published(client, editor)
    start = fake_clock.now()

    await deliver()
    assert len(receiver.requests) == 1
    [first] = await deliveries(client, admin)
    assert (first["status"], first["attempts"], first["httpStatus"]) == ("PENDING", 1, 500)
    assert first["lastError"] == "HTTP 500"
    wait = at(first["nextAttemptAt"]) - start  # 5 s, give or take 25 % jitter
    assert timedelta(seconds=3.75) <= wait <= timedelta(seconds=6.25), wait

    fake_clock.advance(seconds=3.7)  # not due yet, whatever the jitter
    await deliver()
    assert len(receiver.requests) == 1

    fake_clock.at = at(first["nextAttemptAt"])
    await deliver()
    assert len(receiver.requests) == 2
    [second] = await deliveries(client, admin)
    assert (second["status"], second["attempts"], second["httpStatus"]) == ("PENDING", 2, 500)
    wait = at(second["nextAttemptAt"]) - fake_clock.now()  # 10 s, give or take 25 %
    assert timedelta(seconds=7.5) <= wait <= timedelta(seconds=12.5), wait

    fake_clock.at = at(second["nextAttemptAt"])
    await deliver()
    [third] = await deliveries(client, admin)
    assert (third["status"], third["attempts"], third["httpStatus"]) == ("SUCCEEDED", 3, 200)
    assert (third["lastError"], third["nextAttemptAt"]) == ("", None)
    assert at(third["finishedAt"]) == fake_clock.now()

    requests = receiver.requests
    assert len(requests) == 3
    assert len({r.headers["webhook-id"] for r in requests}) == 1  # the same event each time
    assert len({r.body for r in requests}) == 1
    gaps = [b.at - a.at for a, b in itertools.pairwise(requests)]
    assert gaps[0] >= timedelta(seconds=3.75) and gaps[1] >= timedelta(seconds=7.5), gaps

    await deliver()
    assert len(receiver.requests) == 3


async def test_a_410_turns_the_endpoint_off(receiver, client, admin, editor, deliver):
    receiver.statuses = [410]
    await create_webhook(client, admin, receiver.url())
    await published(client, editor, "Một")
    await deliver()

    [hook] = await webhooks(client, admin)
    assert hook["active"] is False
    assert "410" in hook["disabledReason"]
    [gone] = hook["deliveries"]["nodes"]
    assert (gone["status"], gone["attempts"], gone["httpStatus"]) == ("FAILED", 1, 410)
    assert gone["nextAttemptAt"] is None and gone["finishedAt"]

    await published(client, editor, "Hai")  # an endpoint that is off gets nothing more
    await deliver()
    assert len(receiver.requests) == 1
    [hook] = await webhooks(client, admin)
    assert hook["deliveries"]["totalCount"] == 1


async def test_a_receiver_failing_for_a_day_fails_the_delivery(
    receiver: Receiver, client, admin, editor, deliver: Deliver, fake_clock: FakeClock
):
    receiver.statuses = [503] * 1000
    await create_webhook(client, admin, receiver.url())
    await published(client, editor)
    start = fake_clock.now()
    await deliver()

    for _ in range(100):
        [pending] = await deliveries(client, admin)
        if pending["status"] != "PENDING":
            break
        fake_clock.at = at(pending["nextAttemptAt"])
        await deliver()

    [failed] = await deliveries(client, admin)
    assert (failed["status"], failed["httpStatus"], failed["lastError"]) == (
        "FAILED",
        503,
        "HTTP 503",
    )
    assert failed["nextAttemptAt"] is None
    assert failed["attempts"] == len(receiver.requests) > 20
    times = [r.at for r in receiver.requests]
    assert times[-1] <= start + timedelta(hours=24) < times[-1] + timedelta(hours=1.25)
    for n, (earlier, later) in enumerate(itertools.pairwise(times)):
        base = timedelta(seconds=min(5 * 2**n, 3600))  # doubling from 5 s, at most an hour
        assert base * 0.75 <= later - earlier <= base * 1.25, (n, later - earlier)

    fake_clock.advance(days=2)
    await deliver()
    assert len(receiver.requests) == failed["attempts"]


async def test_deliveries_page_newest_first(receiver, client, admin, editor, deliver):
    await create_webhook(client, admin, receiver.url(), ("ARTICLE_PUBLISHED", "ARTICLE_UPDATED"))
    article = await published(client, editor, "Bài")
    for n in range(2):
        answer = await mutate(
            client,
            "articleUpdate",
            {"id": article["id"], "version": article["version"], "title": f"Bài {n}"},
            editor,
        )
        article = answer["article"]
    await created(client, editor, "Nháp")  # a draft tells nobody
    await deliver()
    await receiver.wait_for(3)

    [hook] = await webhooks(client, admin, first=2)
    page = hook["deliveries"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"]
    assert [d["eventType"] for d in page["nodes"]] == ["ARTICLE_UPDATED", "ARTICLE_UPDATED"]
    versions = [orjson.loads(d["payload"])["data"]["version"] for d in page["nodes"]]
    assert versions == [article["version"], article["version"] - 1]

    after = page["pageInfo"]["endCursor"]
    body = await post(client, WEBHOOKS, {"first": 2, "after": after}, admin)
    rest = body["data"]["webhooks"][0]["deliveries"]
    assert [d["eventType"] for d in rest["nodes"]] == ["ARTICLE_PUBLISHED"]
    assert not rest["pageInfo"]["hasNextPage"]
    newest_first = [*page["nodes"], *rest["nodes"]]
    assert [r.headers["webhook-id"] for r in receiver.requests] == [
        d["eventId"] for d in reversed(newest_first)
    ]
