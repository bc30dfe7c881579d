"""Who is asking: the one place that turns a request into a :class:`Viewer`.

The response cache (may this answer be shared?) and the GraphQL context (what may be seen?)
both ask :func:`viewer_for`, so credentials are read in one place and looked up once.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from cms.accounts import tokens
from cms.core import clock
from cms.core.errors import Unauthenticated
from cms.core.viewer import ANONYMOUS, Viewer

_SCOPE_KEY = "cms.viewer"
"""Where the answer is kept in the request's scope: asked twice, it is worked out once."""


async def viewer_for(connection: HTTPConnection) -> Viewer:
    """The viewer of this request: anonymous without an ``Authorization`` header, else its
    bearer token's; :class:`Unauthenticated` for a header that is not a live token of ours
    (never silently anonymous)."""
    known = connection.scope.get(_SCOPE_KEY)
    if isinstance(known, Viewer):
        return known
    header = connection.headers.get("authorization")
    viewer = ANONYMOUS if header is None else await _bearer(header)
    connection.scope[_SCOPE_KEY] = viewer
    return viewer


async def viewer_for_header(header: str | None) -> Viewer:
    """The viewer an ``Authorization`` value names (a WebSocket's ``connection_init``
    payload carries one): anonymous for none, :class:`Unauthenticated` for a bad one."""
    return ANONYMOUS if header is None else await _bearer(header)


async def _bearer(header: str) -> Viewer:
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("The Authorization header must be `Bearer <token>`.")
    return await tokens.viewer_for(secret.strip(), clock.now())
