"""When the kept stamp has aged out, every request in flight needs it at once: they share one
read instead of queueing a statement each (under load on SQLite, dozens of them held requests for
a quarter of a second: issue 23)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from cms.core import clock
from cms.models import ArticleStatus
from cms.notify.content_watch import ContentWatch
from settings import Settings
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")


def stamp_reads(statements: list[str]) -> int:
    return sum("content_state" in sql for sql in statements)


async def test_requests_in_flight_share_one_read(orm, settings: Settings, count_queries):
    await Factory(settings.media_root).article("Bài một")
    watch = ContentWatch(settings)
    now = clock.now()
    count_queries.reset()
    found = await asyncio.gather(*(watch.read(now + timedelta(microseconds=n)) for n in range(20)))
    assert stamp_reads(count_queries.statements) == 1
    assert len(set(found)) == 1 and found[0] is not None
    count_queries.reset()
    await watch.read(now)  # the shared read is over: the next one reads again
    assert stamp_reads(count_queries.statements) == 1


async def test_a_read_for_a_moment_past_a_scheduled_publication_is_its_own(
    orm, settings: Settings, count_queries
):
    now = clock.now()
    soon = now + timedelta(hours=1)
    await Factory(settings.media_root).article("Sắp đăng", soon, status=ArticleStatus.SCHEDULED)
    watch = ContentWatch(settings)
    count_queries.reset()
    early, late = await asyncio.gather(watch.read(now), watch.read(soon))
    assert early is not None and early.next_change == soon
    assert late is not None and late.next_change is None  # nothing is upcoming any more then
    assert stamp_reads(count_queries.statements) == 2


async def test_a_read_cancelled_by_its_request_still_serves_the_others(orm, settings: Settings):
    await Factory(settings.media_root).article("Bài một")
    watch = ContentWatch(settings)
    now = clock.now()
    first = asyncio.ensure_future(watch.read(now))
    second = asyncio.ensure_future(watch.read(now))
    await asyncio.sleep(0)
    first.cancel()
    assert (await second) is not None
    with pytest.raises(asyncio.CancelledError):
        await first
