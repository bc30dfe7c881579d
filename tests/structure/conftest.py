"""Fixtures of the site-structure tests: the factory, signed-in users, a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cms.core import clock
from cms.models import Role
from tests.editing.helpers import FakeClock
from tests.factories import Factory


@pytest.fixture
def factory(settings: Any) -> Factory:
    return Factory(settings.media_root)


@pytest.fixture
async def editor(client: Any, factory: Factory) -> str:
    """An editor's session token (the app is up, so the ORM is too)."""
    return await factory.token(Role.EDITOR, "editor@example.org")


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """``clock.now()`` stands still at the real now until moved (tokens made meanwhile agree)."""
    fake = FakeClock(datetime.now(UTC).replace(microsecond=0))
    monkeypatch.setattr(clock, "now", fake.now)
    return fake
