"""Separate processes for the notification tests (``python -m tests.notify.processes ...``).

``serve PORT CLOCK_FILE``
    One CMS instance, as ``cms serve`` runs it (uvicorn, the app's lifespan and its background
    jobs), on a clock the test moves: ``clock.now()`` is the real time plus the seconds written
    in CLOCK_FILE. Settings come from the ``CMS_*`` environment.

``publish-and-die ARTICLE_ID VERSION``
    Publishes an article through the services, as an editor, prints ``committed`` once the
    transaction has committed, and kills itself with SIGKILL before anything is delivered (no
    background jobs run in this process).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn

import settings as settings_module
from cms.app import create_app
from cms.articles import editing
from cms.core import clock, db
from cms.core.viewer import Viewer
from cms.models import Role


def serve(port: int, clock_file: Path) -> None:
    def now() -> datetime:
        return datetime.now(UTC) + timedelta(seconds=float(clock_file.read_text() or 0))

    clock.now = now  # every reader of the time goes through this module attribute
    uvicorn.run(create_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def publish(article_id: int, version: int) -> None:
    viewer = Viewer(can_preview=True, role=Role.EDITOR, label="editor (killed)")
    async with db.connected(settings_module.load()):
        await editing.publish(viewer, clock.now(), article_id, version, None)
        print("committed", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)


def main(args: list[str]) -> None:
    match args:
        case ["serve", port, clock_file]:
            serve(int(port), Path(clock_file))
        case ["publish-and-die", article_id, version]:
            asyncio.run(publish(int(article_id), int(version)))
        case _:
            raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
