"""Webhook endpoints (admins): create (its secret shown once), update, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from cms.notify import delivery, webhooks
from schema.context import Info
from schema.mutations.errors import (
    SIGNED_IN,
    NotFoundError,
    Refusals,
    UserError,
    ValidationError,
    attempt,
    result,
)
from schema.types.node import pk_of
from schema.types.webhook import Webhook, WebhookEventType


@strawberry.input(description="A new webhook endpoint.")
class WebhookCreateInput:
    url: str = strawberry.field(
        description="Where to POST events: an https URL (http only for hosts listed in "
        "`CMS_WEBHOOK_ALLOWED_HOSTS`)."
    )
    events: list[WebhookEventType] = strawberry.field(
        description="The events it receives (at least one)."
    )
    active: bool = strawberry.field(
        default=True, description="Whether it receives events from now on."
    )


@strawberry.input(description="Changes to a webhook endpoint; absent fields stay as they are.")
class WebhookUpdateInput:
    id: strawberry.ID = strawberry.field(description="The webhook's ID.")
    url: str | None = strawberry.field(default=None, description="New URL.")
    events: list[WebhookEventType] | None = strawberry.field(
        default=None, description="New list of events (at least one)."
    )
    active: bool | None = strawberry.field(
        default=None,
        description="False turns it off; true turns it on again (also after a 410).",
    )


@strawberry.input(description="The webhook endpoint to delete.")
class WebhookDeleteInput:
    id: strawberry.ID = strawberry.field(description="The webhook's ID.")


@strawberry.type(description="The endpoint was made. Keep the secret: it is shown only now.")
class WebhookCreateSuccess:
    webhook: Webhook = strawberry.field(description="The new endpoint.")
    secret: str = strawberry.field(
        description="The signing secret (`whsec_…`, Standard Webhooks): verify each delivery's "
        "`webhook-signature` with it. Shown once; to change it, make a new endpoint."
    )


@strawberry.type(description="The endpoint was changed.")
class WebhookUpdateSuccess:
    webhook: Webhook = strawberry.field(description="The endpoint as now saved.")


@strawberry.type(description="The endpoint and its deliveries were deleted.")
class WebhookDeleteSuccess:
    id: strawberry.ID = strawberry.field(description="The deleted webhook's ID.")


REFUSALS: dict[str, Refusals] = {
    "webhookCreate": (*SIGNED_IN, ValidationError),
    "webhookUpdate": (*SIGNED_IN, ValidationError, NotFoundError),
    "webhookDelete": (*SIGNED_IN, ValidationError, NotFoundError),
}
"""The errors each mutation can answer, traced from :mod:`cms.notify.webhooks`: its union lists
exactly these besides its success type."""

if TYPE_CHECKING:  # what mypy sees; strawberry reads the unions named below
    WebhookCreateResult = WebhookCreateSuccess | UserError
    WebhookUpdateResult = WebhookUpdateSuccess | UserError
    WebhookDeleteResult = WebhookDeleteSuccess | UserError
else:
    WebhookCreateResult = result(
        "webhookCreate",
        WebhookCreateSuccess,
        REFUSALS,
        "The new endpoint and its secret, or why not.",
    )
    WebhookUpdateResult = result(
        "webhookUpdate", WebhookUpdateSuccess, REFUSALS, "The changed endpoint, or why not."
    )
    WebhookDeleteResult = result(
        "webhookDelete", WebhookDeleteSuccess, REFUSALS, "The deleted endpoint's ID, or why not."
    )


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="Make a webhook endpoint (admins only). Each event it wants is then POSTed "
        "to it, signed, and retried with backoff for up to a day while it fails."
    )
    async def webhook_create(
        self,
        info: Info,
        input: Annotated[WebhookCreateInput, strawberry.argument(description="The endpoint.")],
    ) -> WebhookCreateResult:
        ctx = info.context
        allowed = delivery.allowed_hosts(ctx.settings)

        async def run() -> WebhookCreateSuccess:
            events = [event.model for event in input.events]
            hook = await webhooks.create(ctx.viewer, input.url, events, input.active, allowed)
            return WebhookCreateSuccess(webhook=Webhook.from_model(hook), secret=hook.secret)

        return await attempt(info, run)

    @strawberry.mutation(description="Change a webhook endpoint (admins only).")
    async def webhook_update(
        self,
        info: Info,
        input: Annotated[WebhookUpdateInput, strawberry.argument(description="The changes.")],
    ) -> WebhookUpdateResult:
        ctx = info.context
        allowed = delivery.allowed_hosts(ctx.settings)

        async def run() -> WebhookUpdateSuccess:
            webhooks.require_admin(ctx.viewer)
            changes = webhooks.WebhookChanges(
                url=input.url,
                events=[e.model for e in input.events] if input.events is not None else None,
                active=input.active,
            )
            hook_id = pk_of(input.id, "Webhook", "id")
            hook = await webhooks.update(ctx.viewer, hook_id, changes, allowed)
            return WebhookUpdateSuccess(webhook=Webhook.from_model(hook))

        return await attempt(info, run)

    @strawberry.mutation(description="Delete a webhook endpoint and its deliveries (admins only).")
    async def webhook_delete(
        self,
        info: Info,
        input: Annotated[WebhookDeleteInput, strawberry.argument(description="Which one.")],
    ) -> WebhookDeleteResult:
        viewer = info.context.viewer

        async def run() -> WebhookDeleteSuccess:
            webhooks.require_admin(viewer)
            await webhooks.delete(viewer, pk_of(input.id, "Webhook", "id"))
            return WebhookDeleteSuccess(id=input.id)

        return await attempt(info, run)
