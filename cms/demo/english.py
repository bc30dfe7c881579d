"""The demo's English edition: a translation of the sample article, published, and English names
for the demo's sections, tags and event.

The translation is made as an editor makes one: :func:`cms.articles.editing.translate` starts the
draft (the original's figures, photos, section, tags, author and event; its texts copied), then
:func:`~cms.articles.editing.update` gives it its English title, summary, slug and first
paragraph (the rest of the body stays as the draft copied it, to be translated), and
:func:`~cms.articles.editing.publish` publishes it at the original's time. Sections, tags and
the event are translated in place: their ``translations`` column gets ``{"en": {...}}``.

Written whether or not ``en`` is configured (``CMS_LOCALES``): they are data, and the API shows
them once it is. Idempotent: an English version or name already there is left as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import aiofiles
from tortoise.transactions import in_transaction

from cms.articles import body, editing
from cms.articles.input import ArticleChanges, BodyLimits
from cms.articles.tags import key as tag_key
from cms.core import clock
from cms.core.viewer import Viewer
from cms.models import Article, Event, Section, Tag

LOCALE = "en"
TEXTS = Path(__file__).parent / "english.json"
"""The English texts: the article's, and the sections' (by slug), tags' (by name) and event's."""


@dataclass(frozen=True, slots=True)
class English:
    """What loading the English edition did."""

    article: Article
    article_created: bool
    names_written: int
    """How many sections, tags and events got their English texts (0 when all had them)."""


async def load(viewer: Viewer, original_id: int, event_id: int, limits: BodyLimits) -> English:
    """The English translation of article ``original_id`` (made if missing) and the English
    names of the demo's sections, tags and event ``event_id`` (written where missing)."""
    async with aiofiles.open(TEXTS, encoding="utf-8") as f:
        texts = json.loads(await f.read())
    names = await _sections(texts["sections"]) + await _tags(texts["tags"])
    names += await _add(await Event.get(id=event_id), texts["event"])
    article, created = await _translation(viewer, original_id, texts["article"], limits)
    return English(article, created, names)


async def _translation(
    viewer: Viewer, original_id: int, texts: dict[str, str], limits: BodyLimits
) -> tuple[Article, bool]:
    """The story's English version; made, edited and published in one transaction if missing."""
    original = await Article.get(id=original_id)
    story = original.story_id or original.id
    found = await Article.get_or_none(story_id=story, locale=LOCALE)
    if found is not None:
        return found, False
    now = clock.now()
    async with in_transaction():
        draft = await editing.translate(viewer, now, original.id, LOCALE, limits)
        changes = ArticleChanges(
            title=texts["title"],
            summary=texts["summary"],
            slug=texts["slug"],
            blocks=_with_first_paragraph(draft, texts["first_paragraph"]),
        )
        edited = await editing.update(viewer, now, draft.id, draft.version, changes, limits)
        at = original.published_at
        published = await editing.publish(viewer, now, edited.id, edited.version, at)
    return published, True


def _with_first_paragraph(article: Article, text: str) -> tuple[body.Block, ...]:
    """The article's body with its first paragraph's text replaced by ``text``."""
    blocks = list(body.from_json(article.body))
    first = next(n for n, block in enumerate(blocks) if isinstance(block, body.Paragraph))
    blocks[first] = body.Paragraph(text)
    return tuple(blocks)


async def _sections(texts: dict[str, dict[str, str]]) -> int:
    found = {s.slug: s for s in await Section.filter(slug__in=list(texts))}
    return sum([await _add(found[slug], given) for slug, given in texts.items() if slug in found])


async def _tags(texts: dict[str, dict[str, str]]) -> int:
    keys = {tag_key(name): given for name, given in texts.items()}
    found = await Tag.filter(folded__in=list(keys))
    return sum([await _add(tag, keys[tag.folded]) for tag in found])


async def _add(row: Section | Tag | Event, texts: dict[str, str]) -> int:
    """Write ``texts`` as ``row``'s English, unless it has an English already; 1 if written."""
    current: dict[str, dict[str, str]] = dict(row.translations or {})
    if LOCALE in current:
        return 0
    current[LOCALE] = dict(texts)
    await type(row).filter(pk=row.pk).update(translations=current)
    return 1
