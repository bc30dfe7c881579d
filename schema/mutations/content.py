"""Authors, events and images: ``authorCreate``, ``authorUpdate``, ``authorDelete``,
``eventCreate``, ``eventUpdate``, ``eventDelete`` and ``imageUpdate``.

The rules (who may do what, limits, slugs, ``IN_USE``) live in the services; each mutation turns
its input into a service call and its refusal into a ``UserError``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from cms.articles import authors, events
from cms.articles.translated import with_translations
from cms.media import images
from schema.context import Info
from schema.mutations.content_inputs import (
    AuthorCreateInput,
    AuthorDeleteInput,
    AuthorUpdateInput,
    EventCreateInput,
    EventDeleteInput,
    EventUpdateInput,
    ImageUpdateInput,
    given,
    given_pk,
    given_point,
)
from schema.mutations.errors import (
    SIGNED_IN,
    InUseError,
    NotFoundError,
    Refusals,
    SlugTakenError,
    UnauthenticatedError,
    UserError,
    ValidationError,
    attempt,
    result,
)
from schema.types.author import Author
from schema.types.event import Event
from schema.types.image import Image
from schema.types.node import pk_of
from schema.types.translation import (
    AUTHOR_LIMITS,
    EVENT_LIMITS,
    IMAGE_LIMITS,
    given_translations,
)


@strawberry.type(description="The author profile was created.")
class AuthorCreateSuccess:
    author: Author = strawberry.field(description="The new profile.")


@strawberry.type(description="The author profile was changed (or already was as asked).")
class AuthorUpdateSuccess:
    author: Author = strawberry.field(description="The profile as it is now.")


@strawberry.type(description="The author profile was deleted.")
class AuthorDeleteSuccess:
    deleted_id: strawberry.ID = strawberry.field(description="The ID the profile had.")


@strawberry.type(description="The event was created.")
class EventCreateSuccess:
    event: Event = strawberry.field(description="The new event.")


@strawberry.type(description="The event was changed (or already was as asked).")
class EventUpdateSuccess:
    event: Event = strawberry.field(description="The event as it is now.")


@strawberry.type(description="The event was deleted.")
class EventDeleteSuccess:
    deleted_id: strawberry.ID = strawberry.field(description="The ID the event had.")


@strawberry.type(description="The image's text was changed (or already was as asked).")
class ImageUpdateSuccess:
    image: Image = strawberry.field(description="The image as it is now.")


_CHANGE: Refusals = (*SIGNED_IN, ValidationError, NotFoundError, SlugTakenError)
"""A change to an author or event: a bad field or ID, one that does not exist, a slug taken."""
_DELETE: Refusals = (*SIGNED_IN, ValidationError, NotFoundError, InUseError)
"""Deleting an author or event: a bad ID, one that does not exist, articles that use it."""

REFUSALS: dict[str, Refusals] = {
    "authorCreate": (*SIGNED_IN, ValidationError, SlugTakenError),
    "authorUpdate": _CHANGE,
    "authorDelete": _DELETE,
    "eventCreate": (UnauthenticatedError, ValidationError, SlugTakenError),  # any role may
    "eventUpdate": _CHANGE,
    "eventDelete": _DELETE,
    "imageUpdate": (*SIGNED_IN, ValidationError, NotFoundError),
}
"""The errors each mutation can answer, traced from :mod:`cms.articles.authors`,
:mod:`cms.articles.events` and :mod:`cms.media.images`: its union lists exactly these besides
its success type."""

if TYPE_CHECKING:  # what mypy sees; strawberry reads the unions named below
    AuthorCreateResult = AuthorCreateSuccess | UserError
    AuthorUpdateResult = AuthorUpdateSuccess | UserError
    AuthorDeleteResult = AuthorDeleteSuccess | UserError
    EventCreateResult = EventCreateSuccess | UserError
    EventUpdateResult = EventUpdateSuccess | UserError
    EventDeleteResult = EventDeleteSuccess | UserError
    ImageUpdateResult = ImageUpdateSuccess | UserError
else:
    AuthorCreateResult = result("authorCreate", AuthorCreateSuccess, REFUSALS)
    AuthorUpdateResult = result("authorUpdate", AuthorUpdateSuccess, REFUSALS)
    AuthorDeleteResult = result("authorDelete", AuthorDeleteSuccess, REFUSALS)
    EventCreateResult = result("eventCreate", EventCreateSuccess, REFUSALS)
    EventUpdateResult = result("eventUpdate", EventUpdateSuccess, REFUSALS)
    EventDeleteResult = result("eventDelete", EventDeleteSuccess, REFUSALS)
    ImageUpdateResult = result("imageUpdate", ImageUpdateSuccess, REFUSALS)


@strawberry.type
class ContentMutations:
    @strawberry.mutation(
        description="Create an author profile. Editors and admins only (an author gets "
        "`FORBIDDEN`). An explicit `slug` must be free (`SLUG_TAKEN`)."
    )
    async def author_create(
        self,
        info: Info,
        input: Annotated[AuthorCreateInput, strawberry.argument(description="The new profile.")],
    ) -> AuthorCreateResult:
        async def run() -> AuthorCreateSuccess:
            data = authors.AuthorInput(
                name=input.name,
                slug=input.slug,
                bio=input.bio,
                email=input.email,
                avatar_id=pk_of(input.avatar_id, "Image", "avatarId") if input.avatar_id else None,
            )
            ctx = info.context
            texts = given_translations(input.translations, AUTHOR_LIMITS, ctx.locales())
            created = await with_translations(
                lambda: authors.create(ctx.viewer, data, ctx.now), texts
            )
            return AuthorCreateSuccess(author=Author.from_model(created))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Change an author profile. Editors and admins change any; an author "
        "changes only their own (the profile linked to their account), and not its slug "
        "(`FORBIDDEN`). A new name is re-indexed for search with the author's articles."
    )
    async def author_update(
        self,
        info: Info,
        input: Annotated[AuthorUpdateInput, strawberry.argument(description="The changes.")],
    ) -> AuthorUpdateResult:
        async def run() -> AuthorUpdateSuccess:
            changes = authors.AuthorChanges(
                name=given(input.name),
                slug=given(input.slug),
                bio=given(input.bio),
                email=given(input.email),
                avatar_id=given_pk(input.avatar_id, "Image", "avatarId"),
            )
            pk = pk_of(input.id, "Author", "id")
            ctx = info.context
            texts = given_translations(input.translations, AUTHOR_LIMITS, ctx.locales())
            changed = await with_translations(
                lambda: authors.update(ctx.viewer, pk, changes, ctx.now), texts
            )
            return AuthorUpdateSuccess(author=Author.from_model(changed))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Delete an author profile. Editors and admins only. Refused with `IN_USE` "
        "(and the number of articles) while any article, of any status, lists the author; a "
        "user account linked to the profile stays, unlinked."
    )
    async def author_delete(
        self,
        info: Info,
        input: Annotated[
            AuthorDeleteInput, strawberry.argument(description="The author to delete.")
        ],
    ) -> AuthorDeleteResult:
        async def run() -> AuthorDeleteSuccess:
            await authors.delete(info.context.viewer, pk_of(input.id, "Author", "id"))
            return AuthorDeleteSuccess(deleted_id=input.id)

        return await attempt(info, run)

    @strawberry.mutation(
        description="Create an event. Editors, admins and authors (who report on it). An "
        "explicit `slug` must be free (`SLUG_TAKEN`)."
    )
    async def event_create(
        self,
        info: Info,
        input: Annotated[EventCreateInput, strawberry.argument(description="The new event.")],
    ) -> EventCreateResult:
        async def run() -> EventCreateSuccess:
            data = events.EventData(
                name=input.name,
                slug=input.slug,
                description=input.description or "",
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                location=input.location or "",
                organizer=input.organizer or "",
                host=input.host or "",
                participants=list(input.participants or []),
            )
            texts = given_translations(input.translations, EVENT_LIMITS, info.context.locales())
            created = await with_translations(
                lambda: events.create(info.context.viewer, data), texts
            )
            return EventCreateSuccess(event=Event.from_model(created))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Change an event. Editors and admins only: an event is shared by every "
        "article about it. A new name is re-indexed for search with its articles."
    )
    async def event_update(
        self,
        info: Info,
        input: Annotated[EventUpdateInput, strawberry.argument(description="The changes.")],
    ) -> EventUpdateResult:
        async def run() -> EventUpdateSuccess:
            changes = events.EventChanges(
                name=given(input.name),
                slug=given(input.slug),
                description=given(input.description),
                starts_at=given(input.starts_at),
                ends_at=given(input.ends_at),
                location=given(input.location),
                organizer=given(input.organizer),
                host=given(input.host),
                participants=given(input.participants),
            )
            pk = pk_of(input.id, "Event", "id")
            texts = given_translations(input.translations, EVENT_LIMITS, info.context.locales())
            changed = await with_translations(
                lambda: events.update(info.context.viewer, pk, changes), texts
            )
            return EventUpdateSuccess(event=Event.from_model(changed))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Delete an event. Editors and admins only. Refused with `IN_USE` (and the "
        "number of articles) while any article, of any status, reports on it."
    )
    async def event_delete(
        self,
        info: Info,
        input: Annotated[EventDeleteInput, strawberry.argument(description="The event to delete.")],
    ) -> EventDeleteResult:
        async def run() -> EventDeleteSuccess:
            await events.delete(info.context.viewer, pk_of(input.id, "Event", "id"))
            return EventDeleteSuccess(deleted_id=input.id)

        return await attempt(info, run)

    @strawberry.mutation(
        description="Change an image's alt text, default caption, credit and focal point (the "
        "point cropped renditions keep in view; their URLs change with it). Editors and admins "
        "change any image; an author only an image that is theirs alone: used by their own "
        "draft articles or as their own portrait, and nowhere else (else `FORBIDDEN`)."
    )
    async def image_update(
        self,
        info: Info,
        input: Annotated[ImageUpdateInput, strawberry.argument(description="The changes.")],
    ) -> ImageUpdateResult:
        async def run() -> ImageUpdateSuccess:
            changes = images.ImageChanges(
                alt=given(input.alt),
                caption=given(input.caption),
                credit=given(input.credit),
                focal_point=given_point(input.focal_point),
            )
            pk = pk_of(input.id, "Image", "id")
            ctx = info.context
            texts = given_translations(input.translations, IMAGE_LIMITS, ctx.locales())
            changed = await with_translations(
                lambda: images.update(ctx.viewer, pk, changes, ctx.now), texts
            )
            return ImageUpdateSuccess(image=Image.from_model(changed))

        return await attempt(info, run)
