"""The deployment we document, run for real: Debian's nginx with deploy/nginx-cms.conf (its ports
substituted) in front of three ``cms serve`` on one PostgreSQL database and an S3 bucket (moto's
server). Through nginx only, an editor signs in, uploads a photo, writes and publishes an
article; every instance's (cached) anonymous answer shows it within the bound; one subscriber
(a WebSocket through nginx) and one webhook receiver get it once each; a rendition asked of the
three at once is made once (their ``cms_renditions_made`` metrics) and answered alike. Then one
instance is killed (SIGKILL) during a read load through nginx: no GET fails.

Without nginx (``/usr/sbin/nginx``) the test skips, saying so; CI's ``CMS_TEST_REQUIRE_NGINX=1``
makes that a failure.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from settings import Settings
from tests.cli.test_cli import CMS, cms_env
from tests.notify.helpers import CREATE as WEBHOOK_CREATE
from tests.notify.helpers import Receiver, until
from tests.notify.helpers import serving as receiving
from tests.ops.server import Server, free_port, serving
from tests.s3 import KEY_ID, REGION, SECRET, S3Server, s3_server_fixture  # noqa: F401 (a fixture)
from tests.uploads.helpers import UPLOAD, auth, multipart, picture

pytestmark = pytest.mark.database(
    "postgres", reason="several instances on one database, as deployed: PostgreSQL"
)

NGINX = Path(os.environ.get("CMS_TEST_NGINX", "/usr/sbin/nginx"))
REQUIRE_NGINX = os.environ.get("CMS_TEST_REQUIRE_NGINX") == "1"
SITE = Path(__file__).resolve().parents[2] / "deploy" / "nginx-cms.conf"
PASSWORD = "mật khẩu triển khai 2026"
EDITOR = "bien.tap@example.org"
ADMIN = "quan.tri@example.org"
SECRET_KEY = "a-secret-every-instance-shares-0123456789"
METRICS_TOKEN = "metrics-token-of-the-deployment-test-0123456789"
BOUND_SECONDS = 1.5
"""The README's bound: a write shows on every instance's cached answers within it (PostgreSQL:
at the commit, through LISTEN/NOTIFY; the watch's own check every ``CMS_CACHE_CHECK_SECONDS``
is the safety net)."""

FEED = "{ articles(first: 5) { nodes { title } } }"
LOGIN = (
    "mutation ($email: String!, $password: String!) { login(input: {email: $email, "
    "password: $password}) { __typename ... on LoginSuccess { token } } }"
)
CREATE = (
    "mutation ($input: ArticleCreateInput!) { articleCreate(input: $input) { __typename "
    "... on ArticleCreateSuccess { article { id version } } ... on UserError { code message } } }"
)
PUBLISH = (
    "mutation ($input: ArticlePublishInput!) { articlePublish(input: $input) { __typename "
    "... on ArticlePublishSuccess { article { id } } ... on UserError { code message } } }"
)
RENDITION = "query ($id: ID!) { node(id: $id) { ... on Image { rendition(width: 100) { url } } } }"


def nginx_config(directory: Path, listen: int, ports: list[int]) -> Path:
    """nginx.conf for an unprivileged nginx in ``directory``: deploy/'s site, as it is, inside
    an ``http`` block, with its listening port and its upstream's ports substituted."""
    site = SITE.read_text()
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    for n, port in enumerate(ports, start=1):
        site = site.replace(f"127.0.0.1:800{n} ", f"127.0.0.1:{port} ")
    assert re.findall(r"server 127\.0\.0\.1:(\d+)", site) == [str(p) for p in ports], site
    temp = " ".join(
        f"{kind}_temp_path {directory / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    config = directory / "nginx.conf"
    config.write_text(
        "worker_processes 1;\n"
        f"error_log {directory / 'error.log'} warn;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        f"access_log {directory / 'access.log'};\n"
        f"{temp} uwsgi_temp_path {directory / 'uwsgi'}; scgi_temp_path {directory / 'scgi'};\n"
        f"{site}\n}}\n"
    )
    return config


@contextmanager
def nginx(directory: Path, ports: list[int]) -> Iterator[str]:
    """nginx in front of ``ports``, run unprivileged (FACTS.md); its base URL."""
    if not NGINX.exists():
        if REQUIRE_NGINX:
            pytest.fail(f"nginx is required (CMS_TEST_REQUIRE_NGINX=1) but {NGINX} is missing")
        pytest.skip(f"no nginx at {NGINX} (apt-get install nginx)")
    directory.mkdir()
    listen = free_port()
    config = nginx_config(directory, listen, ports)
    command = [str(NGINX), "-p", str(directory), "-c", str(config)]
    checked = subprocess.run(
        [*command, "-t", "-g", f"pid {directory / 'nginx.pid'};"], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(
        [*command, "-g", f"daemon off; pid {directory / 'nginx.pid'};"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{listen}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail("nginx did not answer: " + (directory / "error.log").read_text())
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _data(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def _login(client: httpx.AsyncClient, graphql: str, email: str) -> str:
    """Sign in through nginx; the session token."""
    login = {"email": email, "password": PASSWORD}
    answer = _data(await client.post(graphql, json={"query": LOGIN, "variables": login}))
    token: str = answer["login"]["token"]
    return token


async def _messages(live: ClientConnection, seconds: float) -> AsyncIterator[dict[str, Any]]:
    """The subscription's ``next`` messages until none came for ``seconds`` (pings answered)."""
    while True:
        try:
            message: dict[str, Any] = json.loads(await asyncio.wait_for(live.recv(), seconds))
        except TimeoutError:
            return
        if message["type"] == "ping":
            await live.send(json.dumps({"type": "pong"}))
        elif message["type"] != "pong":
            assert message["type"] == "next", message
            yield message


async def _renditions_made(client: httpx.AsyncClient, base: str) -> float:
    """``cms_renditions_made_total`` of the instance at ``base`` (its /metrics)."""
    answer = await client.get(
        f"{base}/metrics", headers={"authorization": f"Bearer {METRICS_TOKEN}"}
    )
    assert answer.status_code == 200, answer.text
    return sum(
        sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
        if sample.name == "cms_renditions_made_total"
    )


async def _titles(client: httpx.AsyncClient, base: str) -> tuple[list[str], str]:
    """The anonymous feed's titles at ``base``, and whether it came from memory."""
    response = await client.get(f"{base}/graphql", params={"query": FEED})
    nodes = _data(response)["articles"]["nodes"]
    return [node["title"] for node in nodes], response.headers.get("x-cms-cache", "")


async def test_three_instances_behind_nginx(settings: Settings, s3_server: S3Server, tmp_path):
    bucket = s3_server.new_bucket()
    env = {
        "CMS_MEDIA_STORE": "s3",
        "CMS_S3_ENDPOINT_URL": s3_server.endpoint_url,
        "CMS_S3_REGION": REGION,
        "CMS_S3_BUCKET": bucket,
        "CMS_S3_ACCESS_KEY_ID": KEY_ID,
        "CMS_S3_SECRET_ACCESS_KEY": SECRET,
        "CMS_SECRET_KEY": SECRET_KEY,
        "CMS_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        "CMS_TRUSTED_PROXIES": "127.0.0.1/32",
        "CMS_METRICS_TOKEN": METRICS_TOKEN,
    }
    for email, role in ((EDITOR, "editor"), (ADMIN, "admin")):
        created = await asyncio.to_thread(
            subprocess.run,
            [str(CMS), "user", "create", "--email", email, "--role", role, "--password-stdin"],
            input=PASSWORD + "\n",
            env=cms_env(settings.database_url, settings.media_root),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert created.returncode == 0, created.stderr
    async with receiving(Receiver()) as receiver:
        with ExitStack() as stack:
            instances: list[Server] = [
                stack.enter_context(serving(tmp_path, settings, "--no-access-log", **env))
                for _ in range(3)
            ]
            ports = [int(server.base.rsplit(":", 1)[1]) for server in instances]
            base = stack.enter_context(nginx(tmp_path / "nginx", ports))
            async with httpx.AsyncClient(timeout=30) as client:
                await _editor_publishes(client, base, instances, receiver, s3_server, bucket)
                await _kill_one_during_reads(client, base, instances)


async def _editor_publishes(
    client: httpx.AsyncClient,
    base: str,
    instances: list[Server],
    receiver: Receiver,
    s3_server: S3Server,
    bucket: str,
) -> None:
    graphql = f"{base}/graphql"
    admin = await _login(client, graphql, ADMIN)
    token = await _login(client, graphql, EDITOR)
    headers = {"authorization": f"Bearer {token}"}
    hook = {"url": receiver.url(), "events": ["ARTICLE_PUBLISHED"]}
    made = _data(
        await client.post(
            graphql,
            json={"query": WEBHOOK_CREATE, "variables": {"input": hook}},
            headers={"authorization": f"Bearer {admin}"},
        )
    )
    assert made["webhookCreate"]["__typename"] == "WebhookCreateSuccess", made

    photo = ("anh.jpg", picture(size=(400, 300)), "image/jpeg")
    parts = multipart(UPLOAD, {"input": {"file": None}}, {"variables.input.file": photo})
    uploaded = _data(await client.post(graphql, headers=auth(token), **parts))["imageUpload"]
    assert uploaded["__typename"] == "ImageUploadSuccess", uploaded
    image_id = uploaded["image"]["id"]
    stored = s3_server.objects(bucket)
    assert stored, "the photo is in the bucket"

    # Every instance answers the anonymous feed from memory before the article exists.
    for server in instances:
        for _ in range(3):
            titles, cache = await _titles(client, server.base)
        assert cache == "hit" and "Khánh thành nhà máy" not in titles

    # One subscriber, its WebSocket through nginx to whichever instance.
    live = await websockets.connect(
        base.replace("http://", "ws://") + "/graphql",
        subprotocols=[Subprotocol("graphql-transport-ws")],
    )
    await live.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await asyncio.wait_for(live.recv(), 10))["type"] == "connection_ack"
    subscription = {"query": "subscription { articlePublished { title } }"}
    await live.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscription}))
    await asyncio.sleep(0.5)  # the subscription is registered before the publication

    draft = _data(
        await client.post(
            graphql,
            json={
                "query": CREATE,
                "variables": {"input": {"title": "Khánh thành nhà máy", "coverId": image_id}},
            },
            headers=headers,
        )
    )["articleCreate"]
    assert draft["__typename"] == "ArticleCreateSuccess", draft
    article = draft["article"]
    published = _data(
        await client.post(
            graphql,
            json={"query": PUBLISH, "variables": {"input": article}},
            headers=headers,
        )
    )["articlePublish"]
    assert published["__typename"] == "ArticlePublishSuccess", published
    started = time.monotonic()
    seen: dict[str, float] = {}
    while len(seen) < len(instances):
        for server in instances:
            if server.base not in seen:
                titles, _ = await _titles(client, server.base)
                if "Khánh thành nhà máy" in titles:
                    seen[server.base] = time.monotonic() - started
        assert time.monotonic() - started < BOUND_SECONDS, f"not everywhere in time: {seen}"
        await asyncio.sleep(0.01)
    print(f"\npublish -> shown by all three: {max(seen.values()) * 1000:.0f} ms {seen}")
    titles, _ = await _titles(client, base)
    assert titles[0] == "Khánh thành nhà máy"

    # The subscriber hears of it once.
    heard = [message async for message in _messages(live, seconds=3)]
    await live.close()
    assert [m["payload"]["data"]["articlePublished"]["title"] for m in heard] == [
        "Khánh thành nhà máy"
    ], heard

    # One webhook receiver gets the publication once, whichever instance delivers it.
    await until(lambda: bool(receiver.at("/hook")), 20, "the webhook delivery")
    await asyncio.sleep(2)  # time for a second delivery, if any instance were to make one
    assert len(receiver.at("/hook")) == 1, receiver.requests

    # A rendition asked of every instance: each answers it, one file in the bucket.
    asked = _data(
        await client.post(graphql, json={"query": RENDITION, "variables": {"id": image_id}})
    )
    url = asked["node"]["rendition"]["url"]
    path = "/" + url.split("/", 3)[3]
    answers = await asyncio.gather(*(client.get(f"{s.base}{path}") for s in instances))
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({a.content for a in answers}) == 1
    renditions = s3_server.objects(bucket) - stored
    assert len(renditions) == 1, renditions
    counted = [await _renditions_made(client, server.base) for server in instances]
    assert sum(counted) == 1, counted  # made once, by one of the three (the machine's lock)


async def _kill_one_during_reads(
    client: httpx.AsyncClient, base: str, instances: list[Server]
) -> None:
    statuses: list[int] = []
    failures: list[str] = []
    stop = asyncio.Event()

    async def reader() -> None:
        while not stop.is_set():
            try:
                response = await client.get(f"{base}/graphql", params={"query": FEED})
                statuses.append(response.status_code)
            except httpx.TransportError as error:
                failures.append(repr(error))

    readers = [asyncio.create_task(reader()) for _ in range(8)]
    await asyncio.sleep(1.0)
    before = len(statuses)
    os.killpg(instances[0].process.pid, signal.SIGKILL)
    await asyncio.sleep(2.0)
    stop.set()
    await asyncio.gather(*readers)
    after = len(statuses) - before
    print(f"reads: {len(statuses)} ({after} after the kill), failed: {failures}")
    assert not failures
    assert set(statuses) == {200}, sorted(set(statuses))
    assert after > 20, "the other two carried on"
    for server in instances[1:]:
        assert server.process.poll() is None
        assert (await client.get(f"{server.base}/healthz")).status_code == 200
