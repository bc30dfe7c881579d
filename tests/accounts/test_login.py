"""Signing in and out: session tokens, what a failed sign-in says, and what it records."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher

from cms import models
from cms.accounts import passwords
from tests.accounts.helpers import (
    LOGIN,
    PASSWORD,
    VIEWER,
    ask,
    assert_unauthenticated,
    login,
    make_user,
    post,
    token_of,
)
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")


async def test_login_viewer_logout_round_trip(client, settings, fake_clock):
    writer = await Factory(settings.media_root).author("Bích Liên")
    user = await make_user("lan@example.org", models.Role.AUTHOR, author_id=writer.id)
    result = await login(client, "lan@example.org")

    assert result["__typename"] == "LoginSuccess"
    assert result["user"]["email"] == "lan@example.org"
    assert result["user"]["role"] == "AUTHOR"
    assert result["user"]["lastLoginAt"] is not None
    expires = datetime.fromisoformat(result["expiresAt"])
    assert expires == fake_clock.at + timedelta(hours=settings.session_hours)
    token = result["token"]
    assert len(token) >= 43  # 32 random bytes, base64url

    viewer = (await ask(client, VIEWER, token=token))["viewer"]
    assert viewer["email"] == "lan@example.org" and viewer["active"] is True
    assert viewer["author"] == {"name": "Bích Liên"}
    assert viewer["id"] == result["user"]["id"]
    assert (await ask(client, "mutation { logout }", token=token)) == {"logout": True}
    assert_unauthenticated(await post(client, VIEWER, token=token))

    stored = await models.Token.get(user_id=user.id)
    assert stored.hash != token and len(stored.hash) == 64  # only its SHA-256
    await user.refresh_from_db()
    assert user.last_login_at == fake_clock.at
    entries = await models.AuditEntry.filter(user_id=user.id).order_by("id")
    assert [entry.action for entry in entries] == ["login", "logout"]


async def test_anonymous_viewer_is_null_and_logout_false(client):
    assert (await ask(client, VIEWER)) == {"viewer": None}
    assert (await ask(client, "mutation { logout }")) == {"logout": False}


async def test_a_session_expires(client, fake_clock, settings):
    await make_user("lan@example.org")
    token = await token_of(client, "lan@example.org")
    fake_clock.advance(settings.session_hours * 3600 - 1)
    assert (await ask(client, VIEWER, token=token))["viewer"]["email"] == "lan@example.org"
    fake_clock.advance(1)
    assert_unauthenticated(await post(client, VIEWER, token=token))


async def test_email_case_and_spaces_do_not_matter(client):
    await make_user("lan@example.org")
    result = await login(client, "  LAN@Example.ORG ")
    assert result["__typename"] == "LoginSuccess"
    assert result["user"]["email"] == "lan@example.org"


async def test_wrong_password_unknown_email_and_inactive_account_answer_alike(client):
    await make_user("lan@example.org")
    await make_user("old@example.org", password="mật khẩu cũ của tôi")
    await models.User.filter(email="old@example.org").update(is_active=False)
    answers = [
        await login(client, "lan@example.org", "sai mật khẩu rồi"),
        await login(client, "nobody@example.org", PASSWORD),
        await login(client, "old@example.org", "mật khẩu cũ của tôi"),  # right, but inactive
        await login(client, "not an email", PASSWORD),
    ]
    assert answers[0] == {
        "__typename": "InvalidCredentialsError",
        "code": "INVALID_CREDENTIALS",
        "message": "The email or the password is wrong.",
        "field": None,
    }
    assert all(answer == answers[0] for answer in answers)


async def test_unknown_email_costs_one_argon2_verification_like_a_known_one(client, hasher):
    user = await make_user("lan@example.org")
    hasher.verified.clear()
    await login(client, "lan@example.org", "sai mật khẩu rồi")
    await login(client, "nobody@example.org", "sai mật khẩu rồi")
    await login(client, "lan@example.org")

    known, unknown, right = hasher.verified
    assert known == right == user.password_hash
    assert unknown != user.password_hash
    # The dummy hash is made by the same hasher: same algorithm, memory, time and lanes.
    assert unknown.rsplit("$", 2)[0] == known.rsplit("$", 2)[0]


async def test_failed_and_successful_logins_are_audited(client):
    user = await make_user("lan@example.org")
    await login(client, "Lan@example.org", "sai mật khẩu rồi")
    await login(client, "ghost@example.org", "sai mật khẩu rồi")
    await login(client, "lan@example.org")
    entries = await models.AuditEntry.filter(action__startswith="login").order_by("id")
    seen = [(e.action, e.actor, e.object_id, e.user_id) for e in entries]
    assert seen == [
        ("login_failed", "lan@example.org", user.id, None),
        ("login_failed", "ghost@example.org", None, None),
        ("login", "lan@example.org", user.id, user.id),
    ]
    assert all(e.summary == "from 127.0.0.1" for e in entries)


async def test_an_old_hash_is_upgraded_at_the_next_sign_in(client, monkeypatch):
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    monkeypatch.setattr(passwords, "hasher", weak)
    user = await make_user("lan@example.org")
    monkeypatch.setattr(passwords, "hasher", PasswordHasher())
    assert "m=8192,t=1,p=1" in user.password_hash

    assert (await login(client, "lan@example.org"))["__typename"] == "LoginSuccess"
    await user.refresh_from_db()
    assert "m=65536,t=3,p=4" in user.password_hash
    assert (await login(client, "lan@example.org"))["__typename"] == "LoginSuccess"


async def test_a_huge_password_is_refused_cheaply(client, hasher):
    await make_user("lan@example.org")
    hasher.lengths.clear()
    answer = await login(client, "lan@example.org", PASSWORD + "x" * 500_000)
    assert answer["code"] == "INVALID_CREDENTIALS"
    assert hasher.lengths == [passwords.MAX_LENGTH + 1]  # not half a megabyte


async def test_login_input_is_typed(client):
    response = await post(client, LOGIN, {"email": "lan@example.org"})
    assert response.status_code == 200
    assert response.json()["errors"][0]["message"].startswith("Variable '$password'")
