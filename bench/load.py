"""Load a benchmark dataset (``gen_dataset.py`` JSON) into a CMS database through its services.

    python bench/load.py bench/out/news.json --database-url sqlite://bench/out/bench.sqlite3

Authors, events and articles go through the CMS's own services (so slugs, NFC and folding are the
CMS's own); articles are saved with ``articles.save`` in transactions of ``--batch`` articles.
Images are metadata only: one small placeholder JPEG is written to the media root once and every
``Image`` row points at it (each row gets its own ``content_hash``: the column is unique).

The database must be empty (a fresh file): loading twice would duplicate everything.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import PIL.Image
from tortoise.transactions import in_transaction

from cms.articles import authors, body, events
from cms.articles import store as articles
from cms.core import db
from cms.media.storage import LocalMediaStore
from cms.models import Article, ArticleStatus, Image
from cms.text import normalize
from settings import Settings

PLACEHOLDER_KEY = "images/bench/placeholder.jpg"
"""Where the one shared placeholder file lives in the media store."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Loaded:
    """What a load wrote and how long each part took (seconds)."""

    authors: int
    events: int
    images: int
    articles: int
    published: int
    seconds_migrate: float
    seconds_authors_events: float
    seconds_images: float
    seconds_articles: float
    seconds_total: float


def placeholder_jpeg() -> bytes:
    """A tiny grey JPEG (deterministic bytes)."""
    out = io.BytesIO()
    PIL.Image.new("RGB", (16, 9), (200, 204, 208)).save(out, format="JPEG", quality=50)
    return out.getvalue()


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def article_blocks(
    text: str, figures: dict[int, tuple[int, str]]
) -> list[body.Paragraph | body.Figure]:
    """Paragraphs (split on blank lines), with the figure for image position 1 after the first
    paragraph and position 2 after the third (or at the end when the body is shorter)."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    after = {1: 1, 2: 3}  # image position -> number of paragraphs before it
    blocks: list[body.Paragraph | body.Figure] = []
    for n, paragraph in enumerate(paragraphs, start=1):
        blocks.append(body.Paragraph(paragraph))
        for position, count in after.items():
            if count == n and position in figures:
                image_id, caption = figures[position]
                blocks.append(body.Figure((image_id,), caption))
    for position, count in after.items():
        if count > len(paragraphs) and position in figures:
            image_id, caption = figures[position]
            blocks.append(body.Figure((image_id,), caption))
    return blocks


async def load_authors(rows: list[dict[str, Any]]) -> dict[int, int]:
    """Dataset author id -> database id."""
    ids: dict[int, int] = {}
    for row in rows:
        author, _created = await authors.get_or_create(row["name"])
        await author.update_from_dict(
            {"bio": normalize(row["bio"]).strip(), "email": row["email"]}
        ).save()
        ids[int(row["id"])] = author.id
    return ids


async def load_events(rows: list[dict[str, Any]]) -> dict[int, int]:
    """Dataset event id -> database id."""
    ids: dict[int, int] = {}
    for row in rows:
        event = await events.save(
            events.EventData(
                name=row["name"],
                starts_at=datetime.fromisoformat(row["starts_at"]),
                location=row["location"],
                organizer=row["organizer"],
            )
        )
        ids[int(row["id"])] = event.id
    return ids


async def load_images(
    store: LocalMediaStore, rows: list[dict[str, Any]], batch: int
) -> dict[int, int]:
    """Image rows pointing at the shared placeholder. Dataset image id -> database id."""
    data = placeholder_jpeg()
    if not await store.exists(PLACEHOLDER_KEY):
        await store.put(PLACEHOLDER_KEY, data)
    hashes = {int(row["id"]): image_hash(int(row["id"])) for row in rows}
    for part in chunks(rows, batch):
        async with in_transaction():
            await Image.bulk_create(
                [
                    Image(
                        store_key=PLACEHOLDER_KEY,
                        filename=normalize(row["filename"])[:255],
                        mime_type="image/jpeg",
                        size=len(data),
                        width=int(row["width"]),
                        height=int(row["height"]),
                        content_hash=hashes[int(row["id"])],
                        alt=normalize(row["alt"]).strip(),
                        caption=normalize(row["caption"]).strip(),
                    )
                    for row in part
                ]
            )
    by_hash: dict[str, int] = {}
    for some in chunks(list(hashes.values()), 500):
        found = await Image.filter(content_hash__in=some).values_list("content_hash", "id")
        by_hash.update({str(h): int(str(i)) for h, i in found})
    return {dataset_id: by_hash[h] for dataset_id, h in hashes.items()}


def image_hash(dataset_id: int) -> str:
    return hashlib.sha256(f"bench-image-{dataset_id}".encode()).hexdigest()


async def load_articles(
    rows: list[dict[str, Any]],
    image_rows: list[dict[str, Any]],
    author_ids: dict[int, int],
    event_ids: dict[int, int],
    image_ids: dict[int, int],
    batch: int,
) -> None:
    by_article: dict[int, dict[int, dict[str, Any]]] = {}
    for image in image_rows:
        by_article.setdefault(int(image["article_id"]), {})[int(image["position"])] = image
    done = 0
    for part in chunks(rows, batch):
        async with in_transaction():
            for row in part:
                own = by_article.get(int(row["id"]), {})
                figures = {
                    position: (image_ids[int(image["id"])], image["caption"])
                    for position, image in own.items()
                    if position in (1, 2)
                }
                cover = own.get(0)
                event_id = row["event_id"]
                await articles.save(
                    articles.ArticleData(
                        title=row["title"],
                        blocks=list(article_blocks(row["body"], figures)),
                        status=ArticleStatus(row["status"]),
                        published_at=datetime.fromisoformat(row["published_at"]),
                        summary=row["summary"],
                        author_ids=[author_ids[int(row["author_id"])]],
                        event_id=event_ids[int(event_id)] if event_id is not None else None,
                        cover_id=image_ids[int(cover["id"])] if cover is not None else None,
                    )
                )
        done += len(part)
        print(f"  articles: {done}/{len(rows)}", file=sys.stderr, flush=True)


async def load(dataset: dict[str, Any], settings: Settings, batch: int = 250) -> Loaded:
    """Migrate, then write the whole dataset. Refuses a database that already has articles."""
    started = time.perf_counter()
    await db.migrate(settings)
    migrated = time.perf_counter()
    async with db.connected(settings):
        if await Article.all().exists():
            raise SystemExit(
                f"load.py: {settings.database_url} already has articles; load into a fresh file."
            )
        author_ids = await load_authors(dataset["authors"])
        event_ids = await load_events(dataset["events"])
        people = time.perf_counter()
        store = LocalMediaStore(settings.media_root)
        image_ids = await load_images(store, dataset["images"], batch=1000)
        pictures = time.perf_counter()
        await load_articles(
            dataset["articles"], dataset["images"], author_ids, event_ids, image_ids, batch
        )
        finished = time.perf_counter()
        published = await Article.filter(status=ArticleStatus.PUBLISHED).count()
        total = await Article.all().count()
    return Loaded(
        authors=len(author_ids),
        events=len(event_ids),
        images=len(image_ids),
        articles=total,
        published=published,
        seconds_migrate=migrated - started,
        seconds_authors_events=people - migrated,
        seconds_images=pictures - people,
        seconds_articles=finished - pictures,
        seconds_total=finished - started,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("dataset", type=Path, help="JSON written by gen_dataset.py")
    parser.add_argument(
        "--database-url",
        default="sqlite://bench/out/bench.sqlite3",
        help="where to load it (default: %(default)s); must be empty",
    )
    parser.add_argument(
        "--media-root",
        type=Path,
        default=Path("bench/out/media"),
        help="media store folder for the placeholder file (default: %(default)s)",
    )
    parser.add_argument(
        "--batch", type=int, default=250, help="articles per transaction (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    dataset = json.loads(args.dataset.read_text(encoding="utf-8"))
    settings = Settings(
        _env_file=None,
        database_url=args.database_url,
        media_root=args.media_root,
    )
    loaded = asyncio.run(load(dataset, settings, batch=args.batch))
    print(
        f"loaded {loaded.articles} articles ({loaded.published} published), "
        f"{loaded.images} images, {loaded.authors} authors, {loaded.events} events "
        f"in {loaded.seconds_total:.1f} s (migrate {loaded.seconds_migrate:.1f} s, "
        f"authors+events {loaded.seconds_authors_events:.1f} s, "
        f"images {loaded.seconds_images:.1f} s, articles {loaded.seconds_articles:.1f} s: "
        f"{loaded.articles / max(loaded.seconds_articles, 1e-9):.0f} articles/s)"
    )
    print("LOAD_JSON " + json.dumps(asdict(loaded)))


if __name__ == "__main__":
    main()
