"""The benchmark's strawberry-only ceiling: the queries' shapes answered from in-memory objects.

    python bench/strawberry_ceiling.py --responses bench/out/ceiling-responses.json --port 8002

What strawberry itself allows on this machine, for the benchmark's three queries: a copy of the
CMS's types as far as the queries reach (``Article`` with ``authors``, ``cover``, ``event``,
``images`` and ``body`` blocks; ``Author``, ``Image``, ``Event``; a search connection's edges),
every field a plain attribute or a synchronous resolver returning values built up front, no
database, no loaders, no extensions. The objects are built from the CMS's own answers (the
``--responses`` file bench/run.py writes for bench/ceiling.py), so the same requests get the same
bytes: ``bench/run.py`` checks that byte for byte.

Served like ``cms serve`` (uvicorn, one process, no access log) by strawberry's own ASGI view
with its defaults, but for one thing: the JSON is written by orjson, as the CMS's view does, so
the bodies are the CMS's bytes (strawberry's default ``json.dumps`` escapes every non-ASCII
letter). The difference from the CMS with its response cache off is then what the CMS adds to
strawberry: SQL, rows to objects, loaders, its resolvers, its middleware and extensions.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache


@strawberry.type
class Author:
    name: str
    bio: str


@strawberry.type
class Image:
    url: str
    caption: str
    alt: str
    width: int
    height: int


@strawberry.type
class Event:
    name: str
    location: str
    starts_at: datetime


@strawberry.type
class ParagraphBlock:
    text: str


@strawberry.type
class FigureBlock:
    caption: str
    images: list[Image]


ArticleBlock = Annotated[ParagraphBlock | FigureBlock, strawberry.union("ArticleBlock")]


@strawberry.type
class Article:
    id: strawberry.ID
    title: str
    slug: str
    published_at: datetime | None
    summary: str
    authors: list[Author]
    cover: Image | None
    event: Event | None
    images: list[Image]
    body: list[ArticleBlock]


@strawberry.type
class ArticleConnection:
    nodes: list[Article]


@strawberry.type
class ArticleSearchEdge:
    node: Article


@strawberry.type
class ArticleSearchConnection:
    edges: list[ArticleSearchEdge]


class Content:
    """The objects the queries read, built once from the CMS's answers."""

    def __init__(self) -> None:
        self.feed: list[Article] = []
        self.by_slug: dict[str, Article] = {}
        self.searches: dict[str, list[Article]] = {}


CONTENT = Content()


@strawberry.type
class Query:
    @strawberry.field
    def articles(self, first: int | None = None) -> ArticleConnection:
        return ArticleConnection(nodes=CONTENT.feed[: 20 if first is None else first])

    @strawberry.field
    def article(self, slug: str) -> Article | None:
        return CONTENT.by_slug.get(slug)

    @strawberry.field
    def search(self, query: str, first: int | None = None) -> ArticleSearchConnection:
        hits = CONTENT.searches.get(query, [])[: 20 if first is None else first]
        return ArticleSearchConnection(edges=[ArticleSearchEdge(node=hit) for hit in hits])


def _image(data: dict[str, Any]) -> Image:
    return Image(
        url=data["url"],
        caption=data.get("caption", ""),
        alt=data.get("alt", ""),
        width=data["width"],
        height=data["height"],
    )


def _block(data: dict[str, Any]) -> ParagraphBlock | FigureBlock:
    if data["__typename"] == "ParagraphBlock":
        return ParagraphBlock(text=data["text"])
    return FigureBlock(caption=data["caption"], images=[_image(i) for i in data["images"]])


def _date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def _article(data: dict[str, Any]) -> Article:
    """An article from an answer's node, with what the answer gives (the rest empty)."""
    event = data.get("event")
    cover = data.get("cover")
    return Article(
        id=strawberry.ID(data.get("id", "")),
        title=data["title"],
        slug=data["slug"],
        published_at=_date(data.get("publishedAt")),
        summary=data.get("summary", ""),
        authors=[Author(name=a["name"], bio=a.get("bio", "")) for a in data.get("authors", [])],
        cover=_image(cover) if cover else None,
        event=(
            Event(
                name=event["name"],
                location=event.get("location", ""),
                starts_at=datetime.fromisoformat(event["startsAt"]),
            )
            if event
            else None
        ),
        images=[_image(i) for i in data.get("images", [])],
        body=[_block(b) for b in data.get("body", [])],
    )


def load(items: Sequence[dict[str, Any]]) -> Content:
    """The feed, the articles by slug and the searches answered in ``items`` (requests and the
    CMS's answers, as bench/run.py writes them)."""
    content = Content()
    for item in items:
        request = json.loads(item["request"])
        data = json.loads(item["response"])["data"]
        if "articles" in data:
            content.feed = [_article(node) for node in data["articles"]["nodes"]]
        elif "article" in data:
            found = _article(data["article"])
            content.by_slug[found.slug] = found
        elif "search" in data:
            hits = [_article(edge["node"]) for edge in data["search"]["edges"]]
            content.searches[request["variables"]["q"]] = hits
    return content


class View(GraphQL[None, None]):
    """Strawberry's ASGI view as it comes, writing JSON with orjson (as the CMS's view does)."""

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def build_app(content: Content) -> Starlette:
    CONTENT.__dict__.update(content.__dict__)
    schema = strawberry.Schema(query=Query, extensions=[ParserCache, ValidationCache])
    view = View(schema, graphql_ide=None)

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/graphql", view), Route("/healthz", health)])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Strawberry-only ceiling for bench/run.py.")
    parser.add_argument("--responses", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002)
    args = parser.parse_args(argv)
    items = json.loads(args.responses.read_text(encoding="utf-8"))
    app = build_app(load(items))
    # The same options as `cms serve` gives uvicorn, less the app factory (as bench/ceiling.py).
    uvicorn.run(app, host=args.host, port=args.port, proxy_headers=True, access_log=False)


if __name__ == "__main__":
    main()
