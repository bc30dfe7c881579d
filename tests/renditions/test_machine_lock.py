"""A rendition is made once on a machine, however many worker processes ask for it at once.

Each worker of ``cms serve --workers N`` has its own :class:`Renderer` and store. Here two
renderers over two stores of one folder stand for two processes: ``flock`` locks belong to open
files, so two opens conflict within one process exactly as across two. A process of its own
holding the lock shows the wait is real across processes too.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest

from cms.media.renditions import Format, Rendition
from cms.media.storage.local import LocalMediaStore
from cms.media.storage.machine_lock import held
from cms.media.storage.renditions import RENDERS, Renderer
from tests.renditions.helpers import halves

pytestmark = pytest.mark.database("sqlite", reason="files only: no database plays a part")

SOURCE = "originals/photo.jpg"


async def stores(root: Path, count: int) -> list[LocalMediaStore]:
    made = [LocalMediaStore(root) for _ in range(count)]
    for store in made:
        await store.open()
    await made[0].put(SOURCE, halves(800, 400))
    return made


async def test_two_renderers_of_one_folder_make_a_rendition_once(tmp_path: Path) -> None:
    first, second = await stores(tmp_path, 2)
    renderers = [Renderer(s, workers=2, max_pixels=10**8) for s in (first, second)]
    rendition = Rendition("a" * 64, 320, 160, Format.WEBP)
    before = RENDERS.value
    await asyncio.gather(*(r.ensure(rendition, SOURCE) for r in renderers for _ in range(4)))
    assert RENDERS.value == before + 1
    assert await second.exists(rendition.key)


async def test_the_lock_is_waited_for_across_processes(tmp_path: Path) -> None:
    key = "renditions/aa/320x160.webp"
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import asyncio, sys\n"
        "from cms.media.storage.machine_lock import held\n"
        "async def main():\n"
        f"    async with held({key!r}):\n"
        "        print('held', flush=True)\n"
        "        await asyncio.sleep(1.0)\n"
        "asyncio.run(main())\n",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and (await holder.stdout.readline()).strip() == b"held"
        started = time.monotonic()
        async with held(key):
            waited = time.monotonic() - started
        assert 0.5 < waited < 10, waited
    finally:
        await holder.communicate()
