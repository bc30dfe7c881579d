"""The real ``cms`` command, run in a subprocess against a database and media folder in tmp_path.

Commands that work on content run against each database; rows are checked with ``sqlite3`` or
``asyncpg``, not through the code under test. Commands that must fail before opening a database
get settings naming a SQLite file that does not exist (and must not afterwards).
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import PIL.Image
import pytest

from settings import Settings

CMS = Path(sys.executable).with_name("cms")
REPO = Path(__file__).resolve().parents[2]
SAMPLE_TEXT = (REPO / "cms" / "demo" / "article.txt").read_text(encoding="utf-8")
SCHEMA_FILE = REPO / "schema" / "schema.graphql"
DEMO_SLUG = (
    "hoi-nghi-so-ket-6-thang-dau-nam-gap-mat-doanh-nghiep-nha-dau-tu-"
    "trien-khai-nhiem-vu-6-thang-cuoi-nam-2023"
)
DEMO_EVENT_SLUG = "hoi-nghi-so-ket-6-thang-dau-nam-2023-bql-cac-kcn-bac-kan"
PLACEHOLDERS = [f"So-ket-{n}" for n in range(1, 6)]
NBSP = "\u00a0"
INHERITED_NOT = ("CMS_", "TTY_", "COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

Run = Callable[..., subprocess.CompletedProcess[str]]
CONTENT_TABLES = {"article", "article_author", "article_image", "author", "event", "image"}

pytestmark = pytest.mark.database("sqlite", "postgres")


def cms_env(database_url: str, media_root: Path, **extra: str) -> dict[str, str]:
    """The environment minus the developer's CMS_* and terminal settings, plus this test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED_NOT)}
    return {**env, "CMS_DATABASE_URL": database_url, "CMS_MEDIA_ROOT": str(media_root), **extra}


def run_cms(
    env: dict[str, str], cwd: Path, *args: str, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CMS), *args],
        cwd=cwd,
        env={**env, **extra_env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def runner(tmp_path: Path, database_url: str) -> Run:
    """Runs ``cms ARGS...`` in tmp_path against ``database_url`` and a media folder in tmp_path."""
    env = cms_env(database_url, tmp_path / "media")

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return run_cms(env, tmp_path, *args, **extra_env)

    return run


@pytest.fixture
def cms(tmp_path: Path, settings: Settings) -> Run:
    """``cms ARGS...`` against the test's database (migrated and empty)."""
    return runner(tmp_path, settings.database_url)


@pytest.fixture
def db_url(settings: Settings) -> str:
    """The URL of the database that ``cms`` works on."""
    return settings.database_url


@pytest.fixture
def unopened(tmp_path: Path) -> Path:
    """A SQLite file that does not exist: for commands that must not open a database."""
    return tmp_path / "unopened.sqlite3"


@pytest.fixture
def cms_bare(tmp_path: Path, unopened: Path) -> Run:
    """``cms ARGS...`` with settings naming the ``unopened`` SQLite file."""
    return runner(tmp_path, f"sqlite://{unopened}")


def query(database_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (``?`` for parameters) in the database at ``database_url``."""
    if database_url.startswith("sqlite://"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite://"))) as conn:
            return conn.execute(sql, params).fetchall()
    numbered = sql.split("?")  # PostgreSQL numbers its parameters: $1, $2, ...
    sql = numbered[0] + "".join(f"${n}{part}" for n, part in enumerate(numbered[1:], 1))
    loop = asyncio.new_event_loop()  # not asyncio.run: it would unset pytest-asyncio's loop
    try:
        return loop.run_until_complete(_postgres_query(database_url, sql, params))
    finally:
        loop.close()


async def _postgres_query(url: str, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        return [tuple(row) for row in await conn.fetch(sql, *params)]
    finally:
        await conn.close()


def count(database_url: str, table: str) -> int:
    return int(query(database_url, f"SELECT COUNT(*) FROM {table}")[0][0])


def tables(database_url: str) -> set[str]:
    if database_url.startswith("sqlite://"):
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    return {name for (name,) in query(database_url, sql)}


def summary(stdout: str) -> dict[str, int]:
    """The import summary table's counts, by column: ``{"created": 3, ..., "failed": 1}``."""
    lines = ANSI.sub("", stdout).splitlines()
    header = next(i for i, line in enumerate(lines) if "created" in line and "failed" in line)
    names = re.findall(r"[a-z]+", lines[header])
    row = next(line for line in lines[header + 1 :] if re.search(r"\d", line))
    return dict(zip(names, map(int, re.findall(r"\d+", row)), strict=True))


def export(title: str, paragraph: str, byline: str = "Bích Liên!") -> str:
    return f"{title}\n2024-05-02 09:30:00\n{NBSP * 8}{paragraph}\n{NBSP * 40}{byline}\n"


def write_photos(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n, name in enumerate(PLACEHOLDERS, start=1):
        PIL.Image.new("RGB", (50 + n, 40), (n * 50, 20, 20)).save(folder / f"{name}.jpg")
    return folder


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def test_demo_loads_once(cms, db_url, tmp_path):
    first = cms("demo")
    second = cms("demo")

    assert first.returncode == 0, output(first)
    assert "created." in first.stdout
    assert f"Article {DEMO_SLUG}: created." in first.stdout
    assert second.returncode == 0, output(second)
    assert ": already there." in second.stdout
    assert f"Article {DEMO_SLUG}: unchanged." in second.stdout
    counts = {t: count(db_url, t) for t in ("article", "event", "author", "image")}
    # The sample article and its English translation, which shows the same photos.
    assert counts == {"article": 2, "event": 1, "author": 1, "image": 5}
    assert count(db_url, "article_image") == 10
    [(slug, version, event_slug, byline)] = query(
        db_url,
        "SELECT a.slug, a.version, e.slug, a.byline FROM article a "
        "JOIN event e ON e.id = a.event_id WHERE a.locale = 'vi'",
    )
    assert (slug, version, event_slug, byline) == (DEMO_SLUG, 1, DEMO_EVENT_SLUG, "Bích Liên!")
    mimes = query(db_url, "SELECT DISTINCT mime_type, width, height FROM image")
    assert mimes == [("image/png", 1200, 800)]  # labelled placeholders
    stored = [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
    assert len(stored) == 5


def test_import_directory_reports_the_bad_file_and_keeps_the_others(cms, db_url, tmp_path):
    exports = tmp_path / "exports"
    for n in (1, 2):
        write(exports / f"bai-{n}.txt", SAMPLE_TEXT.replace("HỘI NGHỊ SƠ KẾT", f"BÀI {n}:", 1))
    write(exports / "thang-7" / "bai-3.txt", export("Bài ba", "Một đoạn văn."))
    bad = write(exports / "loi [nhap].txt", "Bài hỏng\n\nngày 19/7/2023\n\tMột đoạn.\n")
    write_photos(tmp_path / "photos")

    result = cms("import", "exports", "--images", "photos")

    assert result.returncode == 1, output(result)
    assert f"failed {bad.relative_to(tmp_path)}:3: invalid timestamp" in result.stderr
    assert summary(result.stdout) == {"created": 3, "updated": 0, "unchanged": 0, "failed": 1}
    assert result.stdout.count("created  ") == 3
    titles = sorted(t for (t,) in query(db_url, "SELECT title FROM article"))
    assert [t[:12] for t in titles] == ["BÀI 1: 6 THÁ", "BÀI 2: 6 THÁ", "Bài ba"]
    assert (count(db_url, "author"), count(db_url, "image")) == (1, 5)
    assert count(db_url, "article_author") == 3

    again = cms("import", "exports", "--images", "photos")

    assert again.returncode == 1, output(again)
    assert summary(again.stdout) == {"created": 0, "updated": 0, "unchanged": 3, "failed": 1}
    assert again.stdout.count("unchanged  ") == 3
    assert (count(db_url, "article"), count(db_url, "image")) == (3, 5)

    write(bad, export("Bài đã sửa", "Đã sửa ngày."))
    fixed = cms("import", "exports", "--images", "photos")

    assert fixed.returncode == 0, output(fixed)
    assert summary(fixed.stdout) == {"created": 1, "updated": 0, "unchanged": 3, "failed": 0}
    assert "failed" not in fixed.stderr


def test_import_of_hundreds_of_files_shows_progress_and_a_summary(cms, db_url, tmp_path):
    total = 200
    for n in range(total):
        write(tmp_path / "many" / f"{n:03}.txt", export(f"Tin số {n}", f"Nội dung {n}."))

    result = cms("import", "many", TTY_INTERACTIVE="1", TTY_COMPATIBLE="1")

    assert result.returncode == 0, output(result)
    assert "Importing" in result.stderr and f"{total}/{total}" in result.stderr
    assert summary(result.stdout) == {"created": total, "updated": 0, "unchanged": 0, "failed": 0}
    assert "created  " not in result.stdout  # no line per file for hundreds of files
    assert (count(db_url, "article"), count(db_url, "author")) == (total, 1)


def test_missing_photos_fail_unless_placeholders_are_asked_for(cms, db_url, tmp_path):
    write(tmp_path / "in" / "article.txt", SAMPLE_TEXT)

    missing = cms("import", "in/article.txt")

    assert missing.returncode == 1, output(missing)
    assert "in/article.txt:7: missing photos in in: " in missing.stderr
    assert ", ".join(PLACEHOLDERS) in missing.stderr
    assert "--placeholder-images" in missing.stderr
    assert (count(db_url, "article"), count(db_url, "image")) == (0, 0)

    filled = cms("import", "in/article.txt", "--placeholder-images")

    assert filled.returncode == 0, output(filled)
    assert summary(filled.stdout)["created"] == 1
    assert query(db_url, "SELECT filename, mime_type FROM image ORDER BY filename") == [
        (f"{name}.png", "image/png") for name in PLACEHOLDERS
    ]


def test_event_option_links_an_existing_event_and_refuses_an_unknown_one(cms, db_url, tmp_path):
    write(tmp_path / "in" / "tin.txt", export("Tin bên lề hội nghị", "Bên lề hội nghị."))
    assert cms("demo").returncode == 0

    unknown = cms("import", "in", "--event", "khong-co")

    assert unknown.returncode == 2, output(unknown)
    assert "No event with slug 'khong-co'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    assert count(db_url, "article") == 2  # the demo's only: the sample and its translation

    linked = cms("import", "in", "--event", DEMO_EVENT_SLUG)

    assert linked.returncode == 0, output(linked)
    rows = query(
        db_url,
        "SELECT e.slug FROM article a JOIN event e ON e.id = a.event_id WHERE a.title = ?",
        "Tin bên lề hội nghị",
    )
    assert rows == [(DEMO_EVENT_SLUG,)]


def test_the_demo_files_its_article_in_a_section_with_two_tags_on_the_front_page(cms, db_url):
    first = cms("demo")

    assert first.returncode == 0, output(first)
    assert "Sections: 4 created." in first.stdout
    assert "Front page Trang chủ: created." in first.stdout
    sections = query(db_url, "SELECT path, position FROM section ORDER BY path")
    assert sections == [
        ("thu-hut-dau-tu", 1),
        ("tin-tuc", 0),
        ("tin-tuc/hoat-dong-cua-ban", 0),
        ("tin-tuc/thong-bao", 1),
    ]
    filed = query(
        db_url,
        "SELECT a.locale, s.path, a.version FROM article a "
        "JOIN section s ON s.id = a.section_id ORDER BY a.id",
    )
    # The English translation: filed alike; saved three times (translated, edited, published).
    assert filed == [("vi", "tin-tuc/hoat-dong-cua-ban", 1), ("en", "tin-tuc/hoat-dong-cua-ban", 3)]
    tags = query(
        db_url,
        "SELECT a.locale, t.name FROM article_tag l JOIN tag t ON t.id = l.tag_id "
        "JOIN article a ON a.id = l.article_id ORDER BY a.id, l.position",
    )
    assert tags == [
        ("vi", "Khu công nghiệp"),
        ("vi", "Doanh nghiệp FDI"),
        ("en", "Khu công nghiệp"),
        ("en", "Doanh nghiệp FDI"),
    ]
    front = query(
        db_url,
        "SELECT c.slug, c.name, a.slug FROM collection c JOIN collection_item i "
        "ON i.collection_id = c.id JOIN article a ON a.id = i.article_id",
    )
    assert front == [("trang-chu", "Trang chủ", DEMO_SLUG)]
    again = cms("demo")
    assert "Sections: 0 created." in again.stdout, output(again)
    assert "Front page Trang chủ: already there." in again.stdout
    assert f"Article {DEMO_SLUG}: unchanged." in again.stdout
    assert count(db_url, "collection_item") == 1


def test_section_and_tags_options_file_the_articles(cms, db_url, tmp_path):
    write(tmp_path / "in" / "tin.txt", export("Tin đầu tư", "Một nhà đầu tư mới."))
    assert cms("demo").returncode == 0

    unknown = cms("import", "in", "--section", "khong-co")
    assert unknown.returncode == 2, output(unknown)
    assert "No section with slug 'khong-co'" in unknown.stderr
    too_long = cms("import", "in", "--tags", "x" * 61)
    assert too_long.returncode == 2, output(too_long)
    assert "`--tags.0` is 61 characters long" in too_long.stderr
    assert count(db_url, "article") == 2  # the demo's only: the sample and its translation

    options = ("--section", "tin-tuc/thong-bao", "--tags", "FDI, khu cong nghiep, ,fdi")
    filed = cms("import", "in", *options)
    assert filed.returncode == 0, output(filed)
    sql = (
        "SELECT s.path, t.name FROM article a JOIN section s ON s.id = a.section_id "
        "JOIN article_tag l ON l.article_id = a.id JOIN tag t ON t.id = l.tag_id "
        "WHERE a.title = ? ORDER BY l.position"
    )
    assert query(db_url, sql, "Tin đầu tư") == [
        ("tin-tuc/thong-bao", "FDI"),
        ("tin-tuc/thong-bao", "Khu công nghiệp"),  # the demo's tag, as first typed
    ]
    assert summary(cms("import", "in", *options).stdout)["unchanged"] == 1
    assert summary(cms("import", "in").stdout)["unchanged"] == 1  # keeps its section and tags
    moved = cms("import", "in", "--section", "thu-hut-dau-tu")
    assert summary(moved.stdout)["updated"] == 1
    assert query(db_url, sql, "Tin đầu tư")[0] == ("thu-hut-dau-tu", "FDI")


def test_import_without_files_is_a_usage_error(cms_bare, tmp_path):
    (tmp_path / "empty").mkdir()

    result = cms_bare("import", "empty")

    assert result.returncode == 2, output(result)
    assert "No files to import." in result.stderr


def test_export_schema_check(cms_bare, tmp_path):
    committed = cms_bare("export-schema", "--check")
    assert committed.returncode == 0, output(committed)
    assert "is up to date" in committed.stdout

    stale = write(tmp_path / "stale.graphql", SCHEMA_FILE.read_text(encoding="utf-8") + "\n# old\n")
    checked = cms_bare("export-schema", "--check", "--output", "stale.graphql")
    assert checked.returncode == 1, output(checked)
    assert "stale.graphql is stale" in checked.stderr

    written = cms_bare("export-schema", "--output", "stale.graphql")
    assert written.returncode == 0, output(written)
    assert stale.read_text(encoding="utf-8") == SCHEMA_FILE.read_text(encoding="utf-8")
    assert cms_bare("export-schema", "--check", "--output", "stale.graphql").returncode == 0


def test_migrate_creates_the_schema_in_an_empty_database(empty_database_url, tmp_path):
    cms = runner(tmp_path, empty_database_url)

    first = cms("migrate")
    second = cms("migrate")

    assert first.returncode == 0, output(first)
    assert "Database is up to date." in first.stdout
    assert second.returncode == 0, output(second)
    assert tables(empty_database_url) >= CONTENT_TABLES
    assert count(empty_database_url, "article") == 0


def test_migrate_makes_the_sqlite_files_folder(cms_bare, tmp_path):
    result = cms_bare("migrate", CMS_DATABASE_URL="sqlite://data/2024/cms.sqlite3")

    assert result.returncode == 0, output(result)
    assert count(f"sqlite://{tmp_path / 'data' / '2024' / 'cms.sqlite3'}", "article") == 0


@pytest.mark.parametrize(
    ("kind", "args", "message"),
    [
        ("directory", ["migrate"], "cannot open the SQLite file"),
        ("directory", ["serve", "--port", "1"], "cannot open the SQLite file"),
        ("refused", ["migrate"], "cannot connect to the database"),
        ("refused", ["import", "in"], "cannot connect to the database"),
    ],
)
def test_an_unusable_database_is_a_clear_message(cms_bare, tmp_path, kind, args, message):
    """It used to hang for ever (SQLite: tortoise keeps a lock) or print a traceback."""
    write(tmp_path / "in" / "tin.txt", export("Tin", "Một đoạn."))
    (tmp_path / "folder.sqlite3").mkdir()
    urls = {
        "directory": f"sqlite://{tmp_path / 'folder.sqlite3'}",
        "refused": f"postgres://cms@127.0.0.1:{free_port()}/cms",  # nothing listens there
    }

    result = cms_bare(*args, CMS_DATABASE_URL=urls[kind])

    assert result.returncode == 1, output(result)
    assert f"Database unavailable: {message}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CMS_PUBLIC_URL", "notaurl", "must be an absolute http(s) URL"),
        ("CMS_DATABASE_URL", "nosuchdb://somewhere", "Unknown DB scheme: nosuchdb"),
        ("CMS_MAX_PAGE_SIZE", "lots", "valid integer"),
    ],
)
def test_invalid_settings_are_a_clear_message(cms_bare, unopened, variable, value, message):
    result = cms_bare("migrate", **{variable: value})

    assert result.returncode == 2, output(result)
    assert f"Invalid setting {variable}: " in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not unopened.exists()


@pytest.mark.parametrize(
    "args",
    [["demo"], ["serve", "--port", "1"], ["import", "x.txt"], ["export-schema", "--check"]],
)
def test_every_command_reports_invalid_settings(cms_bare, args):
    result = cms_bare(*args, CMS_PUBLIC_URL="ftp://cms.example.org")

    assert result.returncode == 2, output(result)
    assert "Invalid setting CMS_PUBLIC_URL: " in result.stderr
    assert "Traceback" not in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path, empty_database_url: str) -> Iterator[str]:
    """``cms serve`` on a free port and a database with no tables yet."""
    port = free_port()
    env = cms_env(empty_database_url, tmp_path / "media")
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [str(CMS), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, f"{base}/healthz", tmp_path / "serve.log")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"cms serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"cms serve did not answer {url} within 20 s:\n{log.read_text()}")


FEED = """{ articles(first: 5) { totalCount nodes {
    slug title byline authors { name } event { slug } cover { url mimeType width } } } }"""


def test_serve_migrates_and_answers_over_http(server, empty_database_url, tmp_path):
    health = httpx.get(f"{server}/healthz", timeout=5)
    assert (health.status_code, health.text) == (200, "ok")
    empty = httpx.post(f"{server}/graphql", json={"query": FEED}, timeout=5)
    assert empty.status_code == 200, empty.text
    assert empty.json() == {"data": {"articles": {"totalCount": 0, "nodes": []}}}
    assert tables(empty_database_url) >= CONTENT_TABLES

    assert (
        runner(tmp_path, empty_database_url)("demo").returncode == 0
    )  # another process writes while the server runs

    feed = httpx.post(f"{server}/graphql", json={"query": FEED}, timeout=5).json()
    assert "errors" not in feed, feed
    [node] = feed["data"]["articles"]["nodes"]
    assert node["slug"] == DEMO_SLUG
    assert (node["byline"], node["authors"]) == ("Bích Liên!", [{"name": "Bích Liên"}])
    assert node["event"] == {"slug": DEMO_EVENT_SLUG}
    cover = node["cover"]
    assert (cover["mimeType"], cover["width"]) == ("image/png", 1200)
    assert cover["url"].startswith(f"{server}/media/images/")
    picture = httpx.get(cover["url"], timeout=5)
    assert picture.status_code == 200
    assert picture.headers["content-type"] == "image/png"
    assert picture.content.startswith(b"\x89PNG")
