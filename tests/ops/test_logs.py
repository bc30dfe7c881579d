"""Logs: one line per request from the edge (the request's id echoed back), and JSON lines with
``CMS_LOG_FORMAT=json``, from the app and from a real ``cms serve``."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import os
import re
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cms.app import create_app
from cms.models import Role
from cms.web.logs import failure_text, log_config, request_id_of
from settings import Settings
from tests.accounts.helpers import LOGIN, PASSWORD, make_user
from tests.factories import Factory
from tests.ops.server import serving

pytestmark = pytest.mark.database("sqlite", "postgres")

FEED = "{ articles(first: 5) { nodes { title } } }"
NEW_ID = re.compile(r"[0-9a-f]{32}")


Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def lines() -> Iterator[Lines]:
    """Every log line while the test runs, formatted as ``cms serve`` does with
    ``CMS_LOG_FORMAT=json`` and parsed back; the access logger let through at INFO."""
    config = log_config("json")
    configurator = logging.config.DictConfigurator(config)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(configurator.configure_formatter(config["formatters"]["cms"]))
    handler.addFilter(configurator.configure_filter(config["filters"]["request_id"]))
    root, access = logging.getLogger(), logging.getLogger("cms.access")
    before = access.level
    access.setLevel(logging.INFO)
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in out.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        access.setLevel(before)


def access_lines(text: str) -> list[dict[str, Any]]:
    found = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in found if line["logger"] == "cms.access"]


async def test_each_request_is_one_line_with_its_id_echoed(
    client: httpx.AsyncClient, settings: Settings, lines: Lines, app: Any
) -> None:
    factory = Factory(settings.media_root)
    await factory.article("Bản tin")
    await make_user("lan@example.org")
    for _ in range(3):
        answer = await client.get(
            "/graphql",
            params={"query": FEED},
            headers={"x-request-id": "lb-1234"},
        )
        assert answer.headers["x-request-id"] == "lb-1234"
    hostile: list[bytes] = [b"x" * 65, "có dấu".encode(), b"two words", b""]
    echoed = []
    for given in hostile:
        answer = await client.get("/media/originals/khong-co.jpg", headers={b"x-request-id": given})
        assert answer.status_code == 404
        echoed.append(answer.headers["x-request-id"])
    assert all(NEW_ID.fullmatch(i) for i in echoed) and len(set(echoed)) == len(echoed)
    login = await client.post(
        "/graphql",
        json={
            "query": LOGIN,
            "variables": {"email": "lan@example.org", "password": PASSWORD},
            "operationName": None,
        },
    )
    token = login.json()["data"]["login"]["token"]
    await client.post(
        "/graphql",
        json={"query": "query Me { viewer { id } }", "operationName": "Me"},
        headers={"authorization": f"Bearer {token}"},
    )
    await client.post(
        "/graphql", json={"query": "{ viewer { id } }"}, headers={"authorization": "Bearer nope"}
    )
    api = await factory.token(Role.EDITOR)
    await client.get("/healthz", headers={"authorization": f"Bearer {api}"})

    logged = [line for line in lines() if line["logger"] == "cms.access"]
    assert len(logged) == 3 + 4 + 4
    first = logged[0]
    assert first | {"time": None, "duration_ms": None, "bytes": None} == {
        "time": None,
        "level": "INFO",
        "logger": "cms.access",
        "message": first["message"],
        "request_id": "lb-1234",
        "method": "GET",
        "route": "/graphql",
        "status": 200,
        "duration_ms": None,
        "bytes": None,
        "operation": None,
        "viewer": "anonymous",
        "cache": "bypass",
    }
    assert first["bytes"] > 0 and first["duration_ms"] > 0 and "T" in first["time"]
    assert [line["cache"] for line in logged[:3]] == ["bypass", "miss", "hit"]
    media = logged[3:7]
    assert {line["route"] for line in media} == {"/media/{key:path}"}  # the template only
    assert [line["request_id"] for line in media] == echoed
    assert {line["cache"] for line in media} == {None}
    me, refused, health = logged[8:11]
    assert (me["viewer"], me["operation"], me["status"]) == ("user", "Me", 200)
    assert (refused["viewer"], refused["status"]) == ("refused", 401)
    assert (health["route"], health["viewer"]) == ("/healthz", "unchecked")  # not looked up
    text = json.dumps(lines(), ensure_ascii=False)
    for secret in (token, api, PASSWORD, "lan@example.org", "khong-co"):
        assert secret not in text


async def test_new_ids_are_unique_and_only_short_printable_ones_are_kept(
    client: httpx.AsyncClient,
) -> None:
    async def echoed(given: bytes | None = None) -> str:
        headers = {} if given is None else {b"x-request-id": given}
        answer = await client.get("/media/originals/khong-co.jpg", headers=headers)
        assert answer.status_code == 404
        return answer.headers["x-request-id"]

    new = [await echoed() for _ in range(300)]
    assert all(NEW_ID.fullmatch(i) for i in new) and len(set(new)) == len(new)
    assert len({i[:16] for i in new}) == 1  # this process's prefix, then its count
    counts = [int(i[16:], 16) for i in new]
    assert counts == list(range(counts[0], counts[0] + len(new)))
    for kept in (b"a" * 64, b"~!#$%&'*+-.^_`|", b"lb-1", b"0"):
        assert await echoed(kept) == kept.decode()
    hostile = [b"a" * 65, b"tab\there", b"nul\x00", b"del\x7f", "é".encode(), b" lead"]
    replaced = [await echoed(given) for given in hostile]
    assert all(NEW_ID.fullmatch(i) for i in replaced) and not set(replaced) & set(new)
    assert [int(i[16:], 16) for i in replaced] == list(range(counts[-1] + 1, counts[-1] + 7))


def test_a_forked_process_draws_its_own_prefix() -> None:
    before = request_id_of(None)
    read, write = os.pipe()
    with warnings.catch_warnings():  # 3.12+ warns of fork() beside threads; the child only
        warnings.simplefilter("ignore", DeprecationWarning)  # draws an id and writes it
        pid = os.fork()
    if pid == 0:
        try:
            os.write(write, request_id_of(None).encode("ascii"))
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        child = pipe.read().decode("ascii")
    os.waitpid(pid, 0)
    after = request_id_of(None)
    assert NEW_ID.fullmatch(child) and child[:16] != before[:16]
    assert int(child[16:], 16) == 1  # its own count, from 1
    assert after[:16] == before[:16] and int(after[16:], 16) == int(before[16:], 16) + 1


async def test_a_failure_is_one_error_line_with_its_traceback(
    settings: Settings, lines: Lines
) -> None:
    async def boom(request: Request) -> Response:
        raise RuntimeError("hỏng rồi")

    app = create_app(settings)
    app.router.routes.append(Route("/boom", boom))
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            answer = await client.get("/boom", headers={"x-request-id": "req-7"})
    assert answer.status_code == 500
    assert answer.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "hỏng" not in answer.text  # the traceback is the log's, never the client's
    assert answer.headers["x-request-id"] == "req-7"
    [line] = [line for line in lines() if line["request_id"] == "req-7"]
    assert (line["level"], line["route"], line["status"]) == ("ERROR", "/boom", 500)
    assert "RuntimeError: hỏng rồi" in line["traceback"] and "in boom" in line["traceback"]


def test_cms_serve_writes_json_lines(tmp_path: Path, settings: Settings) -> None:
    with serving(tmp_path, settings, CMS_LOG_FORMAT="json") as server:
        answer = httpx.get(
            f"{server.base}/graphql", params={"query": FEED}, headers={"x-request-id": "abc"}
        )
        assert answer.headers["x-request-id"] == "abc"
        httpx.get(f"{server.base}/schema.graphql")
        time.sleep(0.5)
        server.stop()
        output = server.output
    printed = [line for line in output.splitlines() if line.strip()]
    parsed = [json.loads(line) for line in printed if line.startswith("{")]
    assert len(parsed) == len([p for p in printed if not p.startswith("GraphiQL")])
    assert any(line["logger"].startswith("uvicorn") for line in parsed)  # uvicorn's own too
    logged = access_lines(output)
    feed = next(line for line in logged if line["request_id"] == "abc")
    assert (feed["route"], feed["status"], feed["viewer"]) == ("/graphql", 200, "anonymous")
    assert any(line["route"] == "/schema.graphql" for line in logged)
    assert not any(line["logger"] == "uvicorn.access" for line in parsed)


def test_a_failures_message_is_cut_its_frames_kept() -> None:
    def fail() -> None:
        raise ValueError("slug: " + "a" * 100_000)

    try:
        fail()
    except ValueError as error:
        text = failure_text(error)
    assert "ValueError: slug: aaa" in text and "(100006 characters)" in text
    assert "in fail" in text and len(text) < 2_000
