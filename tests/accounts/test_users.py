"""User management: admins only, checked input, always an active admin, audited."""

from __future__ import annotations

from typing import Any

import pytest

from cms import models
from cms.accounts import users as accounts
from cms.core.viewer import Viewer
from schema.types.node import to_global_id
from tests.accounts.helpers import (
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

USER_FIELDS = "id email name role active createdAt lastLoginAt author { name }"
CREATE = f"""
mutation ($input: UserCreateInput!) {{
  userCreate(input: $input) {{
    __typename
    ... on UserCreateSuccess {{ user {{ {USER_FIELDS} }} }}
    ... on UserError {{ code message field }}
  }}
}}
"""
UPDATE = f"""
mutation ($input: UserUpdateInput!) {{
  userUpdate(input: $input) {{
    __typename
    ... on UserUpdateSuccess {{ user {{ {USER_FIELDS} }} }}
    ... on UserError {{ code message field }}
  }}
}}
"""
DEACTIVATE = """
mutation ($id: ID!) {
  userDeactivate(input: {id: $id}) {
    __typename
    ... on UserDeactivateSuccess { user { id email active } }
    ... on UserError { code message field }
  }
}
"""
USERS = """
query ($first: Int, $after: String) {
  users(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { email role }
  }
}
"""


async def signed_in(client, email: str, role: models.Role) -> tuple[models.User, str]:
    user = await make_user(email, role)
    return user, await token_of(client, email)


async def run(client, query: str, input: dict[str, Any], token: str | None) -> dict[str, Any]:
    data = await ask(client, query, {"input": input}, token)
    [result] = data.values()
    assert isinstance(result, dict)
    return result


def new_user(**overrides: object) -> dict[str, Any]:
    return {
        "email": "Hoa@Example.org ",
        "name": " Thu Hoa ",
        "role": "AUTHOR",
        "password": "một mật khẩu dài",
        **overrides,
    }


async def test_admin_creates_a_user_who_can_sign_in(client, settings):
    writer = await Factory(settings.media_root).author("Thu Hoa")
    _, admin = await signed_in(client, "admin@example.org", models.Role.ADMIN)
    made = await run(client, CREATE, new_user(authorId=to_global_id("Author", writer.id)), admin)

    assert made["__typename"] == "UserCreateSuccess", made
    user = made["user"]
    assert (user["email"], user["name"], user["role"]) == ("hoa@example.org", "Thu Hoa", "AUTHOR")
    assert user["active"] is True and user["lastLoginAt"] is None
    assert user["author"] == {"name": "Thu Hoa"}
    token = await token_of(client, "HOA@example.org", "một mật khẩu dài")
    assert (await ask(client, VIEWER, token=token))["viewer"]["id"] == user["id"]
    stored = await models.User.get(email="hoa@example.org")
    assert stored.password_hash.startswith("$argon2id$")
    entry = await models.AuditEntry.get(action="create", object_id=stored.id)
    assert (entry.actor, entry.summary) == ("admin@example.org", "hoa@example.org as author")


async def test_an_email_is_taken_whatever_its_case(client):
    _, admin = await signed_in(client, "admin@example.org", models.Role.ADMIN)
    assert (await run(client, CREATE, new_user(email="a@x.vn"), admin))["user"]
    refused = await run(client, CREATE, new_user(email="A@X.VN"), admin)
    assert refused == {
        "__typename": "ValidationError",
        "code": "VALIDATION",
        "message": "Another account has this email address.",
        "field": "email",
    }
    assert await models.User.filter(email="a@x.vn").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"email": "not an email"}, "email", "such as lan@example.org"),
        ({"email": "a@localhost"}, "email", "such as lan@example.org"),
        ({"email": "x" * 250 + "@x.vn"}, "email", "at most 254"),
        ({"password": "ngắn quá"}, "password", "10 to 1,000 characters"),
        ({"password": "x" * 1001}, "password", "10 to 1,000 characters"),
        ({"name": "   "}, "name", "1 to 200"),
        ({"name": "x" * 201}, "name", "1 to 200"),
        ({"authorId": to_global_id("Author", 999)}, "authorId", "no author"),
        ({"authorId": to_global_id("Event", 1)}, "authorId", "ID of an Author"),
    ],
)
async def test_bad_input_is_refused_and_nothing_written(client, overrides, field, says):
    _, admin = await signed_in(client, "admin@example.org", models.Role.ADMIN)
    refused = await run(client, CREATE, new_user(**overrides), admin)
    assert refused["code"] == "VALIDATION" and refused["field"] == field
    assert says in refused["message"]
    assert await models.User.all().count() == 1
    created = await models.AuditEntry.filter(object_type="User", action="create")
    assert [entry.actor for entry in created] == ["command line"]  # the admin's own account


async def test_an_editor_may_not_manage_users(client):
    target, _ = await signed_in(client, "author@example.org", models.Role.AUTHOR)
    _, editor = await signed_in(client, "editor@example.org", models.Role.EDITOR)
    target_id = to_global_id("User", target.id)
    answers = [
        await run(client, CREATE, new_user(role="ADMIN"), editor),
        await run(client, UPDATE, {"id": target_id, "role": "ADMIN"}, editor),
        (await ask(client, DEACTIVATE, {"id": target_id}, editor))["userDeactivate"],
    ]
    assert {(a["__typename"], a["code"]) for a in answers} == {("ForbiddenError", "FORBIDDEN")}
    assert answers[0]["message"] == "Your role (editor) may not manage users."
    listed = (await post(client, USERS, token=editor)).json()
    assert listed["data"] is None and listed["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await target.refresh_from_db()
    assert (target.role, target.is_active) == (models.Role.AUTHOR, True)


async def test_anonymous_callers_get_an_unauthenticated_member(client):
    await make_user("author@example.org", models.Role.AUTHOR)
    answers = [
        await run(client, CREATE, new_user(), None),
        await run(client, UPDATE, {"id": "garbage", "name": "X"}, None),
        (await ask(client, DEACTIVATE, {"id": to_global_id("User", 1)}))["userDeactivate"],
    ]
    assert {a["code"] for a in answers} == {"UNAUTHENTICATED"}
    assert {a["__typename"] for a in answers} == {"UnauthenticatedError"}
    listed = (await post(client, USERS)).json()
    assert listed["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_deactivating_ends_every_session_and_can_be_undone(client):
    _, admin = await signed_in(client, "admin@example.org", models.Role.ADMIN)
    target, token = await signed_in(client, "lan@example.org", models.Role.EDITOR)
    second = await token_of(client, "lan@example.org")
    target_id = to_global_id("User", target.id)

    done = (await ask(client, DEACTIVATE, {"id": target_id}, admin))["userDeactivate"]
    assert done["__typename"] == "UserDeactivateSuccess" and done["user"]["active"] is False
    for gone in (token, second):
        assert_unauthenticated(await post(client, VIEWER, token=gone))
    assert (await login(client, "lan@example.org"))["code"] == "INVALID_CREDENTIALS"
    again = (await ask(client, DEACTIVATE, {"id": target_id}, admin))["userDeactivate"]
    assert again["__typename"] == "UserDeactivateSuccess"
    entry = await models.AuditEntry.get(action="deactivate")
    assert entry.summary == "lan@example.org; 2 tokens revoked"

    back = await run(client, UPDATE, {"id": target_id, "active": True}, admin)
    assert back["user"]["active"] is True
    assert (await login(client, "lan@example.org"))["__typename"] == "LoginSuccess"


async def test_update_changes_only_what_is_given(client, settings):
    writer = await Factory(settings.media_root).author("Bích Liên")
    _, admin = await signed_in(client, "admin@example.org", models.Role.ADMIN)
    target = await make_user("lan@example.org", models.Role.AUTHOR, author_id=writer.id)
    target_id = to_global_id("User", target.id)

    renamed = await run(
        client, UPDATE, {"id": target_id, "name": "Lan Anh", "role": "EDITOR"}, admin
    )
    assert renamed["user"]["name"] == "Lan Anh" and renamed["user"]["role"] == "EDITOR"
    assert renamed["user"]["author"] == {"name": "Bích Liên"}  # absent: kept
    unlinked = await run(client, UPDATE, {"id": target_id, "authorId": None}, admin)
    assert unlinked["user"]["author"] is None and unlinked["user"]["name"] == "Lan Anh"
    entries = await models.AuditEntry.filter(action="update").order_by("id")
    assert [e.summary for e in entries] == ["name, role author → editor", "author profile"]
    missing = await run(client, UPDATE, {"id": to_global_id("User", 999), "name": "X"}, admin)
    assert missing["code"] == "NOT_FOUND"


async def test_a_new_password_ends_the_users_other_sessions(client):
    me, mine = await signed_in(client, "admin@example.org", models.Role.ADMIN)
    other_device = await token_of(client, "admin@example.org")
    changed = await run(
        client, UPDATE, {"id": to_global_id("User", me.id), "password": "mật khẩu mới tinh"}, mine
    )
    assert changed["__typename"] == "UserUpdateSuccess"
    assert (await ask(client, VIEWER, token=mine))["viewer"]["email"] == "admin@example.org"
    assert_unauthenticated(await post(client, VIEWER, token=other_device))
    assert (await login(client, "admin@example.org"))["code"] == "INVALID_CREDENTIALS"
    assert (await login(client, "admin@example.org", "mật khẩu mới tinh"))["token"]
    assert (await models.AuditEntry.get(action="update")).summary == "password"


async def test_there_is_always_an_active_admin(client):
    me, mine = await signed_in(client, "admin@example.org", models.Role.ADMIN)
    my_id = to_global_id("User", me.id)
    demote = await run(client, UPDATE, {"id": my_id, "role": "EDITOR"}, mine)
    assert (demote["code"], demote["field"]) == ("FORBIDDEN", "role")
    quit_ = (await ask(client, DEACTIVATE, {"id": my_id}, mine))["userDeactivate"]
    assert quit_["code"] == "FORBIDDEN"
    assert "another admin must" in quit_["message"]

    create_token = """mutation { apiTokenCreate(input: {name: "ops", role: ADMIN}) {
        ... on ApiTokenCreateSuccess { token } } }"""
    made = await ask(client, create_token, token=mine)
    api = made["apiTokenCreate"]["token"]  # an admin token belongs to no user: not "themselves"
    last = (await ask(client, DEACTIVATE, {"id": my_id}, api))["userDeactivate"]
    assert last["code"] == "FORBIDDEN" and "last active admin" in last["message"]

    other = await make_user("second@example.org", models.Role.ADMIN)
    assert (await ask(client, DEACTIVATE, {"id": my_id}, api))["userDeactivate"]["user"]
    assert_unauthenticated(await post(client, VIEWER, token=mine))
    last_again = await run(
        client, UPDATE, {"id": to_global_id("User", other.id), "role": "AUTHOR"}, api
    )
    assert last_again["code"] == "FORBIDDEN"
    await other.refresh_from_db()
    assert other.role is models.Role.ADMIN


async def test_users_are_listed_by_email_for_admins(client):
    _, admin = await signed_in(client, "admin@example.org", models.Role.ADMIN)
    for email in ("c@example.org", "b@example.org", "đ@example.org"):
        await make_user(email, models.Role.AUTHOR)
    page = (await ask(client, USERS, {"first": 2}, admin))["users"]
    assert page["totalCount"] == 4 and page["pageInfo"]["hasNextPage"] is True
    rest = await ask(client, USERS, {"first": 2, "after": page["pageInfo"]["endCursor"]}, admin)
    emails = [n["email"] for n in page["nodes"] + rest["users"]["nodes"]]
    assert emails == ["admin@example.org", "b@example.org", "c@example.org", "đ@example.org"]


def test_private_fields_are_shown_to_the_user_and_editors_only():
    for role, own, shown in [
        (models.Role.AUTHOR, 1, True),
        (models.Role.AUTHOR, 2, False),
        (models.Role.EDITOR, 2, True),
        (models.Role.ADMIN, 2, True),
        (None, 2, False),
    ]:
        viewer = Viewer(user_id=own if role else None, role=role)
        assert accounts.may_see_private(viewer, 1) is shown, (role, own)


async def test_password_rule_is_stated(client):
    _, admin = await signed_in(client, "admin@example.org", models.Role.ADMIN)
    refused = await run(client, CREATE, new_user(password="ngắn"), admin)
    assert refused["message"] == (
        "A password must be 10 to 1,000 characters long (this one has 4)."
    )
