"""Demo content: the portal's sample article, its photos (as placeholders) and its event, in a
small section tree with two tags, and a front page ("Trang chủ") that lists it; and its English
edition (:mod:`cms.demo.english`): the article's translation, the sections', tags' and event's
English names.

Shipped inside the package so that ``cms demo`` works on any clone. Loading is idempotent: what
is there already is left as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiofiles
from tortoise.transactions import in_transaction

from cms.articles import collections, events, sections
from cms.articles.input import BodyLimits
from cms.core import clock
from cms.core.viewer import Viewer
from cms.demo import english
from cms.importer.load import Imported, Options, import_file
from cms.media.storage import MediaStore
from cms.media.uploads import Limits
from cms.models import Collection, CollectionItem, Event, Role, Section

DEMO_DIR = Path(__file__).parent
ARTICLE = DEMO_DIR / "article.txt"
EVENT = DEMO_DIR / "event.json"


SECTIONS = (
    ("Tin tức - Sự kiện", "tin-tuc", None),
    ("Hoạt động của Ban", "hoat-dong-cua-ban", "tin-tuc"),
    ("Thông báo", "thong-bao", "tin-tuc"),
    ("Thu hút đầu tư", "thu-hut-dau-tu", None),
)
"""The demo's sections: name, slug, the parent's slug; in their order."""
SECTION = "hoat-dong-cua-ban"
"""Where the sample article goes: ``tin-tuc/hoat-dong-cua-ban``."""
TAGS = ("Khu công nghiệp", "Doanh nghiệp FDI")
LOCALE = "vi"
"""The sample article's language (whatever ``CMS_LOCALES`` says: it is Vietnamese)."""
BODY_LIMITS = BodyLimits(max_blocks=500, max_block_chars=20_000)
"""The settings' defaults: the demo's article is well within them."""
FRONT_PAGE = ("Trang chủ", "trang-chu", "The front page's top stories.")

DEMO = Viewer(can_preview=True, role=Role.ADMIN, label="cms demo")
"""Who the audit log says made the demo's sections and front page."""


@dataclass(frozen=True, slots=True)
class DemoContent:
    event: Event
    event_created: bool
    article: Imported
    sections_created: int
    front_page_created: bool
    english: english.English


async def load(
    store: MediaStore, limits: Limits, body_limits: BodyLimits = BODY_LIMITS
) -> DemoContent:
    """Create or refresh the demo event and sections, import the sample article linked to
    them, list it on the front page, and add its English edition."""
    event, created = await _event()
    sections_created = await _sections()
    section = await Section.get(slug=SECTION)
    options = Options(
        store=store,
        limits=limits,
        placeholder_images=True,
        event_id=event.id,
        section_id=section.id,
        tags=TAGS,
        locale=LOCALE,
    )
    article = await import_file(ARTICLE, options)
    front_page = await _front_page(article.article_id)
    edition = await english.load(DEMO, article.article_id, event.id, body_limits)
    return DemoContent(event, created, article, sections_created, front_page, edition)


async def _sections() -> int:
    """The demo's sections that are missing, made; how many."""
    made = 0
    for name, slug, parent_slug in SECTIONS:
        if await Section.filter(slug=slug).exists():
            continue
        parent = await Section.get_or_none(slug=parent_slug) if parent_slug else None
        given = sections.SectionInput(name, slug, parent_id=parent.id if parent else None)
        await sections.create(DEMO, clock.now(), given)
        made += 1
    return made


async def _front_page(article_id: int) -> bool:
    """The front page, made if missing; the article listed first on it if it is not on it;
    whether it was made."""
    name, slug, description = FRONT_PAGE
    found = await Collection.get_or_none(slug=slug)
    now = clock.now()
    made = found is None
    if found is None:
        given = collections.CollectionInput(name, slug, description)
        found = await collections.create(DEMO, now, given)
    listed = await CollectionItem.filter(collection_id=found.id).order_by("position")
    if article_id not in [item.article_id for item in listed]:
        ids = [article_id, *(item.article_id for item in listed)]
        await collections.set_items(DEMO, now, found.id, found.version, ids)
    return made


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
