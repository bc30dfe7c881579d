"""auditLog: admins page through who did what, newest first, narrowed by a filter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from cms.models import AuditEntry, Role
from tests.content_editing.helpers import call, gid, user_id_of
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

LOG = """
query ($first: Int, $after: String, $filter: AuditLogFilter) {
  auditLog(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id at actor action objectType objectId summary user { id name } }
  }
}
"""
CREATE_AUTHOR = """
mutation ($name: String!) { authorCreate(input: { name: $name }) { __typename } }
"""
CREATE_EVENT = """
mutation ($name: String!) {
  eventCreate(input: { name: $name, startsAt: "2024-03-01T08:00:00Z" }) { __typename }
}
"""
T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


async def log(client, token: str | None, **variables: Any) -> dict[str, Any]:
    page: dict[str, Any] = (await call(client, LOG, variables, token))["auditLog"]
    return page


async def refused(client: httpx.AsyncClient, token: str | None) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": LOG}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["data"] is None, body
    [error] = body["errors"]
    return dict(error["extensions"])


async def seed(client, settings) -> tuple[Factory, str, str]:
    """An admin and an editor, three authors and two events created through the API, one
    minute apart from ``T0``: five entries, the editor's two events last."""
    factory = Factory(settings.media_root)
    admin = await factory.token(Role.ADMIN, "admin@example.org")
    editor = await factory.token(Role.EDITOR, "editor@example.org")
    for name in ("Bích Liên", "Đức Anh", "Thu Trang"):
        await call(client, CREATE_AUTHOR, {"name": name}, admin)
    for name in ("Hội nghị", "Tọa đàm"):
        await call(client, CREATE_EVENT, {"name": name}, editor)
    for n, entry in enumerate(await AuditEntry.all().order_by("id")):
        await AuditEntry.filter(id=entry.id).update(at=T0 + timedelta(minutes=n))
    return factory, admin, editor


async def test_admins_read_the_log_newest_first_with_who_did_it(client, settings):
    _, admin, editor = await seed(client, settings)
    page = await log(client, admin)
    assert page["totalCount"] == 5
    nodes = page["nodes"]
    assert [(n["action"], n["objectType"], n["summary"]) for n in nodes] == [
        ("create", "Event", "Tọa đàm"),
        ("create", "Event", "Hội nghị"),
        ("create", "Author", "Thu Trang"),
        ("create", "Author", "Đức Anh"),
        ("create", "Author", "Bích Liên"),
    ]
    editor_id = await user_id_of(editor)
    assert nodes[0]["actor"] == "editor@example.org"
    assert nodes[0]["user"]["id"] == gid("User", editor_id)
    assert nodes[-1]["actor"] == "admin@example.org"
    assert datetime.fromisoformat(nodes[0]["at"]) == T0 + timedelta(minutes=4)
    latest = await AuditEntry.all().order_by("-id").first()
    assert latest is not None
    assert nodes[0]["objectId"] == gid("Event", latest.object_id or 0)


async def test_paging_forward_visits_every_entry_once(client, settings):
    _, admin, _ = await seed(client, settings)
    seen: list[str] = []
    after = None
    while True:
        page = await log(client, admin, first=2, after=after)
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    everything = [n["id"] for n in (await log(client, admin, first=100))["nodes"]]
    assert seen == everything and len(seen) == len(set(seen)) == 5


async def test_entries_at_the_same_instant_are_ordered_by_id_across_pages(client, settings):
    _, admin, _ = await seed(client, settings)
    await AuditEntry.all().update(at=T0)
    first = await log(client, admin, first=3)
    rest = await log(client, admin, first=3, after=first["pageInfo"]["endCursor"])
    ids = [n["id"] for n in first["nodes"] + rest["nodes"]]
    expected = [gid("AuditEntry", e.id) for e in await AuditEntry.all().order_by("-id")]
    assert ids == expected


async def test_filters(client, settings):
    _, admin, editor = await seed(client, settings)
    author_entry = await AuditEntry.filter(object_type="Author").order_by("id").first()
    assert author_entry is not None and author_entry.object_id is not None

    async def summaries(**where: Any) -> list[str]:
        page = await log(client, admin, filter=where)
        return [n["summary"] for n in page["nodes"]]

    assert await summaries(objectType="Event") == ["Tọa đàm", "Hội nghị"]
    assert await summaries(actions=["delete"]) == []
    assert len(await summaries(actions=["create", "delete"])) == 5
    assert await summaries(objectId=gid("Author", author_entry.object_id)) == ["Bích Liên"]
    assert await summaries(userId=gid("User", await user_id_of(editor))) == [
        "Tọa đàm",
        "Hội nghị",
    ]
    assert await summaries(since="2024-03-01T15:02:00+07:00", until="2024-03-01T08:04:00Z") == [
        "Hội nghị",
        "Thu Trang",
    ]


async def test_a_malformed_filter_is_a_typed_error(client, settings):
    _, admin, _ = await seed(client, settings)
    for where, field in [
        ({"since": "2024-03-01T08:00:00"}, "since"),
        ({"userId": gid("Author", 1)}, "userId"),
        ({"objectType": "Event", "objectId": gid("Author", 1)}, "objectId"),
    ]:
        response = await client.post(
            "/graphql",
            json={"query": LOG, "variables": {"filter": where}},
            headers={"authorization": f"Bearer {admin}"},
        )
        [error] = response.json()["errors"]
        assert error["extensions"]["field"] == field, error


async def test_only_admins_read_the_log(client, settings):
    factory = Factory(settings.media_root)
    assert (await refused(client, None))["code"] == "UNAUTHENTICATED"
    for role in (Role.EDITOR, Role.AUTHOR):
        assert (await refused(client, await factory.token(role)))["code"] == "FORBIDDEN"


async def test_a_page_costs_a_fixed_number_of_statements(client, settings, count_queries):
    _, admin, _ = await seed(client, settings)
    for n in range(40):
        await call(client, CREATE_AUTHOR, {"name": f"Tác giả {n}"}, admin)
    costs = {}
    for first in (1, 20, 45):
        count_queries.reset()
        page = await log(client, admin, first=first)
        assert len(page["nodes"]) == first
        assert all(node["user"]["name"] for node in page["nodes"])
        costs[first] = count_queries.count
    # the token; the page with its users (one join); the total count
    assert costs == {1: 3, 20: 3, 45: 3}, count_queries.statements


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"first": 101}, "PAGE_SIZE", "first"),
        ({"first": -1}, "PAGE_SIZE", "first"),
        ({"after": "not a cursor"}, "INVALID_CURSOR", "after"),
        ({"after": "WyJhIiwxXQ"}, "INVALID_CURSOR", "after"),  # ["a", 1]: no cursor of the log
    ],
)
async def test_page_arguments_are_checked_after_the_role(client, settings, variables, code, field):
    factory = Factory(settings.media_root)
    admin = await factory.token(Role.ADMIN, "admin@example.org")
    editor = await factory.token(Role.EDITOR, "editor@example.org")
    assert await refused_with(client, admin, variables) == {"code": code, "field": field}
    assert (await refused_with(client, editor, variables))["code"] == "FORBIDDEN"
    assert (await refused_with(client, None, variables))["code"] == "UNAUTHENTICATED"


async def refused_with(
    client: httpx.AsyncClient, token: str | None, variables: dict[str, Any]
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = {"query": LOG, "variables": variables}
    answer: dict[str, Any] = (await client.post("/graphql", json=body, headers=headers)).json()
    assert answer["data"] is None, answer
    [error] = answer["errors"]
    return dict(error["extensions"])


async def test_an_entry_is_timed_by_the_cms_clock(
    client: httpx.AsyncClient, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log's time is the CMS's clock (``cms.core.clock``), like every other time it keeps:
    with the clock set to T0, an entry made now says T0."""
    from cms.core import clock
    from tests.editing.helpers import FakeClock

    admin = await Factory(settings.media_root).token(Role.ADMIN, "admin@example.org")
    monkeypatch.setattr(clock, "now", FakeClock(T0).now)
    await call(client, CREATE_AUTHOR, {"name": "Bích Liên"}, admin)
    [entry] = (await log(client, admin))["nodes"]
    assert datetime.fromisoformat(entry["at"]) == T0
