"""Fixtures of the notification tests: a real webhook receiver, users, a fake clock, a sender.

The app under test runs its own background loops (scheduled publication, webhook delivery) on
``clock.now()``, which the fake clock moves; tests that want a step to happen now call
``deliver()``, which sends what is due and waits for anything the app's loop took meanwhile.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cms.accounts import tokens
from cms.core import clock
from cms.models import Role, TokenKind, User
from cms.notify import delivery
from settings import Settings
from tests.editing.helpers import FakeClock
from tests.factories import Factory
from tests.notify.helpers import Receiver, serving, settled

Deliver = Callable[[], Awaitable[int]]


@pytest.fixture
async def settings(settings: Settings) -> Settings:
    """The test's settings, with the local receiver's host allowed over plain http."""
    return settings.model_copy(update={"webhook_allowed_hosts": ["127.0.0.1"]})


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A webhook receiver on a free port of 127.0.0.1 (started before the app, stopped after)."""
    async with serving(Receiver()) as running:
        yield running


@pytest.fixture
def factory(settings: Settings) -> Factory:
    return Factory(settings.media_root)


async def token(role: Role, email: str) -> str:
    """A session token valid for a month: tests move the clock by days."""
    user = await User.create(email=email, name=email, password_hash="!", role=role)
    expires = datetime.now(UTC) + timedelta(days=30)
    issued = await tokens.issue(TokenKind.SESSION, expires_at=expires, user=user)
    return issued.secret


@pytest.fixture
async def admin(client: Any) -> str:
    """An admin's session token (the app is up, so the ORM is too)."""
    return await token(Role.ADMIN, "admin@example.org")


@pytest.fixture
async def editor(client: Any) -> str:
    return await token(Role.EDITOR, "editor@example.org")


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """``clock.now()`` stands still at the real now until moved (the app's loops use it too)."""
    fake = FakeClock(datetime.now(UTC).replace(microsecond=0))
    monkeypatch.setattr(clock, "now", fake.now)
    return fake


@pytest.fixture
async def deliver(client: Any, settings: Settings) -> AsyncIterator[Deliver]:
    """Sends every delivery due at ``clock.now()``, then waits until none is in flight; how
    many this call sent itself (the app's loop may have taken some first)."""
    sender = delivery.Sender(settings)

    async def run() -> int:
        sent = 0
        while batch := await sender.run_once(clock.now()):
            sent += batch
        await settled()
        return sent

    yield run
    await sender.close()
