"""Who is asking: the one place that turns a request into a :class:`Viewer`.

The response cache (may this answer be shared?) and the GraphQL context (what may be seen?)
both ask :func:`viewer_for`, so credentials are read in one place.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from cms.services.visibility import ANONYMOUS, Viewer

_SCOPE_KEY = "cms.viewer"
"""Where the answer is kept in the request's scope: asked twice, it is worked out once."""

_CREDENTIALED = Viewer(personal=True)


async def viewer_for(connection: HTTPConnection) -> Viewer:
    """The viewer of this request.

    Until accounts exist everyone reads as anonymous; a request that carries credentials
    (an ``Authorization`` header) is still its own viewer, whose answers are never shared.
    """
    known = connection.scope.get(_SCOPE_KEY)
    if isinstance(known, Viewer):
        return known
    viewer = _CREDENTIALED if "authorization" in connection.headers else ANONYMOUS
    connection.scope[_SCOPE_KEY] = viewer
    return viewer
