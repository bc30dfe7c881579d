"""The real thing: ``cms serve`` in a subprocess on a free port, audited with ``graphql-http``
(the GraphQL-over-HTTP spec's conformance suite, on Node), and trusted documents registered with
``cms queries register`` in another process.

The audit needs Node and npm (it installs its pinned packages once, into a cache folder); without
them it skips, saying why, and CI's ``CMS_TEST_REQUIRE_NODE=1`` makes that a failure.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from settings import Settings
from tests.cli.test_cli import CMS, cms_env, run_cms

pytestmark = pytest.mark.database(
    "sqlite", reason="the HTTP protocol is the server's; the database plays no part"
)

REQUIRE_NODE = os.environ.get("CMS_TEST_REQUIRE_NODE") == "1"
AUDIT = Path(__file__).resolve().parents[2] / "tools" / "graphql_http_audit.py"

Serve = Callable[..., str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def serve(tmp_path: Path, settings: Settings) -> Iterator[Serve]:
    """Starts ``cms serve`` (with extra ``CMS_*`` variables) and gives its GraphQL URL; stops
    every server it started at the end."""
    started: list[subprocess.Popen[bytes]] = []
    env = cms_env(settings.database_url, settings.media_root)

    def start(**extra: str) -> str:
        port = _free_port()
        log = tmp_path / f"serve-{port}.log"
        with log.open("wb") as output:  # a file, not a pipe: a pipe nobody reads fills up
            server = subprocess.Popen(
                [str(CMS), "serve", "--port", str(port), "--no-access-log"],
                cwd=tmp_path,
                env={**env, **extra},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        started.append(server)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):  # up to 30 s on a busy machine; it answers as soon as it is up
            if server.poll() is not None:
                pytest.fail(f"cms serve exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return f"{base}/graphql"
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail("cms serve did not answer /healthz")

    yield start
    for server in started:
        server.terminate()
        server.wait(timeout=30)


def _audit(url: str) -> list[dict[str, object]]:
    """The results of ``tools/graphql_http_audit.py --json`` (as a developer runs it)."""
    done = subprocess.run(
        [sys.executable, str(AUDIT), url, "--json"],
        capture_output=True,
        text=True,
        timeout=600,  # the first run installs the pinned packages with npm
        check=False,
    )
    if done.returncode == 2:  # no node or npm, or the packages could not be installed
        reason = done.stderr.strip()
        if REQUIRE_NODE:
            pytest.fail(f"the audit is required (CMS_TEST_REQUIRE_NODE=1): {reason}")
        pytest.skip(reason)
    assert done.stdout, done.stderr
    results: list[dict[str, object]] = json.loads(done.stdout)
    return results


def _failed(results: list[dict[str, object]], *statuses: str) -> list[str]:
    return [
        f"{r['status']} {r['id']} {r['name']}: {r['reason']} (HTTP {r['httpStatus']})"
        for r in results
        if r["status"] in statuses
    ]


def test_the_graphql_over_http_audit(serve):
    """As deployed (the response cache in front): no failed MUST and no failed SHOULD."""
    results = _audit(serve())
    assert len(results) >= 60, results
    assert _failed(results, "error", "warn") == []


def test_the_view_passes_every_audit(serve):
    """The view alone passes every audit, the MAYs included."""
    results = _audit(serve(CMS_RESPONSE_CACHE_BYTES="0"))
    assert _failed(results, "error", "warn", "notice") == []


def test_trusted_documents_registered_by_another_process(serve, tmp_path, settings):
    url = serve(CMS_PERSISTED_QUERIES_ONLY="true")
    feed = "query Feed { articles(first: 5) { totalCount } }\n"
    (tmp_path / "feed.graphql").write_text(feed, encoding="utf-8")
    env = cms_env(settings.database_url, settings.media_root)
    done = run_cms(env, tmp_path, "queries", "register", "feed.graphql")
    assert done.returncode == 0, done.stderr
    key = hashlib.sha256(feed.encode()).hexdigest()
    extensions = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": key}})
    by_hash = httpx.get(url, params={"extensions": extensions})
    assert by_hash.json() == {"data": {"articles": {"totalCount": 0}}}
    by_text = httpx.post(url, json={"query": feed})
    assert by_text.json() == by_hash.json()
    other = httpx.post(url, json={"query": "{ authors { totalCount } }"})
    assert other.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
    removed = run_cms(env, tmp_path, "queries", "remove", key)
    assert removed.returncode == 0, removed.stderr
    refused = httpx.post(url, json={"query": feed})  # the cache had not kept it yet (seen once)
    assert refused.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
