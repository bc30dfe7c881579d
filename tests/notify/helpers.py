"""What the notification tests share: a real HTTP receiver, webhook GraphQL, outbox snapshots."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from tortoise.expressions import Q

from cms.app import create_app
from cms.core import clock
from cms.models import DeliveryStatus, OutboxEvent, WebhookDelivery
from cms.notify.outbox import INTERNAL
from settings import Settings
from tests.editing.helpers import post


@dataclass(frozen=True)
class Received:
    """One request the receiver got, and the (possibly fake) time it arrived."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: datetime


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1, run by uvicorn in the test's own event loop.

    It records every request, then answers the next of ``statuses`` (200 once they run out),
    after ``delay`` seconds (and once ``gate`` is set, if there is one). ``/moved`` always
    answers a redirect to ``/target``.
    """

    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    gate: asyncio.Event | None = None
    """When set, requests wait for it before they are answered."""
    requests: list[Received] = field(default_factory=list)
    port: int = 0

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Received]:
        """The requests to ``path``."""
        return [r for r in self.requests if r.path == path]

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        self.requests.append(Received(request.url.path, dict(request.headers), body, clock.now()))
        if request.url.path == "/moved":
            return Response(status_code=302, headers={"location": self.url("/target")})
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.gate is not None:
            await self.gate.wait()
        status = self.statuses.pop(0) if self.statuses else 200
        return PlainTextResponse("thanks" if status < 300 else "no", status_code=status)

    async def wait_for(self, count: int, seconds: float = 15.0) -> list[Received]:
        """The requests, once there are at least ``count`` (fails after ``seconds``)."""
        await until(lambda: len(self.requests) >= count, seconds, f"{count} requests")
        return self.requests


@asynccontextmanager
async def serving(receiver: Receiver) -> AsyncIterator[Receiver]:
    """``receiver`` listening on a free port of 127.0.0.1 until the block ends."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    receiver.port = int(sock.getsockname()[1])
    routes = [Route("/{path:path}", receiver.endpoint, methods=["GET", "POST"])]
    config = uvicorn.Config(
        Starlette(routes=routes), log_level="warning", lifespan="off", http="h11", ws="none"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    await until(lambda: server.started, 10, "the receiver to start")
    try:
        yield receiver
    finally:
        server.should_exit = True
        await task


async def until(done: Callable[[], bool], seconds: float, what: str) -> None:
    """Wait until ``done()`` (checked every 20 ms); fail naming ``what`` after ``seconds``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not done():
        if loop.time() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        await asyncio.sleep(0.02)


WEBHOOK_FIELDS = "id url events active disabledReason createdAt updatedAt"
DELIVERY_FIELDS = (
    "id eventId eventType payload status httpStatus attempts nextAttemptAt durationMs "
    "lastError createdAt finishedAt"
)
ERROR = "... on UserError { code message field }"
CREATE = f"""
mutation ($input: WebhookCreateInput!) {{
  webhookCreate(input: $input) {{
    __typename ... on WebhookCreateSuccess {{ secret webhook {{ {WEBHOOK_FIELDS} }} }} {ERROR}
  }}
}}"""
UPDATE = f"""
mutation ($input: WebhookUpdateInput!) {{
  webhookUpdate(input: $input) {{
    __typename ... on WebhookUpdateSuccess {{ webhook {{ {WEBHOOK_FIELDS} }} }} {ERROR}
  }}
}}"""
DELETE = f"""
mutation ($input: WebhookDeleteInput!) {{
  webhookDelete(input: $input) {{ __typename ... on WebhookDeleteSuccess {{ id }} {ERROR} }}
}}"""
WEBHOOKS = f"""
query ($first: Int, $after: String) {{
  webhooks {{
    {WEBHOOK_FIELDS}
    deliveries(first: $first, after: $after) {{
      totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {DELIVERY_FIELDS} }}
    }}
  }}
}}"""


async def create_webhook(
    client: httpx.AsyncClient,
    token: str,
    url: str,
    events: tuple[str, ...] = ("ARTICLE_PUBLISHED",),
    **extra: Any,
) -> dict[str, Any]:
    """``webhookCreate``'s success (``webhook`` and ``secret``), asserted."""
    input = {"url": url, "events": list(events), **extra}
    body = await post(client, CREATE, {"input": input}, token)
    answer: dict[str, Any] = body["data"]["webhookCreate"]
    assert answer["__typename"] == "WebhookCreateSuccess", answer
    return answer


async def webhooks(client: httpx.AsyncClient, token: str, first: int = 20) -> list[Any]:
    """Every webhook with its newest deliveries, as ``webhooks`` answers an admin."""
    body = await post(client, WEBHOOKS, {"first": first}, token)
    assert "errors" not in body, body
    hooks: list[Any] = body["data"]["webhooks"]
    return hooks


async def deliveries(client: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    """The deliveries of the only webhook, newest first."""
    [hook] = await webhooks(client, token)
    found: list[dict[str, Any]] = hook["deliveries"]["nodes"]
    return found


async def outbox(*, internal: bool = False) -> list[tuple[str, str, int]]:
    """Every public event written so far (with ``internal``, the newsroom's ``article.saved``
    too), oldest first: (type, object type, object pk); the ``cache.purge`` event written with
    each is left out (tests/cache/test_surrogate_keys.py)."""
    rows = (
        await OutboxEvent.exclude(type="cache.purge")
        .order_by("id")
        .values_list("type", "object_type", "object_id")
    )
    found = [(str(t), str(o), int(str(i))) for t, o, i in rows]
    return [row for row in found if internal or row[0] not in INTERNAL]


async def settled(seconds: float = 15.0) -> None:
    """Wait until no delivery due now is waiting or being sent: the app's own loop may have
    claimed one (on PostgreSQL a claim not yet committed is skipped, not waited for, by
    another claim), or be about to."""
    now = clock.now()
    busy = Q(next_attempt_at__lte=now) | Q(claimed_until__isnull=False)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while await WebhookDelivery.filter(busy, status=DeliveryStatus.PENDING).exists():
        if loop.time() > deadline:
            raise AssertionError(f"a delivery due at {now} was still waiting after {seconds} s")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh app with its lifespan (and background jobs), and an httpx client to it: an
    instance started, and stopped when the block ends."""
    application = create_app(settings)
    async with LifespanManager(application) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            yield client


REPO = Path(__file__).resolve().parents[2]


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a CMS process on the test's database and media folder."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("CMS_")}
    return {
        **inherited,
        "CMS_DATABASE_URL": settings.database_url,
        "CMS_MEDIA_ROOT": str(settings.media_root),
        "CMS_WEBHOOK_ALLOWED_HOSTS": ",".join(settings.webhook_allowed_hosts),
        **extra,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Instance:
    """A CMS instance in a process of its own."""

    url: str
    process: asyncio.subprocess.Process


@asynccontextmanager
async def instance(
    settings: Settings, clock_file: Path, log: Path, **env: str
) -> AsyncIterator[str]:
    """:func:`started`'s base URL."""
    async with started(settings, clock_file, log, **env) as running:
        yield running.url


@asynccontextmanager
async def started(
    settings: Settings, clock_file: Path, log: Path, **env: str
) -> AsyncIterator[Instance]:
    """One CMS instance in a process of its own (see :mod:`tests.notify.processes`), on the
    test's database and the clock in ``clock_file``, with ``CMS_*`` variables from ``env``.
    Stopped (SIGTERM, as a deployment stops it) when the block ends, unless the test killed
    it."""
    port = free_port()
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.notify.processes",
            "serve",
            str(port),
            str(clock_file),
            cwd=REPO,
            env=environment(settings, **env),
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        await _answering(process, f"{url}/healthz", log)
        yield Instance(url, process)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _answering(process: asyncio.subprocess.Process, url: str, log: Path) -> None:
    async with httpx.AsyncClient(timeout=1) as http:
        for _ in range(300):
            if process.returncode is not None:
                raise AssertionError(f"the instance exited:\n{await read(log)}")
            try:
                if (await http.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"the instance did not answer {url} in 30 s:\n{await read(log)}")


async def read(path: Path) -> str:
    return await asyncio.to_thread(path.read_text)
