"""A real CMS (``cms serve`` in a subprocess, on its own SQLite file and media folder) and a real
headless Chromium driven by Playwright.

Playwright's own browsers cannot be downloaded everywhere: the tests drive an installed Chromium
(Debian's ``chromium``, ``CMS_TEST_CHROMIUM`` to name another). Where none can start they skip,
saying why; CI sets ``CMS_TEST_REQUIRE_BROWSER=1``, which makes that a failure.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

REQUIRE_BROWSER = os.environ.get("CMS_TEST_REQUIRE_BROWSER") == "1"
OUTPUT = Path(__file__).parent / "output"
"""Screenshots and measurements, one folder per test (git ignores it)."""

EDITOR_EMAIL = "bien-tap@baobackan.example"
EDITOR_NAME = "Lan Biên tập"
EDITOR_PASSWORD = "một mật khẩu đủ dài"


def _unavailable(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"a browser is required (CMS_TEST_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


def chromium_path() -> str:
    """The Chromium to drive: ``CMS_TEST_CHROMIUM``, else one on the ``PATH``."""
    named = os.environ.get("CMS_TEST_CHROMIUM")
    if named:
        return named
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    _unavailable("no Chromium is installed (apt-get install chromium, or set CMS_TEST_CHROMIUM)")
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    """A headless Chromium (``--no-sandbox``: CI runs as root in a container)."""
    try:
        from playwright.async_api import Error, async_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[dev]')")
    executable = chromium_path()
    async with async_playwright() as playwright:
        try:
            launched = await playwright.chromium.launch(
                executable_path=executable, args=["--no-sandbox"], headless=True
            )
        except Error as error:
            _unavailable(f"Chromium ({executable}) did not start: {error.message.splitlines()[0]}")
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
def output(request: pytest.FixtureRequest) -> Path:
    """This test's folder under ``tests/browser/output/``, emptied."""
    folder: Path = OUTPUT / str(request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    return folder


@dataclass(frozen=True)
class Server:
    """A running ``cms serve``: its address and its files."""

    url: str
    folder: Path
    env: dict[str, str]
    """The environment its ``cms`` commands run with (its database and media folder)."""

    async def cms(self, *args: str) -> str:
        """Run a ``cms`` command on this server's database; its output."""
        return await cms_command(self.env, *args)


@pytest.fixture(scope="module")
async def cms_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    """``cms migrate``, ``cms demo`` and ``cms user create`` (an editor), then ``cms serve`` on
    a free port of 127.0.0.1, for the tests of a module."""
    async with serving(tmp_path_factory.mktemp("cms")) as server:
        yield server


@asynccontextmanager
async def serving(tmp_path: Path, **settings: str) -> AsyncIterator[Server]:
    """What :func:`cms_server` runs, in ``tmp_path``, with more ``CMS_*`` settings."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("CMS_")}
    env |= {
        "CMS_DATABASE_URL": f"sqlite://{tmp_path / 'cms.sqlite3'}",
        "CMS_MEDIA_ROOT": str(tmp_path / "media"),
        **settings,
    }
    await cms_command(env, "migrate")
    await cms_command(env, "demo")
    await cms_command(
        env,
        *("user", "create", "--email", EDITOR_EMAIL, "--name", EDITOR_NAME),
        *("--role", "editor", "--password-stdin"),
        stdin=EDITOR_PASSWORD,
    )
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = await asyncio.create_subprocess_exec(
        _command(),
        *("serve", "--port", str(port), "--no-migrate", "--no-access-log"),
        env=env,
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        await _until_healthy(url, server, tmp_path / "serve.log")
        yield Server(url, tmp_path, env)
    finally:
        if server.returncode is None:
            server.terminate()
            await server.wait()
        log.close()


def _command() -> str:
    """The ``cms`` command of this virtualenv."""
    return str(Path(sys.executable).with_name("cms"))


async def cms_command(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run ``cms ARGS``; its standard output (what it says besides goes to standard error)."""
    process = await asyncio.create_subprocess_exec(
        _command(),
        *args,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    output, said = await process.communicate(None if stdin is None else f"{stdin}\n".encode())
    assert process.returncode == 0, f"cms {' '.join(args)}: {said.decode()}{output.decode()}"
    return output.decode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _until_healthy(url: str, server: asyncio.subprocess.Process, log: Path) -> None:
    """Wait (at most 30 s) for ``/healthz`` to answer 200."""
    async with httpx.AsyncClient(base_url=url) as client:
        for _ in range(300):
            if server.returncode is not None:
                break
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    said = await asyncio.to_thread(log.read_text, errors="replace")
    pytest.fail(f"cms serve did not start: {said[-2000:]}")
