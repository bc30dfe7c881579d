"""The benchmark's ceiling: a bare Starlette app answering each known request with stored bytes.

    python bench/ceiling.py --responses bench/out/ceiling-responses.json --port 8001

``--responses`` is a JSON list of ``{"request": str, "response": str, "content_type": str,
"headers": {str: str}}`` written by ``bench/run.py``: the exact POST bodies the benchmark sends and
the exact bytes the CMS answered them with, with the response cache's headers. ``POST /graphql``
with a known body returns its bytes from memory; anything else is a 400. Served by uvicorn like
``cms serve`` (one process, no access log, same defaults), so the difference to the CMS is
everything the CMS does per request: GraphQL, the ORM, SQLite (or, for a repeated query, its
response cache: the version check and the lookup).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

Answers = Mapping[bytes, tuple[bytes, str, dict[str, str]]]
"""Request body -> (response body, content type, other headers)."""


def read_answers(path: Path) -> dict[bytes, tuple[bytes, str, dict[str, str]]]:
    items = json.loads(path.read_text(encoding="utf-8"))
    return {
        item["request"].encode(): (
            item["response"].encode(),
            item["content_type"],
            item.get("headers", {}),
        )
        for item in items
    }


def build_app(answers: Answers) -> Starlette:
    async def graphql(request: Request) -> Response:
        found = answers.get(await request.body())
        if found is None:
            return PlainTextResponse("unknown request", status_code=400)
        content, content_type, headers = found
        return Response(content, media_type=content_type, headers=headers)

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["POST"]),
            Route("/healthz", health),
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Bare-Starlette ceiling for bench/run.py.")
    parser.add_argument("--responses", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    app = build_app(read_answers(args.responses))
    # The same options as `cms serve` gives uvicorn, less the app factory.
    uvicorn.run(app, host=args.host, port=args.port, proxy_headers=True, access_log=False)


if __name__ == "__main__":
    main()
