"""Fixtures of the account tests: a fake clock and a counting password hasher."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cms.accounts import passwords
from cms.core import clock
from tests.accounts.helpers import CountingHasher, FakeClock


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """``clock.now()`` stands still at the real now (so that tokens made meanwhile agree)."""
    fake = FakeClock(datetime.now(UTC).replace(microsecond=0))
    monkeypatch.setattr(clock, "now", fake.now)
    return fake


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    """The services' hasher, counting its calls (a real argon2id hasher, default parameters)."""
    counting = CountingHasher()
    monkeypatch.setattr(passwords, "hasher", counting)
    return counting
