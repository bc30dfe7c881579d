"""``cms check``: does a live or restored installation hold together? Each problem, named.

- Every image row's original is in the media store, with the row's size and its sha256 equal
  to the row's content hash; every image an article uses (cover, figures) exists, and is linked
  to it (``article_image``, what ``imageDelete`` asks before deleting).
- The search index holds one entry per article, each with exactly the words the article would
  be indexed with now (and, on PostgreSQL, its visibility and sort date); none for articles
  that no longer exist.
- Revisions and versions agree: an article at version ``n`` has revisions ``1..n`` (every save
  is a version and a revision, in one transaction), and the latest holds its title, summary and
  body.
- The content version and the change feed are sane: the version's row is there, every article
  has its change-log row, every published article is marked as having been public, and on
  PostgreSQL (where change numbers are content versions) no change number or horizon is ahead
  of the version.

Rows are read :data:`BATCH` at a time (a large installation is checked in bounded memory).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cms.articles import body as body_
from cms.articles.visibility import public_at_sql
from cms.core import db
from cms.media.storage import MediaStore
from cms.media.storage.base import MediaNotFound
from cms.models import Article, ArticleImage, ArticleRevision, Image
from cms.search.backend import sort_at_sql
from cms.search.index import documents_of
from cms.search.postgres import tsvectors
from cms.search.sqlite import row_of

BATCH = 500


@dataclass
class Report:
    """The problems found (none: the installation holds together) and what was checked."""

    problems: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


async def check(store: MediaStore) -> Report:
    """Check the installation the ORM is connected to, and ``store``."""
    report = Report()
    await _images(store, report)
    await _articles(report)
    await _search(report)
    await _content(report)
    return report


# --- images -------------------------------------------------------------------------------------


async def _images(store: MediaStore, report: Report) -> None:
    checked = stored_bytes = 0
    last = 0
    while batch := await Image.filter(id__gt=last).order_by("id").limit(BATCH):
        for image in batch:
            name = f"image {image.id} ({image.store_key})"
            found = await _hash(store, image.store_key)
            if found is None:
                report.problems.append(f"{name}: its file is not in the media store")
                continue
            size, digest = found
            stored_bytes += size
            if size != image.size:
                report.problems.append(
                    f"{name}: its file has {size} bytes, the database says {image.size}"
                )
            if digest != image.content_hash:
                report.problems.append(
                    f"{name}: its file's sha256 is {digest}, not its content hash "
                    f"{image.content_hash}"
                )
        checked += len(batch)
        last = batch[-1].id
    report.checked |= {"images": checked, "image bytes": stored_bytes}


async def _hash(store: MediaStore, key: str) -> tuple[int, str] | None:
    """Size and sha256 of a stored file (read in a thread when it is on this disk)."""
    path = store.local_path(key)
    try:
        if path is not None:
            return await asyncio.to_thread(_hash_file, path)
        digest, size = hashlib.sha256(), 0
        async for chunk in store.stream(key):
            digest.update(chunk)
            size += len(chunk)
        return size, digest.hexdigest()
    except (MediaNotFound, FileNotFoundError):
        return None


def _hash_file(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


# --- articles: their images and revisions -------------------------------------------------------


async def _articles(report: Report) -> None:
    checked = revisions = 0
    last = 0
    while batch := await Article.filter(id__gt=last).order_by("id").limit(BATCH):
        ids = [a.id for a in batch]
        await _used_images(batch, report)
        revisions += await _revisions(batch, report)
        checked += len(batch)
        last = ids[-1]
    report.checked |= {"articles": checked, "revisions": revisions}


async def _used_images(articles: Sequence[Article], report: Report) -> None:
    ids = [a.id for a in articles]
    uses = {
        a.id: {*([a.cover_id] if a.cover_id else []), *body_.image_ids(body_.from_json(a.body))}
        for a in articles
    }
    wanted = {i for used in uses.values() for i in used}
    existing = (
        set(await Image.filter(id__in=wanted).values_list("id", flat=True)) if wanted else set()
    )
    links: dict[int, set[int]] = {i: set() for i in ids}
    for article_id, image_id in await ArticleImage.filter(article_id__in=ids).values_list(
        "article_id", "image_id"
    ):
        links[int(article_id)].add(int(image_id))
    for article in articles:
        name = f"article {article.id} ({article.slug})"
        for image_id in sorted(uses[article.id] - existing):
            report.problems.append(f"{name}: uses image {image_id}, which does not exist")
        unlinked = sorted((uses[article.id] & existing) - links[article.id])
        if unlinked:
            report.problems.append(f"{name}: uses images {unlinked} without linking them")


async def _revisions(articles: Sequence[Article], report: Report) -> int:
    ids = [a.id for a in articles]
    rows = await db.fetch(
        "SELECT article_id, COUNT(*) AS n, MAX(number) AS last FROM article_revision "
        f"WHERE article_id IN ({db.marks(len(ids))}) GROUP BY article_id",
        ids,
    )
    numbers = {int(r["article_id"]): (int(r["n"]), int(r["last"])) for r in rows}
    latest = {
        r.article_id: r
        for r in await ArticleRevision.filter(
            article_id__in=ids, number__in={a.version for a in articles}
        )
    }
    for article in articles:
        name = f"article {article.id} ({article.slug})"
        count, last = numbers.get(article.id, (0, 0))
        if count != article.version or last != article.version:
            report.problems.append(
                f"{name}: at version {article.version}, but it has {count} revisions "
                f"numbered up to {last}"
            )
            continue
        revision = latest.get(article.id)
        if revision is None or revision.number != article.version:
            continue  # another article's number matched; its own is counted above
        differs = [
            what
            for what, mine, kept in (
                ("title", article.title, revision.title),
                ("summary", article.summary, revision.summary),
                ("body", article.body, revision.body),
            )
            if mine != kept
        ]
        if differs:
            report.problems.append(
                f"{name}: its {', '.join(differs)} differ from its latest revision ({last})"
            )
    return sum(n for n, _ in numbers.values())


# --- the search index ---------------------------------------------------------------------------


async def _search(report: Report) -> None:
    postgres = db.dialect(db.connection()) == "postgres"
    key = "article_id" if postgres else "rowid"
    orphans = await db.fetch(
        f"SELECT {key} AS id FROM article_search WHERE {key} NOT IN (SELECT id FROM article)"
    )
    for row in orphans:
        report.problems.append(
            f"search index: an entry for article {row['id']}, which does not exist"
        )
    entries = (await db.fetch("SELECT COUNT(*) AS n FROM article_search"))[0]["n"]
    last = 0
    while batch := await Article.filter(id__gt=last).order_by("id").limit(BATCH):
        docs = await documents_of(batch)
        wrong = await (_postgres_mismatches(docs) if postgres else _sqlite_mismatches(docs))
        slugs = {a.id: a.slug for a in batch}
        for article_id, what in wrong:
            report.problems.append(
                f"article {article_id} ({slugs[article_id]}): search index entry {what}"
            )
        last = batch[-1].id
    if postgres:
        stale = await db.fetch(
            "SELECT a.id, a.slug FROM article a JOIN article_search s ON s.article_id = a.id "
            f"WHERE s.public_at IS DISTINCT FROM {public_at_sql('a')} "
            f"OR s.sort_at IS DISTINCT FROM {sort_at_sql('a')}"
        )
        for row in stale:
            report.problems.append(
                f"article {row['id']} ({row['slug']}): search index entry has a stale date"
            )
    report.checked["search entries"] = int(entries)


async def _sqlite_mismatches(docs: Sequence[Any]) -> list[tuple[int, str]]:
    ids = [d.article_id for d in docs]
    rows = await db.fetch(
        "SELECT rowid AS id, title, body, title_exact, body_exact FROM article_search "
        f"WHERE rowid IN ({db.marks(len(ids))})",
        ids,
    )
    stored = {
        int(r["id"]): [r["title"], r["body"], r["title_exact"], r["body_exact"]] for r in rows
    }
    wrong: list[tuple[int, str]] = []
    for doc in docs:
        found = stored.get(doc.article_id)
        if found is None:
            wrong.append((doc.article_id, "is missing"))
        elif found != row_of(doc)[1:]:
            wrong.append((doc.article_id, "does not match the article's words"))
    return wrong


async def _postgres_mismatches(docs: Sequence[Any]) -> list[tuple[int, str]]:
    ids = [d.article_id for d in docs]
    titles, documents = zip(*(tsvectors(d) for d in docs), strict=True)
    rows = await db.fetch(
        "SELECT x.id, s.article_id IS NULL AS missing FROM "
        "unnest(?::int[], ?::text[], ?::text[]) AS x(id, title, document) "
        "LEFT JOIN article_search s ON s.article_id = x.id "
        "WHERE s.article_id IS NULL OR s.title <> x.title::tsvector "
        "OR s.document <> x.document::tsvector",
        [ids, list(titles), list(documents)],
    )
    return [
        (int(r["id"]), "is missing" if r["missing"] else "does not match the article's words")
        for r in rows
    ]


# --- the content version and the change feed ---------------------------------------------------


async def _content(report: Report) -> None:
    state = await db.fetch("SELECT version, changes_horizon FROM content_state WHERE id = 1")
    if not state:
        report.problems.append("content version: its row is missing (run `cms migrate`)")
        return
    version, horizon = int(state[0]["version"]), int(state[0]["changes_horizon"])
    report.checked["content version"] = version
    untracked = await db.fetch(
        "SELECT a.id, a.slug FROM article a "
        "LEFT JOIN article_change c ON c.article_id = a.id WHERE c.article_id IS NULL"
    )
    for row in untracked:
        report.problems.append(f"article {row['id']} ({row['slug']}): not in the change feed")
    hidden = await db.fetch(
        "SELECT a.id, a.slug FROM article a JOIN article_change c ON c.article_id = a.id "
        "WHERE a.status = 'published' AND NOT c.ever_public"
    )
    for row in hidden:
        report.problems.append(
            f"article {row['id']} ({row['slug']}): published, but the change feed never "
            "told anonymous apps"
        )
    if db.dialect(db.connection()) == "postgres":
        # The change feed numbers its changes with content_state.change_seq (migration 0015: a
        # draft's save is a change for editors' apps but raises no content version).
        counter = int(
            (await db.fetch("SELECT change_seq FROM content_state WHERE id = 1"))[0]["change_seq"]
        )
        newest = (await db.fetch("SELECT MAX(seq) AS seq FROM article_change"))[0]["seq"]
        if newest is not None and int(newest) > counter:
            report.problems.append(
                f"change feed: change number {newest} is ahead of its counter {counter}"
            )
        if horizon > counter:
            report.problems.append(
                f"change feed: its horizon {horizon} is ahead of its counter {counter}"
            )
    elif horizon < 0:
        report.problems.append(f"change feed: its horizon {horizon} is negative")
