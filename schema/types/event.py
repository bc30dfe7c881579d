"""The ``Event`` type."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from cms import models
from cms.articles.reads import EventRow
from cms.core import surrogate
from cms.core.locales import Reading
from cms.site import jsonld
from schema.context import Info
from schema.types.nested import ArticleRef, parent_articles
from schema.types.node import Node, to_global_id
from schema.types.pagination import Connection
from schema.types.translation import (
    EVENT_TEXTS,
    UNTRANSLATED,
    EventTranslation,
    LocaleArgument,
    translation_of,
)


@strawberry.type(
    description="Something that happened and that articles report on: a conference, a session."
)
class Event(Node):
    id: strawberry.ID = strawberry.field(description="Opaque, globally unique ID.")
    slug: str = strawberry.field(description="URL-safe name, unique.")
    name: str = strawberry.field(
        description="Name of the event; read through an article, in the article's locale."
        + UNTRANSLATED
    )
    description: str = strawberry.field(
        description="What it was about; may be empty. In the article's locale, as `name`."
    )
    starts_at: datetime = strawberry.field(description="When it starts (ISO 8601, with offset).")
    ends_at: datetime | None = strawberry.field(description="When it ends, if known.")
    location: str = strawberry.field(
        description="Where it takes place; may be empty. In the article's locale, as `name`."
    )
    organizer: str = strawberry.field(
        description="Who organised it. In the article's locale, as `name`."
    )
    host: str = strawberry.field(
        description="Who chaired or hosted it. In the article's locale, as `name`."
    )
    participants: list[str] = strawberry.field(
        description="Attending agencies and people, in the order the source lists them."
    )
    _row: strawberry.Private[EventRow]
    _pk: strawberry.Private[int]
    _locale: strawberry.Private[str | None] = None
    """The locale its texts were read in (through an article); None: the default's."""

    articles: Connection[ArticleRef] = strawberry.field(
        resolver=parent_articles(lambda loaders: loaders.articles_by_event),
        description="Published articles that report on this event, newest first.",
    )

    @strawberry.field(description="Its texts in one locale, as written: null when it has none.")
    def translation(self, info: Info, locale: LocaleArgument) -> EventTranslation | None:
        row, locales = self._row, info.context.locales()
        defaults = {name: getattr(row, name) for name in EVENT_TEXTS}
        return translation_of(defaults, row.translations, locale, locales, EventTranslation)

    @strawberry.field(
        description="The event for search engines: a schema.org `Event` in JSON-LD (name, "
        "description, startDate and endDate in Vietnam's time, +07:00, location as a `Place`, "
        "organizer as an `Organization`, inLanguage: the locale its texts are read in: the "
        "article's, read through one, else the default locale).",
        graphql_type=JSON,
    )
    def json_ld(self, info: Info) -> jsonld.JsonLd:
        texts = {"name": self.name, "description": self.description}
        texts |= {"location": self.location, "organizer": self.organizer}
        language = self._locale or info.context.settings.default_locale
        return jsonld.event(self._row, language=language, texts=texts)

    @classmethod
    def from_row(cls, event: EventRow, reading: Reading | None = None) -> Event:
        surrogate.record("event", event.id)
        texts: dict[str, str] = {name: getattr(event, name) for name in EVENT_TEXTS}
        if reading is not None:
            texts = {n: reading.text(t, event.translations, n) for n, t in texts.items()}
        return cls(
            id=to_global_id("Event", event.id),
            slug=event.slug,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            _locale=reading.locale if reading is not None else None,
            **texts,
            participants=list(event.participants),
            _row=event,
            _pk=event.id,
        )

    @classmethod
    def from_model(cls, event: models.Event) -> Event:
        """The event a mutation just wrote (its row made from the model, no statement)."""
        return cls.from_row(EventRow.of(event))

    @classmethod
    async def load(cls, info: Info, pk: int) -> Event | None:
        found = await info.context.loaders.event_by_id.load(pk)
        return cls.from_row(found) if found else None
