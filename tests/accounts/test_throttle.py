"""Failed sign-ins slow down further attempts, per email and per client address."""

from __future__ import annotations

import asyncio
import threading

import pytest
from argon2 import PasswordHasher
from asgi_lifespan import LifespanManager

from cms import models
from cms.accounts import passwords
from cms.accounts.throttle import Policy
from cms.app import create_app
from tests.accounts.helpers import PASSWORD, client_from, login, make_user

EMAIL = "lan@example.org"
WRONG = "sai mật khẩu rồi"


def test_each_wait_doubles_up_to_the_longest():
    policy = Policy(free_per_email=5, free_per_address=20, max_wait=900)
    waits = [policy.wait("email:lan@example.org", failures) for failures in range(4, 18)]
    assert waits == [0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900]
    assert policy.wait("address:10.0.0.1", 20) == 2
    assert policy.wait("address:10.0.0.1", 19) == 0
    assert policy.wait("email:x", 10**9) == 900  # no huge power computed


@pytest.mark.database("sqlite", "postgres")
async def test_fifty_wrong_passwords_then_the_right_one_after_the_wait(client, fake_clock, hasher):
    await make_user(EMAIL)
    hasher.verified.clear()
    answers = [await login(client, EMAIL, f"{WRONG} {n}") for n in range(50)]

    assert [a["code"] for a in answers] == ["INVALID_CREDENTIALS"] * 5 + ["RATE_LIMITED"] * 45
    assert {a["retryAfter"] for a in answers[5:]} == {2}
    assert answers[5]["message"] == "Too many failed sign-ins: try again in 2 seconds."
    assert len(hasher.verified) == 5  # while limited, no password is even checked
    limited = await login(client, EMAIL)  # the right password, too early
    assert limited["code"] == "RATE_LIMITED" and len(hasher.verified) == 5

    fake_clock.advance(1)
    assert (await login(client, EMAIL, WRONG))["retryAfter"] == 1
    fake_clock.advance(1)
    assert (await login(client, EMAIL, WRONG))["code"] == "INVALID_CREDENTIALS"
    assert (await login(client, EMAIL, WRONG))["retryAfter"] == 4  # twice as long each time
    fake_clock.advance(4)
    assert (await login(client, EMAIL))["__typename"] == "LoginSuccess"

    counters = {t.key: t.failures for t in await models.LoginThrottle.all()}
    assert counters == {"address:127.0.0.1": 6}  # success forgets the email's count only
    failed = await models.AuditEntry.filter(action="login_failed").count()
    assert failed == 6  # refused attempts are not failures: nothing was checked


@pytest.mark.database("sqlite", "postgres")
async def test_a_quiet_counter_starts_again(client, fake_clock, settings):
    await make_user(EMAIL)
    for _ in range(5):
        await login(client, EMAIL, WRONG)
    fake_clock.advance(settings.login_max_wait * 4)
    assert (await login(client, EMAIL, WRONG))["code"] == "INVALID_CREDENTIALS"
    assert (await models.LoginThrottle.get(key=f"email:{EMAIL}")).failures == 1
    assert (await login(client, EMAIL, WRONG))["code"] == "INVALID_CREDENTIALS"


@pytest.mark.database("sqlite", "postgres")
async def test_one_address_is_slowed_down_across_emails(settings, fake_clock):
    app = create_app(settings.model_copy(update={"login_free_failures_per_address": 3}))
    async with LifespanManager(app) as manager:
        await make_user(EMAIL)
        async with (
            client_from(manager.app, "203.0.113.5") as attacker,
            client_from(manager.app, "198.51.100.7") as colleague,
        ):
            tried = [await login(attacker, f"user{n}@example.org", WRONG) for n in range(4)]
            assert [a["code"] for a in tried] == ["INVALID_CREDENTIALS"] * 3 + ["RATE_LIMITED"]
            assert (await login(attacker, EMAIL))["code"] == "RATE_LIMITED"
            assert (await login(colleague, EMAIL))["__typename"] == "LoginSuccess"
            fake_clock.advance(2)
            assert (await login(attacker, EMAIL))["__typename"] == "LoginSuccess"
        failed = await models.AuditEntry.filter(action="login_failed")
        assert {entry.summary for entry in failed} == {"from 203.0.113.5"}


class MeetingHasher(PasswordHasher):
    """Cheap argon2id hashes that wait for a second one to run alongside, counting how many do."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.pair = threading.Barrier(2, timeout=10)

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            self.pair.wait()  # a concurrency of one would time out here
            return super().hash(password, salt=salt)
        finally:
            with self.lock:
                self.running -= 1


async def test_hashes_run_in_threads_at_most_the_configured_number_at_once(monkeypatch):
    meeting = MeetingHasher()
    monkeypatch.setattr(passwords, "hasher", meeting)
    made = await asyncio.gather(*(passwords.hash_password(f"{PASSWORD} {n}", 2) for n in range(6)))
    assert len(set(made)) == 6 and all(h.startswith("$argon2id$") for h in made)
    assert meeting.most == 2
