"""The cache tests' tools: the app with settings of its own, and other processes on the test's
database (the ``cms`` command, a second server)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from cms.app import create_app
from settings import Settings

CMS = Path(sys.executable).with_name("cms")
REPO = Path(__file__).resolve().parents[2]
DEMO_ARTICLE = REPO / "cms" / "demo" / "article.txt"

FEED = "{ articles(first: 10) { nodes { title } } }"


@asynccontextmanager
async def app_client(settings: Settings, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app with these settings changed, its lifespan running, behind an httpx client."""
    app = create_app(settings.model_copy(update=overrides))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            yield client


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a ``cms`` process working on the test's database and media folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMS_")}
    env.update(CMS_DATABASE_URL=settings.database_url, CMS_MEDIA_ROOT=str(settings.media_root))
    env.update(extra)
    return env


async def run_cms(settings: Settings, *args: str) -> str:
    """Run ``cms ARGS...`` in another process (the event loop goes on meanwhile); its output."""
    process = await asyncio.create_subprocess_exec(
        str(CMS),
        *args,
        env=environment(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    text = output.decode(errors="replace")
    assert process.returncode == 0, text
    return text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def served(
    settings: Settings, tmp_path: Path, **env: str
) -> AsyncIterator[httpx.AsyncClient]:
    """``cms serve`` in a process of its own on the test's database; a client to it."""
    port = _free_port()
    log = (tmp_path / f"server-{port}.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        str(CMS),
        "serve",
        "--no-migrate",
        "--no-access-log",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        env=environment(settings, **env),
        stdout=log,
        stderr=log,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            await _ready(client, process, tmp_path / f"server-{port}.log")
            yield client
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), 30)
        log.close()


async def _ready(client: httpx.AsyncClient, process: Any, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise AssertionError(f"cms serve stopped: {_text(log)}")
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"cms serve did not answer within 30 s: {_text(log)}")


def _text(log: Path) -> str:
    return log.read_text(errors="replace")


async def ask(client: httpx.AsyncClient, query: str = FEED) -> httpx.Response:
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.text
    return response


def titles(response: httpx.Response) -> list[str]:
    return [node["title"] for node in response.json()["data"]["articles"]["nodes"]]


async def warm(client: httpx.AsyncClient, query: str = FEED) -> httpx.Response:
    """Ask until the answer comes from memory (the third time); that answer."""
    for _ in range(3):
        response = await ask(client, query)
    assert response.headers["x-cms-cache"] == "hit"
    return response


async def until(condition: Callable[[], Awaitable[bool]], seconds: float, what: str) -> float:
    """Wait until ``condition()`` holds, checking every 20 ms; how long it took. Fails, saying
    ``what`` was awaited, after ``seconds``."""
    start = time.monotonic()
    while not await condition():
        if time.monotonic() - start > seconds:
            raise AssertionError(f"not within {seconds} s: {what}")
        await asyncio.sleep(0.02)
    return time.monotonic() - start
