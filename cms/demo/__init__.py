"""Demo content: the portal's sample article, its photos (as placeholders) and its event.

Shipped inside the package so that ``cms demo`` works on any clone. Loading is idempotent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiofiles
from tortoise.transactions import in_transaction

from cms.articles import events
from cms.importer.load import Imported, Options, import_file
from cms.media.storage import MediaStore
from cms.media.uploads import Limits
from cms.models import Event

DEMO_DIR = Path(__file__).parent
ARTICLE = DEMO_DIR / "article.txt"
EVENT = DEMO_DIR / "event.json"


@dataclass(frozen=True, slots=True)
class DemoContent:
    event: Event
    event_created: bool
    article: Imported


async def load(store: MediaStore, limits: Limits) -> DemoContent:
    """Create or refresh the demo event, then import the sample article linked to it."""
    event, created = await _event()
    options = Options(store=store, limits=limits, placeholder_images=True, event_id=event.id)
    return DemoContent(event, created, await import_file(ARTICLE, options))


async def _event() -> tuple[Event, bool]:
    async with aiofiles.open(EVENT, encoding="utf-8") as f:
        raw = json.loads(await f.read())
    data = events.EventData(
        name=raw["name"],
        slug=raw["slug"],
        description=raw["description"],
        starts_at=datetime.fromisoformat(raw["starts_at"]),
        ends_at=datetime.fromisoformat(raw["ends_at"]) if raw["ends_at"] else None,
        location=raw["location"],
        organizer=raw["organizer"],
        host=raw["host"],
        participants=raw["participants"],
    )
    existing = await Event.get_or_none(slug=data.slug)
    async with in_transaction():
        return await events.save(data, existing), existing is None
