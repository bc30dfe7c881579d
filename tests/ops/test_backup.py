"""Backups that restore: ``cms backup`` taken while articles are being published and updated
through the app restores (a new SQLite file and media folder; a new PostgreSQL database) to an
installation that ``cms check`` passes and that holds every article committed before the
backup began. ``cms check`` names each problem made on purpose; ``cms restore`` refuses what is
not empty and what is damaged."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from cms.core import db
from cms.media.storage import LocalMediaStore, store_from_settings
from cms.models import Article, ArticleImage, Image, Role
from cms.ops import backup as backups
from cms.ops.check import check
from schema.types.node import to_global_id
from settings import Settings
from tests.cli.test_cli import CMS, cms_env, run_cms
from tests.editing.helpers import figure, mutate, paragraph, published
from tests.factories import Factory
from tests.s3 import S3Server, s3_server_fixture  # noqa: F401 (a fixture)

pytestmark = pytest.mark.database("sqlite", "postgres")


async def _cms(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str]:
    """``cms ARGS`` in a subprocess, awaited without blocking the event loop (the app in this
    process goes on answering meanwhile)."""
    process = await asyncio.create_subprocess_exec(
        str(CMS),
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode()


class Writer:
    """Publishes a new article, then updates an earlier one, over and over, through the app;
    ``committed`` holds each article's slug and last version answered."""

    def __init__(self, client: httpx.AsyncClient, token: str, photo: str) -> None:
        self.client, self.token, self.photo = client, token, photo
        self.committed: dict[str, int] = {}
        self.ids: list[tuple[str, str]] = []
        self.stop = asyncio.Event()
        self.going = asyncio.Event()
        """Set once a few articles are committed."""
        self.rounds = 0

    async def run(self) -> None:
        while not self.stop.is_set():
            n = self.rounds = self.rounds + 1
            body = [paragraph(f"Tin số {n}: Bắc Kạn đón mùa lúa mới."), figure(self.photo)]
            made = await published(self.client, self.token, f"Tin số {n}", body=body)
            self.committed[made["slug"]] = made["version"]
            self.ids.append((made["id"], made["slug"]))
            article_id, slug = self.ids[n // 2]
            change = {"id": article_id, "version": self.committed[slug], "title": f"Sửa {n}"}
            answer = await mutate(self.client, "articleUpdate", change, self.token)
            assert answer["__typename"] == "ArticleUpdateSuccess", answer
            self.committed[slug] = answer["article"]["version"]
            if n >= 5:
                self.going.set()


async def _restored_articles(url: str) -> dict[str, int]:
    """Slug and version of every article in the restored database, read without the ORM."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite://"))
        try:
            return {str(s): int(v) for s, v in conn.execute("SELECT slug, version FROM article")}
        finally:
            conn.close()
    pg = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        return {
            r["slug"]: r["version"] for r in await pg.fetch("SELECT slug, version FROM article")
        }
    finally:
        await pg.close()


async def test_a_backup_taken_during_writes_restores_and_passes_check(
    settings: Settings,
    client: httpx.AsyncClient,
    database_url: str,
    empty_database_url: str,
    tmp_path: Path,
) -> None:
    factory = Factory(settings.media_root)
    token = await factory.token(Role.EDITOR, "editor@example.org")
    photo = await factory.image(caption="Ruộng bậc thang")
    writer = Writer(client, token, to_global_id("Image", photo.id))
    writing = asyncio.create_task(writer.run())
    await asyncio.wait_for(writer.going.wait(), timeout=60)
    before = dict(writer.committed)  # every one of these was answered: committed
    rounds_before = writer.rounds
    env = cms_env(database_url, settings.media_root)
    code, out = await _cms(env, tmp_path, "backup", str(tmp_path / "backup"))
    during = writer.rounds - rounds_before
    writer.stop.set()
    await writing
    assert code == 0, out
    assert during >= 1, "no write landed while the backup ran"

    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["counts"]["article"] >= len(before)
    assert [entry["key"] for entry in manifest["media"]["files"]] == [photo.store_key]
    assert manifest["files"]["media/" + photo.store_key] == photo.content_hash

    restored_env = cms_env(empty_database_url, tmp_path / "restored-media")
    code, out = await _cms(restored_env, tmp_path, "restore", str(tmp_path / "backup"))
    assert code == 0, out
    code, out = await _cms(restored_env, tmp_path, "check")
    assert code == 0, out
    assert "All good" in out, out
    articles = await _restored_articles(empty_database_url)
    for slug, version in before.items():
        assert slug in articles, f"{slug} was committed before the backup began"
        assert articles[slug] >= version, (slug, articles[slug], version)
    assert len(articles) == manifest["counts"]["article"]
    assert (tmp_path / "restored-media" / photo.store_key).read_bytes() == (
        settings.media_root / photo.store_key
    ).read_bytes()


async def _broken_on_purpose(settings: Settings) -> dict[str, Any]:
    factory = Factory(settings.media_root)
    gone = await factory.article("Ảnh bị xoá", cover=True)
    changed = await factory.article("Ảnh bị sửa", figures=1)
    indexed = await factory.article("Chỉ mục hỏng")
    skewed = await factory.article("Phiên bản lệch")
    await factory.article("Bài lành lặn")
    cover = await Image.get(id=gone.cover_id)
    (settings.media_root / cover.store_key).unlink()
    [linked] = await ArticleImage.filter(article_id=changed.id).values_list("image_id", flat=True)
    figure_image = await Image.get(id=linked)
    (settings.media_root / figure_image.store_key).write_bytes(b"not the photo any more")
    if db.dialect(db.connection()) == "sqlite":
        await db.execute("UPDATE article_search SET title = 'sai' WHERE rowid = ?", [indexed.id])
    else:
        await db.execute(
            "UPDATE article_search SET title = 'sai'::tsvector WHERE article_id = ?", [indexed.id]
        )
    await Article.filter(id=skewed.id).update(version=7)
    return {"cover": cover, "figure": figure_image, "indexed": indexed, "skewed": skewed}


async def test_check_names_each_problem_made_on_purpose(settings: Settings, orm: None) -> None:
    store = LocalMediaStore(settings.media_root)
    report = await check(store)
    assert report.ok, report.problems
    broken = await _broken_on_purpose(settings)
    report = await check(store)
    cover, figure_image = broken["cover"], broken["figure"]
    indexed, skewed = broken["indexed"], broken["skewed"]
    assert sorted(report.problems) == sorted(
        [
            f"image {cover.id} ({cover.store_key}): its file is not in the media store",
            f"image {figure_image.id} ({figure_image.store_key}): its file has 22 bytes, "
            f"the database says {figure_image.size}",
            f"image {figure_image.id} ({figure_image.store_key}): its file's sha256 is "
            f"{hashlib.sha256(b'not the photo any more').hexdigest()}, not its content hash "
            f"{figure_image.content_hash}",
            f"article {indexed.id} ({indexed.slug}): search index entry does not match the "
            "article's words",
            f"article {skewed.id} ({skewed.slug}): at version 7, but it has 1 revisions "
            "numbered up to 1",
        ]
    ), report.problems


def test_cms_check_exits_1_listing_each_problem(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    async def seed() -> None:
        async with db.connected(settings):
            await _broken_on_purpose(settings)

    asyncio.run(seed())
    done = run_cms(cms_env(database_url, settings.media_root), tmp_path, "check")
    assert done.returncode == 1, done.stdout
    problems = [line for line in done.stdout.splitlines() if line.startswith("Problem:")]
    assert len(problems) == 5, done.stdout
    assert "5 problems" in done.stderr


async def test_restore_refuses_a_database_or_store_that_is_not_empty_and_a_damaged_backup(
    settings: Settings, database_url: str, empty_database_url: str, tmp_path: Path
) -> None:
    async with db.connected(settings):
        await Factory(settings.media_root).article("Bài có ảnh", cover=True)
    env = cms_env(database_url, settings.media_root)
    code, out = await _cms(env, tmp_path, "backup", str(tmp_path / "backup"))
    assert code == 0, out
    code, out = await _cms(env, tmp_path, "backup", str(tmp_path / "backup"))
    assert code == 1 and "is not an empty folder" in out, out

    code, out = await _cms(env, tmp_path, "restore", str(tmp_path / "backup"))
    assert code == 1 and "The database is not empty" in out, out

    busy_media = tmp_path / "busy-media"
    (busy_media / "images").mkdir(parents=True)
    (busy_media / "images" / "x.jpg").write_bytes(b"x")
    code, out = await _cms(
        cms_env(empty_database_url, busy_media), tmp_path, "restore", str(tmp_path / "backup")
    )
    assert code == 1 and "The media store is not empty" in out, out

    original = next((tmp_path / "backup" / "media").rglob("*.jpg"))
    original.write_bytes(original.read_bytes()[:-1])
    code, out = await _cms(
        cms_env(empty_database_url, tmp_path / "new-media"), tmp_path, "restore",
        str(tmp_path / "backup"),
    )  # fmt: skip
    assert code == 1 and "does not match its checksum" in out, out


@pytest.mark.database("sqlite", reason="the store is what this test is about")
async def test_an_s3_store_is_listed_and_with_objects_restored_into_a_new_bucket(
    settings: Settings, empty_database_url: str, tmp_path: Path, s3_server: S3Server
) -> None:
    bucket = s3_server.new_bucket()
    on_s3 = settings.model_copy(update=s3_server.settings(bucket))
    async with db.connected(on_s3), store_from_settings(on_s3) as store:
        photo = await Factory(settings.media_root).image()
        await store.put(photo.store_key, settings.media_root / photo.store_key)
        listed = await backups.backup(on_s3, store, tmp_path / "listed")
        assert not listed.objects and not (tmp_path / "listed" / "media").exists()
        assert listed.media == [
            {"key": photo.store_key, "bytes": photo.size, "sha256": photo.content_hash}
        ]
        full = await backups.backup(on_s3, store, tmp_path / "full", objects=True)
        assert full.objects and (tmp_path / "full" / "media" / photo.store_key).is_file()

    new_bucket = s3_server.new_bucket()
    target = on_s3.model_copy(
        update={"database_url": empty_database_url, **s3_server.settings(new_bucket)}
    )
    async with store_from_settings(target) as store:
        with pytest.raises(backups.BackupError, match="holds none, and the store lacks 1"):
            await backups.restore(target, store, tmp_path / "listed")
        restored = await backups.restore(target, store, tmp_path / "full")
    assert restored.files == 1
    assert s3_server.objects(new_bucket) == {photo.store_key}
