"""The HTTP endpoint: strawberry's ASGI view with our context, orjson and our GraphiQL page."""

from __future__ import annotations

from pathlib import Path
from string import Template

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from cms.web.viewer import viewer_for
from schema import CmsSchema
from schema.context import Context
from settings import Settings

EXAMPLE_QUERY = """\
# The article feed, newest first. Press Ctrl-Enter (or the play button) to run it.
# Open "Docs" on the left for every type and field.
query Feed($first: Int = 10, $after: String) {
  articles(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      slug
      title
      publishedAt
      byline
      authors { name }
      event { name startsAt }
      cover { url caption width height }
    }
  }
}
"""

_PAGE = Template((Path(__file__).parent / "static" / "graphiql.html").read_text(encoding="utf-8"))


class GraphQLView(GraphQL[Context, None]):
    """``/graphql``: queries by POST (JSON) or GET; GraphiQL for browsers."""

    def __init__(self, schema: CmsSchema, settings: Settings) -> None:
        super().__init__(schema, graphql_ide="graphiql" if settings.graphiql else None)
        self.settings = settings
        self._page = _PAGE.substitute(example_query=orjson.dumps(EXAMPLE_QUERY).decode())

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        assert isinstance(request, Request)  # no subscriptions: websockets never get here
        return Context.for_request(request, self.settings, await viewer_for(request))

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(self._page)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)
