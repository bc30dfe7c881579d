"""Committed events survive their process: a process killed right after its commit, or in the
middle of a delivery, delivers after a restart; ``cms webhooks deliver`` sends what is pending."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from cms.core import db
from cms.core.viewer import Viewer
from cms.models import ArticleStatus, DeliveryStatus, Role, WebhookDelivery
from cms.notify import delivery, webhooks
from cms.notify.outbox import EventType
from schema.types.node import pk_of
from settings import Settings
from tests.editing.helpers import FakeClock, created, published
from tests.factories import Factory
from tests.notify.conftest import token
from tests.notify.helpers import (
    REPO,
    Receiver,
    create_webhook,
    deliveries,
    environment,
    outbox,
    running,
    settled,
    started,
)

pytestmark = pytest.mark.database("sqlite", "postgres")

CMS = Path(sys.executable).with_name("cms")


async def test_killed_after_its_commit_delivers_after_restart(
    settings: Settings, receiver: Receiver
):
    async with running(settings) as client:
        admin = await token(Role.ADMIN, "admin@example.org")
        editor = await token(Role.EDITOR, "editor@example.org")
        secret = (await create_webhook(client, admin, receiver.url()))["secret"]
        draft = await created(client, editor, "Xuất bản rồi mất điện")

    n = pk_of(draft["id"], "Article", "id")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "tests.notify.processes", "publish-and-die", str(n), str(draft["version"])),
        cwd=REPO,
        env=environment(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == -signal.SIGKILL, err.decode()
    assert out == b"committed\n"

    async with db.connected(settings):  # what the dead process left: committed, not sent
        assert await outbox() == [("article.published", "Article", n)]
        [pending] = await WebhookDelivery.all()
        assert (pending.status, pending.attempts) == (DeliveryStatus.PENDING, 0)
    assert receiver.requests == []

    async with running(settings) as client:  # the restart
        [got] = await receiver.wait_for(1)
        payload = Verifier(secret).verify(got.body, got.headers)
        assert (payload["type"], payload["data"]["id"]) == ("article.published", draft["id"])
        await settled()
        [sent] = await deliveries(client, admin)
        assert (sent["status"], sent["attempts"], sent["httpStatus"]) == ("SUCCEEDED", 1, 200)
        assert sent["eventId"] == got.headers["webhook-id"]
    assert len(receiver.requests) == 1


async def test_killed_while_sending_sends_again_once_its_claim_expires(
    settings: Settings, receiver: Receiver, orm: None, tmp_path: Path, fake_clock: FakeClock
):
    """An instance killed while a receiver is still answering leaves the delivery claimed; a
    restarted instance sends it again (same ``webhook-id``) once the claim has expired."""
    admin = await token(Role.ADMIN, "admin@example.org")
    editor = await token(Role.EDITOR, "editor@example.org")
    clock_file = tmp_path / "clock-offset"
    clock_file.write_text("0")
    receiver.gate = asyncio.Event()  # the receiver does not answer yet
    async with started(settings, clock_file, tmp_path / "cms.log") as cms:
        async with httpx.AsyncClient(base_url=cms.url, timeout=30) as client:
            await create_webhook(client, admin, receiver.url())
            await published(client, editor, "Đang gửi thì mất điện")
        [first] = await receiver.wait_for(1)
        cms.process.kill()
        await cms.process.wait()
    receiver.gate.set()

    [claimed] = await WebhookDelivery.all()
    assert (claimed.status, claimed.attempts) == (DeliveryStatus.PENDING, 0)
    assert claimed.claimed_until is not None
    expires = claimed.claimed_until
    fake_clock.at = datetime.now(UTC)

    sender = delivery.Sender(settings)
    try:
        assert await sender.run_once(fake_clock.now()) == 0  # still claimed by the dead one
        fake_clock.at = expires + timedelta(seconds=1)
        assert await sender.run_once(fake_clock.now()) == 1
    finally:
        await sender.close()
    second = receiver.requests[-1]
    assert len(receiver.requests) == 2
    assert second.headers["webhook-id"] == first.headers["webhook-id"]
    assert second.body == first.body
    [done] = await WebhookDelivery.all()
    assert (done.status, done.attempts) == (DeliveryStatus.SUCCEEDED, 1)


async def cms_command(settings: Settings, *args: str) -> tuple[int, str, str]:
    """``cms ARGS...`` in a subprocess (the test's loop goes on serving the receiver)."""
    process = await asyncio.create_subprocess_exec(
        str(CMS),
        *args,
        cwd=REPO,
        env=environment(settings, COLUMNS="200"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_cms_webhooks_deliver_sends_what_is_pending(
    settings: Settings, receiver: Receiver, orm: None
):
    """With no server running, ``cms webhooks deliver`` announces a scheduled article whose
    time passed while nothing ran and sends its event; a failed delivery is retried by a later
    run once due; nothing is sent twice."""
    admin = Viewer(can_preview=True, role=Role.ADMIN, label="admin@example.org")
    allowed = delivery.allowed_hosts(settings)
    hook = await webhooks.create(
        admin, receiver.url(), [EventType.ARTICLE_PUBLISHED], True, allowed
    )
    factory = Factory(settings.media_root)
    past = datetime.now(UTC) - timedelta(minutes=5)
    due = await factory.article("Đến giờ", past, status=ArticleStatus.SCHEDULED)
    receiver.statuses = [500]  # the first request fails: tried again at a later run

    code, out, err = await cms_command(settings, "webhooks", "deliver")
    assert (code, err) == (0, "")
    assert "1 scheduled article announced; 1 delivery attempted." in out
    assert len(receiver.requests) == 1
    payload = Verifier(hook.secret).verify(receiver.requests[0].body, receiver.requests[0].headers)
    assert payload["data"]["slug"] == due.slug

    [retry] = await WebhookDelivery.all()
    assert (retry.status, retry.attempts, retry.last_status_code) == (
        DeliveryStatus.PENDING,
        1,
        500,
    )
    await WebhookDelivery.filter(id=retry.id).update(next_attempt_at=past)  # its retry is due
    code, out, _ = await cms_command(settings, "webhooks", "deliver")
    assert code == 0 and "0 scheduled articles announced; 1 delivery attempted." in out
    code, out, _ = await cms_command(settings, "webhooks", "deliver")
    assert code == 0 and "0 scheduled articles announced; 0 deliveries attempted." in out

    assert [r.headers["webhook-id"] for r in receiver.requests] == [payload["id"]] * 2
    [done] = await WebhookDelivery.all()
    assert (done.status, done.attempts) == (DeliveryStatus.SUCCEEDED, 2)
    assert await outbox() == [("article.published", "Article", due.id)]
