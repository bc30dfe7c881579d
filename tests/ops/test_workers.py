"""``cms serve --workers 2``: two processes on one socket, each with its own response cache,
coherent within the README's bound (``CMS_CACHE_CHECK_SECONDS``, 1 s by default) on SQLite, and
sooner on PostgreSQL (its notifications)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import httpx
import pytest

from cms.models import Role
from cms.web.server import worker_count
from schema.types.node import to_global_id
from settings import Settings
from tests.cli.test_cli import cms_env, run_cms
from tests.factories import Factory
from tests.ops.server import serving

pytestmark = pytest.mark.database("sqlite", "postgres")

FEED = "{ articles(first: 5) { nodes { title } } }"
RENAME = """
mutation ($input: ArticleUpdateInput!) { articleUpdate(input: $input) { __typename } }
"""
BOUND = 1.0
"""The README's bound: CMS_CACHE_CHECK_SECONDS, its default."""
MARGIN = 0.3
"""For the machine: a check due at the bound's last instant, a worker busy with another test."""


def titles_by_worker(base: str, want_hit: bool, tries: int = 400) -> dict[str, tuple[str, str]]:
    """For each worker reached: the feed's first title and how its cache answered, asked on a
    connection whose ``/healthz`` named that worker. New connections until both answered."""
    seen: dict[str, tuple[str, str]] = {}
    for _ in range(tries):
        with httpx.Client(base_url=base, timeout=10) as one_connection:
            pid = one_connection.get("/healthz").headers["x-cms-worker"]
            for _ in range(3 if want_hit else 1):  # run, keep, then answer from memory
                answer = one_connection.get("/graphql", params={"query": FEED})
                assert answer.status_code == 200, answer.text
            title = answer.json()["data"]["articles"]["nodes"][0]["title"]
            seen[pid] = (title, answer.headers.get("x-cms-cache", "none"))
        if len(seen) == 2:
            return seen
    pytest.fail(f"only {len(seen)} worker(s) reached in {tries} connections")


async def test_a_write_through_one_worker_reaches_every_workers_cache(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    factory = Factory(settings.media_root)
    editor = await factory.token(Role.EDITOR, "editor@example.org")
    article = await factory.article("Bản tin sáng")
    with serving(tmp_path, settings, "--workers", "2", "--no-access-log") as server:
        await asyncio.to_thread(_write_then_read, server.base, editor, article.id)


def _write_then_read(base: str, editor: str, article_id: int) -> None:
    before = titles_by_worker(base, want_hit=True)
    assert {title for title, _ in before.values()} == {"Bản tin sáng"}
    assert {outcome for _, outcome in before.values()} == {"hit"}  # each worker's own cache
    change = {"id": to_global_id("Article", article_id), "version": 1, "title": "Bản tin tối"}
    written = httpx.post(
        f"{base}/graphql",
        json={"query": RENAME, "variables": {"input": change}},
        headers={"authorization": f"Bearer {editor}"},
    )
    assert written.json()["data"]["articleUpdate"]["__typename"] == "ArticleUpdateSuccess"
    time.sleep(BOUND + MARGIN)
    after = titles_by_worker(base, want_hit=False)
    assert {title for title, _ in after.values()} == {"Bản tin tối"}, after
    assert len(set(before) | set(after)) == 2  # the same two workers


def test_workers_is_a_number_from_1_or_auto(tmp_path: Path, settings: Settings) -> None:
    assert worker_count("auto") == (os.cpu_count() or 1)
    assert worker_count("3") == 3
    env = cms_env(settings.database_url, settings.media_root)
    for bad in ("0", "-1", "many"):
        refused = run_cms(env, tmp_path, "serve", "--workers", bad)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "is not a number from 1 or `auto`" in refused.stderr
