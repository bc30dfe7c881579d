"""Who is asking: the one place that turns credentials into a :class:`Viewer`.

An HTTP request's viewer is its state's (:meth:`cms.web.request.RequestState.viewer`: worked out
once, however many layers ask); a WebSocket's comes from its ``connection_init`` payload. Both
read the ``Authorization`` value here.
"""

from __future__ import annotations

from cms.accounts import tokens
from cms.core import clock
from cms.core.errors import Unauthenticated
from cms.core.viewer import ANONYMOUS, Viewer


async def viewer_for_header(header: str | None) -> Viewer:
    """The viewer an ``Authorization`` value names: anonymous for none, :class:`Unauthenticated`
    for one that is not ``Bearer <token>`` of a live token (never silently anonymous)."""
    return ANONYMOUS if header is None else await _bearer(header)


async def _bearer(header: str) -> Viewer:
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("The Authorization header must be `Bearer <token>`.")
    return await tokens.viewer_for(secret.strip(), clock.now())
