"""Loading parsed exports into the CMS: photos first, then one transaction per article.

Idempotent: an article is identified by its title, timestamp and locale (``source_key``), and its
content by a hash of everything the import would write (``source_hash``). Importing the same file
again writes nothing and reports ``unchanged``; a corrected file updates the article in place.

The articles are written in one locale (:attr:`Options.locale`). The same file imported in two
locales is two articles: the first keeps the key made of its title and timestamp alone (as every
import before translations did), the other gets the locale in its key.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import assert_never

import aiofiles
import aiofiles.os
import orjson
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from cms.articles import authors, body, publishing
from cms.articles import store as articles
from cms.articles.structure_reads import tag_names
from cms.articles.tags import key as tag_key
from cms.core import clock
from cms.core.errors import CmsError, ErrorCode
from cms.importer.parser import Block, Figure, Paragraph, ParsedArticle, ParseError, parse_bytes
from cms.media import images, uploads
from cms.media.storage import MediaStore
from cms.models import Article, ArticleStatus
from cms.notify import outbox
from cms.text import excerpt, fold

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif")
"""Tried in this order for a placeholder ``So-ket-1``: ``So-ket-1.jpg``, ``.jpeg``, ..."""


class ImportFailed(CmsError):
    """One file could not be imported; nothing of it was written."""

    code = ErrorCode.IMPORT_FAILED

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path, self.line = path, line


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Imported:
    """What importing one file did."""

    path: Path
    outcome: Outcome
    article_id: int
    slug: str
    title: str


@dataclass(frozen=True, slots=True)
class Options:
    """How to find photos, and where to put them."""

    store: MediaStore
    limits: uploads.Limits
    images_dir: Path | None = None
    placeholder_images: bool = False
    event_id: int | None = None
    section_id: int | None = None
    """The section the articles go in (None: an article already imported keeps its own)."""
    tags: tuple[str, ...] | None = None
    """The tags the articles carry, checked (None: an article already imported keeps its own)."""
    locale: str | None = None
    """The locale the articles are written in, checked by the caller (``Locales.check``); None:
    the model's default. Their slugs are unique within it."""


async def import_file(path: Path, options: Options) -> Imported:
    """Import one export file. Raises :class:`ImportFailed` naming the file (and line)."""
    async with aiofiles.open(path, "rb") as f:
        data = await f.read()
    try:
        parsed = await asyncio.to_thread(parse_bytes, data)
    except ParseError as error:
        raise ImportFailed(path, error.message, error.line) from None
    photos = await _photos(path, parsed, options)
    try:
        stored = {
            name: await _ingest(name, photo, parsed, options) for name, photo in photos.items()
        }
    except CmsError as error:
        raise ImportFailed(path, error.message) from None
    try:
        return await _save(path, parsed, stored, options)
    except CmsError as error:
        raise ImportFailed(path, error.message) from None
    except OperationalError as error:  # the transaction was rolled back: report, do not crash
        raise ImportFailed(path, f"the database refused the article: {error}") from error


@dataclass(frozen=True, slots=True)
class _Photo:
    """A photo file to take in, or the bytes of a labelled placeholder standing in for it."""

    path: Path | None
    placeholder: bytes = b""
    name: str = ""


async def _photos(path: Path, parsed: ParsedArticle, options: Options) -> dict[str, _Photo]:
    """The file name and bytes of every photo the article places, by placeholder name."""
    folder = options.images_dir or path.parent
    found = {name: await _find_photo(folder, name) for name in parsed.placeholders}
    missing = [name for name, file in found.items() if file is None]
    if missing and not options.placeholder_images:
        names = ", ".join(missing)
        raise ImportFailed(
            path,
            f"missing photos in {folder}: {names} (looked for {'/'.join(IMAGE_EXTENSIONS)}; "
            "pass --placeholder-images to import with labelled placeholders)",
            _line_of(parsed, missing[0]),
        )
    return {
        name: _Photo(file)
        if file
        else _Photo(None, await asyncio.to_thread(images.placeholder_png, name), f"{name}.png")
        for name, file in found.items()
    }


async def _find_photo(folder: Path, name: str) -> Path | None:
    for extension in (*IMAGE_EXTENSIONS, *(e.upper() for e in IMAGE_EXTENSIONS)):
        candidate = folder / f"{name}{extension}"
        if await aiofiles.os.path.isfile(candidate):
            return candidate
    return None


def _line_of(parsed: ParsedArticle, name: str) -> int | None:
    return next(
        (b.line for b in parsed.blocks if isinstance(b, Figure) and name in b.placeholders), None
    )


async def _ingest(name: str, photo: _Photo, parsed: ParsedArticle, options: Options) -> int:
    caption = next(
        (
            b.caption or ""
            for b in parsed.blocks
            if isinstance(b, Figure) and name in b.placeholders
        ),
        "",
    )
    text = uploads.Text(alt=caption, caption=caption)
    if photo.path is not None:  # streamed from its file, through the upload pipeline
        image = await uploads.ingest_path(options.store, photo.path, options.limits, text)
    else:
        image = await uploads.ingest_bytes(
            options.store, photo.placeholder, photo.name, options.limits, text
        )
    return image.id


def _blocks(parsed: ParsedArticle, stored: dict[str, int]) -> list[body.Block]:
    return [_block(block, stored) for block in parsed.blocks]


def _block(block: Block, stored: dict[str, int]) -> body.Block:
    """A parsed block as the body holds it (a figure's placeholders become the stored photos)."""
    match block:
        case Figure():
            return body.Figure(tuple(stored[n] for n in block.placeholders), block.caption or "")
        case Paragraph():
            return body.Paragraph(block.text)
        case _:
            assert_never(block)


def _identity(parsed: ParsedArticle, locale: str | None = None) -> str:
    """What makes two exports the same article: the title (accents folded) and its timestamp;
    with ``locale``, the key of the same export imported in a second locale."""
    key = f"{fold(parsed.title)}|{parsed.published_at.isoformat()}"
    key += f"|{locale}" if locale is not None else ""
    return hashlib.sha256(key.encode()).hexdigest()


async def _existing(parsed: ParsedArticle, locale: str) -> tuple[str, Article | None]:
    """The key of the export in ``locale`` and the article imported from it, if any: the
    localised key's if it was taken; else the plain key's while it is free or the article
    holding it is in ``locale``; else the localised key, new (so that importing in a second
    locale never touches the first's article)."""
    localised = _identity(parsed, locale)
    plain = _identity(parsed)
    found = await Article.filter(source_key__in=[localised, plain]).order_by("id")
    by_key = {article.source_key: article for article in found}
    if localised in by_key:
        return localised, by_key[localised]
    held = by_key.get(plain)
    if held is None or held.locale == locale:
        return plain, held
    return localised, None


def _content_hash(
    parsed: ParsedArticle,
    blocks: list[body.Block],
    event_id: int | None,
    section_id: int | None,
    tags: list[str],
) -> str:
    """Everything the import writes: equal hashes mean there is nothing to update. The section
    and the tags count only once given, so that an article imported before they existed hashes
    as it did then."""
    content: list[object] = [
        parsed.title,
        parsed.published_at.isoformat(),
        parsed.byline,
        list(parsed.authors),
        body.to_json(blocks),
        event_id,
    ]
    if section_id is not None:
        content.append(["section", section_id])
    if tags:
        content.append(["tags", [tag_key(name) for name in tags]])
    return hashlib.sha256(orjson.dumps(content)).hexdigest()


async def _save(
    path: Path, parsed: ParsedArticle, stored: dict[str, int], options: Options
) -> Imported:
    locale = options.locale or str(Article._meta.fields_map["locale"].default)
    identity, existing = await _existing(parsed, locale)
    event_id = options.event_id if options.event_id is not None else _event_of(existing)
    section_id = options.section_id if options.section_id is not None else _section_of(existing)
    given_tags = list(options.tags) if options.tags is not None else None
    tags = given_tags if given_tags is not None else await _tags_of(existing)
    blocks = _blocks(parsed, stored)
    content = _content_hash(parsed, blocks, event_id, section_id, tags)
    if existing is not None and existing.source_hash == content:
        return Imported(path, Outcome.UNCHANGED, existing.id, existing.slug, existing.title)
    first_paragraph = next((b.text for b in blocks if isinstance(b, body.Paragraph)), "")
    image_ids = body.image_ids(blocks)
    now = clock.now()
    due = parsed.published_at <= now
    async with in_transaction():
        await publishing.publish_due_here(now)
        was_public = existing is not None and outbox.is_public(existing, now)
        author_ids = [(await authors.get_or_create(name))[0].id for name in parsed.authors]
        data = articles.ArticleData(
            title=parsed.title,
            blocks=blocks,
            # A time still to come is a scheduled publication (announced when it comes).
            status=ArticleStatus.PUBLISHED if due else ArticleStatus.SCHEDULED,
            published_at=parsed.published_at,
            summary=excerpt(first_paragraph),
            byline=parsed.byline or "",
            author_ids=author_ids,
            event_id=event_id,
            cover_id=image_ids[0] if image_ids else None,
            source_key=identity,
            source_hash=content,
            section_id=section_id,
            tags=given_tags,
            seo_title=existing.seo_title if existing is not None else "",
            seo_description=existing.seo_description if existing is not None else "",
            locale=locale,
        )
        article = await articles.save(data, existing)
        await outbox.article_moved(article, was_public, now)
    outcome = Outcome.CREATED if existing is None else Outcome.UPDATED
    return Imported(path, outcome, article.id, article.slug, article.title)


def _event_of(article: Article | None) -> int | None:
    return article.event_id if article is not None else None


def _section_of(article: Article | None) -> int | None:
    return article.section_id if article is not None else None


async def _tags_of(article: Article | None) -> list[str]:
    return await tag_names(article.id) if article is not None else []
