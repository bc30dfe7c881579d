"""Backups that restore: ``cms backup DIR`` while the CMS runs, ``cms restore DIR`` into an empty
database and store.

A backup is a folder:

- ``database.sqlite3`` (SQLite's online backup API: one consistent copy, taken in a thread while
  the CMS goes on writing) or ``database.pgdump`` (``pg_dump``'s custom format, taken from a
  snapshot exported by a transaction of our own, which also reads the counts and the list of
  originals: all three see the same instant);
- ``media/<key>``: the original of every image the snapshot holds (renditions are left out: they
  are made again on demand). From an S3 store only with ``objects=True``; otherwise the manifest
  alone lists them (key, size, sha256), and restoring needs the bucket that still holds them;
- ``manifest.json``: what kind of database, the snapshot's row counts, every media key with its
  size and sha256, and the sha256 of every file of the backup (restore checks them all first).

The database is copied first and the originals after, by the snapshot's list: a photo uploaded
meanwhile is not in the snapshot and is not copied; one deleted meanwhile is named in
``missing`` (its row is in the snapshot, its file is gone).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import aiofiles
import aiofiles.os
import asyncpg

from cms.core import clock
from cms.media.storage import MediaStore
from cms.media.storage.base import MediaNotFound
from settings import Settings

FORMAT = 1
"""The manifest's format: restore refuses any other."""
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
MEDIA = "media"
ORIGINALS = "images"
"""The store prefix of the originals (``images/ab/cd/<sha256>.<ext>``)."""
COUNTED = ("article", "article_revision", "author", "event", "image", "account", "webhook")
"""The tables whose row counts the manifest records."""
CHUNK = 1024 * 1024

Kind = Literal["sqlite", "postgres"]


class BackupError(Exception):
    """Why a backup or a restore cannot go on (the message says what to do)."""


@dataclass
class Backup:
    """What a backup holds (``manifest.json``)."""

    database: Kind
    database_file: str
    counts: dict[str, int]
    media_store: str
    objects: bool
    """Whether the originals themselves are in the backup (always, from a local store)."""
    media: list[dict[str, Any]] = field(default_factory=list)
    """Each original: ``key``, ``bytes``, ``sha256``."""
    files: dict[str, str] = field(default_factory=dict)
    """The sha256 of every file of the backup but the manifest, by path in the folder."""
    missing: list[str] = field(default_factory=list)
    """Originals the snapshot names that were gone from the store when they were copied."""
    created_at: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "created_at": self.created_at,
                "database": {"kind": self.database, "file": self.database_file},
                "counts": self.counts,
                "media": {"store": self.media_store, "objects": self.objects, "files": self.media},
                "missing": self.missing,
                "files": self.files,
            },
            indent=2,
            ensure_ascii=False,
        )

    @classmethod
    def read(cls, folder: Path) -> Backup:
        try:
            data = json.loads((folder / MANIFEST).read_text("utf-8"))
        except (OSError, ValueError) as error:
            raise BackupError(f"{folder} holds no readable {MANIFEST}: {error}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError(f"{folder / MANIFEST} is not a backup manifest of format {FORMAT}.")
        return cls(
            database=data["database"]["kind"],
            database_file=data["database"]["file"],
            counts=data["counts"],
            media_store=data["media"]["store"],
            objects=data["media"]["objects"],
            media=data["media"]["files"],
            files=data["files"],
            missing=data.get("missing", []),
            created_at=data.get("created_at", ""),
        )


def kind_of(settings: Settings) -> Kind:
    return "sqlite" if settings.database_url.startswith("sqlite") else "postgres"


def sqlite_path(settings: Settings) -> Path:
    credentials = settings.tortoise_config()["connections"]["default"]["credentials"]
    path = credentials.get("file_path")
    if path in {None, ":memory:"}:
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(path)


def libpq_url(settings: Settings) -> str:
    """The database URL for ``pg_dump``, ``pg_restore`` and asyncpg (tortoise's own query
    parameters, such as pool sizes, left out)."""
    parts = urlsplit(settings.database_url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"`{name}` was not found on PATH: install the PostgreSQL client tools "
            "(Debian and Ubuntu: `apt install postgresql-client`, of the server's major version "
            "or newer)."
        )
    return found


async def _run_tool(*args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()
    if process.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {err.decode(errors='replace').strip()}")


# --- backup -------------------------------------------------------------------------------------


async def backup(
    settings: Settings, store: MediaStore, folder: Path, *, objects: bool = False
) -> Backup:
    """Back the installation up into ``folder`` (new, or an empty folder) while it runs."""
    kind = kind_of(settings)
    if kind == "postgres":
        _pg_tool("pg_dump")  # before anything is made
    await asyncio.to_thread(_new_folder, folder)
    copy = store.on_disk or objects
    if kind == "sqlite":
        database_file = SQLITE_FILE
        await asyncio.to_thread(_sqlite_backup, sqlite_path(settings), folder / SQLITE_FILE)
        counts, keys = await asyncio.to_thread(_sqlite_facts, folder / SQLITE_FILE)
    else:
        database_file = POSTGRES_FILE
        counts, keys = await _postgres_backup(settings, folder / POSTGRES_FILE)
    made = Backup(
        kind,
        database_file,
        counts,
        settings.media_store,
        copy,
        created_at=clock.now().isoformat(),
    )
    for key in keys:
        entry = await _save_original(store, key, folder / MEDIA / key if copy else None)
        if entry is None:
            made.missing.append(key)
        else:
            made.media.append(entry)
    made.files = await asyncio.to_thread(_checksums, folder)
    (folder / MANIFEST).write_text(made.to_json(), "utf-8")
    return made


def _new_folder(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"{folder} is not an empty folder: back up into a new one.")
    folder.mkdir(parents=True, exist_ok=True)


def _sqlite_backup(source: Path, target: Path) -> None:
    """SQLite's online backup: one consistent copy while others read and write."""
    if not source.exists():
        raise BackupError(f"There is no SQLite database at {source}.")
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # all pages in one step: one consistent snapshot
        finally:
            dst.close()
    finally:
        src.close()


def _sqlite_facts(path: Path) -> tuple[dict[str, int], list[str]]:
    conn = sqlite3.connect(path)
    try:
        counts = {t: int(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in COUNTED}
        keys = [str(r[0]) for r in conn.execute("SELECT store_key FROM image ORDER BY id")]
        return counts, keys
    finally:
        conn.close()


async def _postgres_backup(settings: Settings, target: Path) -> tuple[dict[str, int], list[str]]:
    """``pg_dump -Fc`` of the snapshot a transaction of ours exports, and that transaction's
    counts and originals (the same instant as the dump)."""
    pg_dump = _pg_tool("pg_dump")
    url = libpq_url(settings)
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            counts = {t: int(await conn.fetchval(f"SELECT COUNT(*) FROM {t}")) for t in COUNTED}
            keys = [str(r[0]) for r in await conn.fetch("SELECT store_key FROM image ORDER BY id")]
            await _run_tool(pg_dump, "-Fc", f"--snapshot={snapshot}", "-f", str(target), url)
    finally:
        await conn.close()
    return counts, keys


async def _save_original(store: MediaStore, key: str, target: Path | None) -> dict[str, Any] | None:
    """Hash (and copy, to ``target``) one original; None if the store no longer has it."""
    digest = hashlib.sha256()
    size = 0
    try:
        async with _writer(target) as write:
            async for chunk in store.stream(key):
                digest.update(chunk)
                size += len(chunk)
                await write(chunk)
    except MediaNotFound:
        return None
    return {"key": key, "bytes": size, "sha256": digest.hexdigest()}


@asynccontextmanager
async def _writer(target: Path | None) -> AsyncIterator[Any]:
    if target is None:

        async def nothing(chunk: bytes) -> None:
            return None

        yield nothing
        return
    await aiofiles.os.makedirs(target.parent, exist_ok=True)
    async with aiofiles.open(target, "wb") as f:
        yield f.write


def _checksums(folder: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST):
        found[path.relative_to(folder).as_posix()] = _sha256(path)
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- restore ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Restored:
    database: Kind
    counts: dict[str, int]
    files: int


async def restore(settings: Settings, store: MediaStore, folder: Path) -> Restored:
    """Restore the backup in ``folder`` into the (empty) database and store of ``settings``."""
    made = await asyncio.to_thread(_verified, folder)
    kind = kind_of(settings)
    if made.database != kind:
        raise BackupError(
            f"The backup holds a {made.database} database; CMS_DATABASE_URL names {kind}."
        )
    await _refuse_unless_empty(settings, store, made)
    if kind == "sqlite":
        await asyncio.to_thread(_sqlite_restore, folder / made.database_file, sqlite_path(settings))
    else:
        pg_restore = _pg_tool("pg_restore")
        await _run_tool(
            pg_restore, "--no-owner", "--exit-on-error", "-d", libpq_url(settings),
            str(folder / made.database_file),
        )  # fmt: skip
    copied = 0
    if made.objects:
        for entry in made.media:
            await store.put(entry["key"], folder / MEDIA / entry["key"])
            copied += 1
    return Restored(kind, made.counts, copied)


def _verified(folder: Path) -> Backup:
    made = Backup.read(folder)
    for name, expected in made.files.items():
        path = folder / name
        if not path.is_file():
            raise BackupError(f"The backup is incomplete: {name} is missing.")
        if _sha256(path) != expected:
            raise BackupError(f"The backup is damaged: {name} does not match its checksum.")
    return made


async def _refuse_unless_empty(settings: Settings, store: MediaStore, made: Backup) -> None:
    tables = await _tables(settings)
    if tables:
        raise BackupError(
            f"The database is not empty (it has {tables} tables): restore into a new database "
            "(PostgreSQL: `createdb`; SQLite: a path where no file is yet)."
        )
    if made.objects:
        async for key in _all_keys(store):
            raise BackupError(
                f"The media store is not empty (it holds {key}, for one): restore into an "
                "empty folder or bucket."
            )
    else:  # only a manifest: the originals must still be where they were
        absent = [e["key"] for e in made.media if not await store.exists(e["key"])]
        if absent:
            raise BackupError(
                f"The backup lists its originals but holds none, and the store lacks "
                f"{len(absent)} of them (such as {absent[0]}): point CMS_S3_BUCKET at the "
                "bucket that holds them, or take a backup with --objects."
            )


async def _all_keys(store: MediaStore) -> AsyncIterator[str]:
    for prefix in (ORIGINALS, "renditions"):
        async for key in store.keys(prefix):
            yield key


async def _tables(settings: Settings) -> int:
    if kind_of(settings) == "sqlite":
        return await asyncio.to_thread(_sqlite_tables, sqlite_path(settings))
    try:
        conn = await asyncpg.connect(libpq_url(settings))
    except (OSError, asyncpg.PostgresError) as error:
        raise BackupError(f"Cannot connect to the database: {error}") from None
    try:
        return int(
            await conn.fetchval(
                "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()"
            )
        )
    finally:
        await conn.close()


def _sqlite_tables(path: Path) -> int:
    if not path.exists() or path.stat().st_size == 0:
        return 0
    conn = sqlite3.connect(path)
    try:
        row = conn.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchone()
        return int(row[0])
    finally:
        conn.close()


def _sqlite_restore(source: Path, target: Path) -> None:
    """The backup's file, copied in through SQLite (so the target is a whole database file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        if leftover.exists() and leftover.stat().st_size == 0:
            leftover.unlink()
    _sqlite_backup(source, target)
