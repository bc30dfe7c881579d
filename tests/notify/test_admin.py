"""Managing webhook endpoints: admins only, the secret shown once, update, delete, event filters."""

from __future__ import annotations

from typing import Any

import pytest

from cms.models import AuditEntry, Role, Webhook
from schema.types.node import to_global_id
from tests.editing.helpers import mutate, post, published
from tests.notify.conftest import Deliver, token
from tests.notify.helpers import (
    CREATE,
    DELETE,
    UPDATE,
    WEBHOOKS,
    Receiver,
    create_webhook,
    webhooks,
)

pytestmark = pytest.mark.database("sqlite", "postgres")

URL = "https://hooks.example.org/cms"
NEW = {"url": URL, "events": ["ARTICLE_PUBLISHED"]}


async def answer(client: Any, document: str, input: dict[str, Any], who: str | None) -> Any:
    body = await post(client, document, {"input": input}, who)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


@pytest.mark.parametrize(("role", "code"), [(Role.EDITOR, "FORBIDDEN"), (None, "UNAUTHENTICATED")])
async def test_only_admins_manage_webhooks(client, admin, role, code):
    made = await create_webhook(client, admin, URL)
    hook_id = made["webhook"]["id"]
    who = await token(role, "someone@example.org") if role else None
    attempts = [
        (CREATE, NEW),
        (UPDATE, {"id": hook_id, "active": False}),
        (DELETE, {"id": hook_id}),
    ]
    for document, input in attempts:
        refused = await answer(client, document, input, who)
        assert refused["code"] == code, refused
        assert refused["message"]

    listing = await post(client, WEBHOOKS, {}, who)
    assert listing["data"] is None
    [error] = listing["errors"]
    assert error["extensions"]["code"] == code
    assert made["secret"] not in str(listing)

    [hook] = await webhooks(client, admin)  # nothing changed
    assert (hook["id"], hook["active"]) == (hook_id, True)
    assert await Webhook.all().count() == 1


async def test_the_secret_is_shown_only_by_webhook_create(client, admin):
    first = await create_webhook(client, admin, URL)
    second = await create_webhook(client, admin, URL + "/2")
    assert first["secret"] != second["secret"]
    listing = await post(client, WEBHOOKS, {}, admin)
    changed = await answer(client, UPDATE, {"id": first["webhook"]["id"], "active": False}, admin)
    for text in (str(listing), str(changed)):
        assert first["secret"] not in text and second["secret"] not in text
    fields = await post(client, '{ __type(name: "Webhook") { fields { name } } }')
    names = {f["name"] for f in fields["data"]["__type"]["fields"]}
    assert "secret" not in names and "url" in names
    logged = await AuditEntry.filter(object_type="Webhook").values_list("summary", flat=True)
    assert len(logged) == 3 and not any(first["secret"] in str(s) for s in logged)


async def test_webhook_update_changes_what_it_gives(client, admin):
    made = await create_webhook(client, admin, URL)
    hook_id = made["webhook"]["id"]

    changed = await answer(
        client,
        UPDATE,
        {"id": hook_id, "events": ["ARTICLE_DELETED", "ARTICLE_UPDATED", "ARTICLE_DELETED"]},
        admin,
    )
    assert changed["__typename"] == "WebhookUpdateSuccess"
    assert changed["webhook"]["events"] == ["ARTICLE_DELETED", "ARTICLE_UPDATED"]
    assert changed["webhook"]["url"] == URL  # absent fields stay

    moved = await answer(
        client, UPDATE, {"id": hook_id, "url": "https://other.example.org/"}, admin
    )
    assert moved["webhook"]["url"] == "https://other.example.org/"
    assert moved["webhook"]["events"] == ["ARTICLE_DELETED", "ARTICLE_UPDATED"]

    for bad, field in (({"url": "http://example.org/"}, "url"), ({"events": []}, "events")):
        refused = await answer(client, UPDATE, {"id": hook_id, **bad}, admin)
        assert (refused["code"], refused["field"]) == ("VALIDATION", field)
    [hook] = await webhooks(client, admin)
    assert hook["url"] == "https://other.example.org/"

    missing = to_global_id("Webhook", 999)
    for document in (UPDATE, DELETE):
        refused = await answer(client, document, {"id": missing}, admin)
        assert (refused["code"], refused["field"]) == ("NOT_FOUND", "id")
        refused = await answer(client, document, {"id": to_global_id("Article", 1)}, admin)
        assert (refused["code"], refused["field"]) == ("VALIDATION", "id")


async def test_turning_on_again_after_a_410_clears_the_reason(
    receiver: Receiver, client, admin, editor, deliver: Deliver
):
    receiver.statuses = [410]
    made = await create_webhook(client, admin, receiver.url())
    await published(client, editor, "Một")
    await deliver()
    [off] = await webhooks(client, admin)
    assert off["active"] is False and off["disabledReason"]

    on = await answer(client, UPDATE, {"id": made["webhook"]["id"], "active": True}, admin)
    assert (on["webhook"]["active"], on["webhook"]["disabledReason"]) == (True, "")
    await published(client, editor, "Hai")
    await deliver()
    assert len(receiver.requests) == 2
    [hook] = await webhooks(client, admin)
    assert [d["status"] for d in hook["deliveries"]["nodes"]] == ["SUCCEEDED", "FAILED"]


async def test_an_endpoint_turned_off_gets_nothing(
    receiver: Receiver, client, admin, editor, deliver: Deliver
):
    await create_webhook(client, admin, receiver.url(), active=False)
    await published(client, editor)
    await deliver()
    assert receiver.requests == []
    [hook] = await webhooks(client, admin)
    assert hook["deliveries"]["totalCount"] == 0


async def test_webhook_delete_takes_its_deliveries(
    receiver: Receiver, client, admin, editor, deliver: Deliver
):
    made = await create_webhook(client, admin, receiver.url())
    kept = await create_webhook(client, admin, receiver.url("/kept"))
    await published(client, editor)
    await deliver()
    assert sorted(r.path for r in receiver.requests) == ["/hook", "/kept"]

    gone = await answer(client, DELETE, {"id": made["webhook"]["id"]}, admin)
    assert gone == {"__typename": "WebhookDeleteSuccess", "id": made["webhook"]["id"]}
    [left] = await webhooks(client, admin)
    assert left["id"] == kept["webhook"]["id"] and left["deliveries"]["totalCount"] == 1
    again = await answer(client, DELETE, {"id": made["webhook"]["id"]}, admin)
    assert again["code"] == "NOT_FOUND"

    await published(client, editor, "Sau khi xoá")
    await deliver()
    assert sorted(r.path for r in receiver.requests) == ["/hook", "/kept", "/kept"]


async def test_an_endpoint_gets_only_the_events_it_wants(
    receiver: Receiver, client, admin, editor, deliver: Deliver
):
    await create_webhook(client, admin, receiver.url("/deleted"), ("ARTICLE_DELETED",))
    await create_webhook(client, admin, receiver.url("/published"), ("ARTICLE_PUBLISHED",))
    article = await published(client, editor)
    await deliver()
    assert [r.path for r in receiver.requests] == ["/published"]

    input = {"id": article["id"], "version": article["version"]}
    assert (await mutate(client, "articleDelete", input, editor))["deletedId"] == article["id"]
    await deliver()
    assert [r.path for r in receiver.requests] == ["/published", "/deleted"]
    assert b'"article.deleted"' in receiver.requests[1].body


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"first": 101}, "PAGE_SIZE", "first"),
        ({"first": 20, "after": "not a cursor"}, "INVALID_CURSOR", "after"),
        ({"first": 20, "after": "WyJhIiwxXQ"}, "INVALID_CURSOR", "after"),  # ["a", 1]
    ],
)
async def test_a_webhooks_deliveries_check_their_page_arguments(
    client, admin, variables, code, field
):
    await create_webhook(client, admin, URL)
    body = await post(client, WEBHOOKS, variables, admin)
    assert body["data"] is None, body
    [error] = body["errors"]
    assert error["extensions"] == {"code": code, "field": field}
    assert error["path"] == ["webhooks", 0, "deliveries"]
