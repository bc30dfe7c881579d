"""Webhook endpoints, managed by admins: create (the secret shown once), change, delete, list,
and each one's deliveries, newest first."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from cms.accounts import audit
from cms.accounts.permissions import ADMINS, require
from cms.core.errors import InvalidInput, NotFound
from cms.core.pagination import Ordering, Page, Source, Window, fetch
from cms.core.viewer import Viewer
from cms.models import OutboxEvent, Webhook, WebhookDelivery
from cms.notify.delivery import Refused, check_url
from cms.notify.outbox import EventType

NEWEST_FIRST = Ordering("delivery:id:desc", "id", descending=True)
"""Deliveries, the latest first."""

MAX_WEBHOOKS = 100
"""More endpoints than any newsroom needs: each event is written once per endpoint."""


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True, slots=True)
class WebhookChanges:
    """What ``webhookUpdate`` changes; ``None``: keep."""

    url: str | None = None
    events: Sequence[EventType] | None = None
    active: bool | None = None


def require_admin(viewer: Viewer) -> None:
    require(viewer, ADMINS, "manage webhooks")


def _url(url: str, allowed: frozenset[str]) -> str:
    try:
        return check_url(url, allowed)
    except Refused as refused:
        raise InvalidInput(str(refused), field="url") from None


def _events(events: Sequence[EventType]) -> list[str]:
    if not events:
        raise InvalidInput("Choose at least one event type.", field="events")
    return sorted({event.value for event in events})


async def create(
    viewer: Viewer,
    url: str,
    events: Sequence[EventType],
    active: bool,
    allowed: frozenset[str],
) -> Webhook:
    """A new endpoint with a fresh secret (admins)."""
    require_admin(viewer)
    checked, wanted = _url(url, allowed), _events(events)
    async with in_transaction():
        if await Webhook.all().count() >= MAX_WEBHOOKS:
            raise InvalidInput(f"There are {MAX_WEBHOOKS} webhooks already.", field="url")
        hook = await Webhook.create(
            url=checked,
            events=wanted,
            active=active,
            secret=new_secret(),
            created_by_id=viewer.user_id,
        )
        await audit.record(viewer, audit.Action.CREATE, "Webhook", hook.id, checked)
    return hook


async def update(
    viewer: Viewer, webhook_id: int, changes: WebhookChanges, allowed: frozenset[str]
) -> Webhook:
    """Change an endpoint (admins). Turning it on again clears why it was turned off."""
    require_admin(viewer)
    values: dict[str, object] = {}
    if changes.url is not None:
        values["url"] = _url(changes.url, allowed)
    if changes.events is not None:
        values["events"] = _events(changes.events)
    if changes.active is not None:
        values["active"] = changes.active
        if changes.active:
            values["disabled_reason"] = ""
    async with in_transaction():
        hook = await _locked(webhook_id)
        if values:
            await hook.update_from_dict(values).save()
            summary = f"Changed {', '.join(sorted(values))} of {hook.url}"
            await audit.record(viewer, audit.Action.UPDATE, "Webhook", hook.id, summary)
    return hook


async def delete(viewer: Viewer, webhook_id: int) -> None:
    """Delete an endpoint with its deliveries (admins)."""
    require_admin(viewer)
    async with in_transaction():
        hook = await _locked(webhook_id)
        await hook.delete()
        await audit.record(viewer, audit.Action.DELETE, "Webhook", webhook_id, hook.url)


async def all_(viewer: Viewer) -> list[Webhook]:
    """Every endpoint, oldest first (admins)."""
    require_admin(viewer)
    return await Webhook.all().order_by("id")


async def deliveries(viewer: Viewer, webhook_id: int, win: Window) -> Page[WebhookDelivery]:
    """One page of an endpoint's deliveries, newest first, with their events (admins)."""
    require_admin(viewer)
    own = ("x.webhook_id = ?", [webhook_id])
    source = Source.of_model(WebhookDelivery, "x", own, {"event": (OutboxEvent, "o")})
    return await fetch(source, NEWEST_FIRST, win)


async def _locked(webhook_id: int) -> Webhook:
    hook = await Webhook.filter(id=webhook_id).select_for_update().first()
    if hook is None:
        raise NotFound("There is no webhook with this ID.", field="id")
    return hook
