"""The media benchmark's ceiling: Starlette's own ``StaticFiles`` serving the media folder.

    python bench/static_ceiling.py --directory bench/out/media-bench/media --port 8002

``GET /media/<path>`` is the file under ``--directory`` (``/healthz`` answers ``ok``). Served by
uvicorn with the very options ``cms serve`` uses (its HTTP protocol and timeouts, one process, no
access log), so the difference to the CMS's media route is what the CMS does per request.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from cms.web.server import uvicorn_options


def build_app(directory: Path) -> Starlette:
    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/healthz", health),
            Mount("/media", StaticFiles(directory=directory)),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--directory", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        build_app(args.directory),
        host="127.0.0.1",
        port=args.port,
        access_log=False,
        **uvicorn_options(header_timeout=10.0, keep_alive_timeout=5),
    )


if __name__ == "__main__":
    main()
