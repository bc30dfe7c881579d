"""Shared fixtures: real databases (a SQLite file, PostgreSQL), the app over httpx.

A test that uses a database says which, with the ``database`` marker: on a module,
``pytestmark = pytest.mark.database("sqlite", "postgres")``, or on one test. It then runs once per
database named, and can take the ``database`` fixture ("sqlite" or "postgres") to know which. A
test limited to one database says why: ``@pytest.mark.database("sqlite", reason="...")``. A test
that uses a database without choosing fails, naming the marker: it never quietly means SQLite.

PostgreSQL tests (also marked ``postgres``, so ``-m "not postgres"`` leaves them out) skip, naming
the reason, when no server answers at ``CMS_TEST_POSTGRES_URL`` (default: the local ``test``
database); with ``CMS_TEST_REQUIRE_POSTGRES=1`` (set by CI) they fail instead.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from tortoise.backends.base.executor import EXECUTOR_CACHE

from cms.app import create_app
from cms.core import db
from cms.notify import content, local_writes
from cms.notify import jobs as background
from settings import Settings

POSTGRES_ADMIN_URL = os.environ.get(
    "CMS_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("CMS_TEST_REQUIRE_POSTGRES") == "1"
DATABASES = ("sqlite", "postgres")
MARKER_USE = (
    'mark it @pytest.mark.database("sqlite", "postgres") (or the module, with pytestmark = ...); '
    'a test for one database only says why: @pytest.mark.database("sqlite", reason="...")'
)

# Tests configure the CMS explicitly: a developer's own CMS_* variables must not leak in.
for _name in [n for n in os.environ if n.startswith("CMS_") and not n.startswith("CMS_TEST_")]:
    del os.environ[_name]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Runs a test that uses a database once per database its ``database`` marker names."""
    marker = metafunc.definition.get_closest_marker("database")
    if marker is None:
        return  # if it uses a database anyway, the ``database`` fixture fails it
    where = metafunc.definition.nodeid
    names = _chosen(marker, where)
    if "database" not in metafunc.fixturenames:
        if marker in metafunc.definition.own_markers:
            pytest.fail(f"{where}: marked database(...) but uses no database", pytrace=False)
        return  # a module's marker; this test of the module needs no database
    params = [
        pytest.param(name, id=name, marks=[pytest.mark.postgres] if name == "postgres" else [])
        for name in names
    ]
    metafunc.parametrize("database", params)


def _chosen(marker: pytest.Mark, where: str) -> tuple[str, ...]:
    """The databases a ``database`` marker names, checked: known, each once, a reason if not all."""
    names = tuple(marker.args)
    if not names or len(set(names)) != len(names) or not set(names) <= set(DATABASES):
        pytest.fail(f"{where}: database{names} must name some of {DATABASES}", pytrace=False)
    if set(marker.kwargs) - {"reason"}:
        pytest.fail(
            f"{where}: database(...) takes only reason=, not {marker.kwargs}", pytrace=False
        )
    if len(names) < len(DATABASES) and not str(marker.kwargs.get("reason", "")).strip():
        pytest.fail(f"{where}: runs on {names[0]} only: say why with reason=...", pytrace=False)
    return names


@pytest.fixture
def database(request: pytest.FixtureRequest) -> str:
    """Which database this test runs on: "sqlite" or "postgres", from its ``database`` marker.

    Marked tests get the value from :func:`pytest_generate_tests`; this body runs only for a test
    that uses a database without choosing one.
    """
    pytest.fail(
        f"{request.node.nodeid} uses a database without choosing: {MARKER_USE}", pytrace=False
    )


def _settings(database_url: str, media_root: Path, **overrides: Any) -> Settings:
    return Settings(_env_file=None, database_url=database_url, media_root=media_root, **overrides)


@asynccontextmanager
async def _postgres_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database; its URL. Dropped on the way out."""
    try:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (CMS_TEST_REQUIRE_POSTGRES=1) but: {error}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error}")
    name = f"cms_test_{uuid.uuid4().hex[:12]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    await db.migrate(_settings(f"sqlite://{path}", path.parent / "media"))
    return path


@pytest.fixture(scope="session")
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database for this session, dropped at the end."""
    async with _postgres_database() as url:
        await db.migrate(_settings(url, Path("unused")))
        yield url


@pytest.fixture
def database_url(request: pytest.FixtureRequest, database: str, tmp_path: Path) -> str:
    """This test's own migrated database: a copy of the SQLite template, or the session's
    PostgreSQL database (``settings`` empties it)."""
    if database == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    path = tmp_path / "cms.sqlite3"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite://{path}"


@pytest.fixture
async def empty_database_url(database: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database with no tables yet, for tests of migrating: a SQLite file that does not exist,
    or a PostgreSQL database of its own (made and dropped for this test)."""
    EXECUTOR_CACHE.clear()  # see ``settings``
    if database == "sqlite":
        yield f"sqlite://{tmp_path / 'empty.sqlite3'}"
        return
    async with _postgres_database() as url:
        yield url


@pytest.fixture
async def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for one test: an empty database and its own media folder."""
    # tortoise caches each model's SQL by connection name, not by dialect: when one process
    # switches "default" from SQLite to PostgreSQL, it would send "?" placeholders to asyncpg.
    EXECUTOR_CACHE.clear()
    if database_url.startswith("postgres"):
        await _truncate(database_url)
    return _settings(database_url, tmp_path / "media")


async def _truncate(url: str) -> None:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        # CASCADE reaches every table that refers to these (accounts, tokens, the audit log...);
        # the sign-in counters, the outbox, the change log and the leases refer to nothing, so
        # they are named.
        alone = ("login_throttle", "outbox_event", "article_change", "lease")
        tables = ", ".join((*content.TABLES, *alone))
        await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        # The change feed's horizon (housekeeping raises it) lives beside the content version.
        await conn.execute("UPDATE content_state SET changes_horizon = 0")
    finally:
        await conn.close()


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    """The ASGI app with its lifespan running (the ORM is up for seeding, too)."""
    application = create_app(settings)
    # Generous timeouts: on a loaded two-core machine, the background jobs' round in progress
    # (scheduled publication, webhooks, live events) may take a few seconds to finish.
    async with LifespanManager(application, startup_timeout=30, shutdown_timeout=30) as manager:
        yield manager.app


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as http:
        yield http


@pytest.fixture
async def orm(settings: Settings) -> AsyncIterator[None]:
    """The ORM alone, for service tests that need no HTTP (its writes counted, as the app's)."""
    async with db.connected(settings, local_writes.counting):
        yield


class _Breaches(logging.Handler):
    """Keeps what ``cms.contracts`` reports: mutations refused with an error outside their union."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def contract_breaches() -> Iterator[list[logging.LogRecord]]:
    """Fails any test in which a mutation answered an error its union does not list.

    The API masks such an answer as ``INTERNAL_ERROR`` (a client could not even select it), so
    a test would only see a puzzling ``null``: here it fails, naming the mutation and the error.
    A test that breaks a contract on purpose takes this fixture and empties the list.
    """
    handler = _Breaches()
    logger = logging.getLogger("cms.contracts")
    level = logger.level
    logger.setLevel(logging.ERROR)  # whatever a test does to the levels of ``cms``
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    if handler.records:
        said = "; ".join(record.getMessage() for record in handler.records)
        pytest.fail(f"a mutation broke its contract: {said}", pytrace=False)


@dataclass
class QueryLog(logging.Handler):
    """Counts SQL statements sent by tortoise (its ``tortoise.db_client`` debug log)."""

    statements: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        logging.Handler.__init__(self, level=logging.DEBUG)

    def emit(self, record: logging.LogRecord) -> None:
        if _in_background():  # the app's own jobs (scheduled publication, webhooks)
            return
        if record.msg == "%s: %s" and isinstance(record.args, tuple):
            self.statements.append(str(record.args[0]))

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()

    def __hash__(self) -> int:
        return id(self)


def _in_background() -> bool:
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no event loop in this thread
        return False
    return task is not None and task.get_name().startswith(background.TASK_PREFIX)


@pytest.fixture
def count_queries() -> Iterator[QueryLog]:
    """Records every SQL statement from here to the end of the test; ``reset()`` to start over."""
    log = QueryLog()
    logger = logging.getLogger("tortoise.db_client")
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(log)
    try:
        yield log
    finally:
        logger.removeHandler(log)
        logger.setLevel(previous)


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """POST a GraphQL query; return the decoded body (``data`` and maybe ``errors``)."""
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
