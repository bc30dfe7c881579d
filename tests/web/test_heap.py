"""The garbage collector of a served process (cms.web.heap): start-up's objects frozen out of
its reach, young collections spaced out; an app made by a test or an embedding program leaves
its host's collector as it is."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from asgi_lifespan import LifespanManager

from cms.app import create_app
from cms.web import heap
from settings import Settings


@pytest.fixture
def collector() -> Iterator[None]:
    """Put the collector back as it was (a frozen heap in the test process would never be
    collected again)."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_settling_freezes_what_start_up_made_and_spaces_young_collections(collector) -> None:
    frozen = gc.get_freeze_count()
    heap.settle()
    assert gc.get_freeze_count() > frozen
    assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD


@pytest.mark.database("sqlite", reason="start-up only: the database plays no part")
async def test_only_the_process_own_app_settles_the_heap(settings: Settings, collector) -> None:
    frozen, threshold = gc.get_freeze_count(), gc.get_threshold()
    async with LifespanManager(create_app(settings), startup_timeout=30, shutdown_timeout=30):
        assert (gc.get_freeze_count(), gc.get_threshold()) == (frozen, threshold)
    served = create_app(settings, own_process=True)
    async with LifespanManager(served, startup_timeout=30, shutdown_timeout=30):
        assert gc.get_freeze_count() > frozen
        assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD
