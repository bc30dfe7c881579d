"""Who may do what: the role rules every write checks first, in the services.

``ADMIN`` may do everything; ``EDITOR`` all content, publishing included; ``AUTHOR`` creates
content and edits their own articles while they are drafts; anonymous readers write nothing.
"""

from __future__ import annotations

from cms.core.errors import Forbidden, Unauthenticated
from cms.core.viewer import Viewer
from cms.models import Role

EDITORS = frozenset({Role.ADMIN, Role.EDITOR})
"""Roles that manage all content and publish."""
WRITERS = frozenset({Role.ADMIN, Role.EDITOR, Role.AUTHOR})
"""Roles that create content."""
ADMINS = frozenset({Role.ADMIN})
"""Roles that manage users and tokens."""


def require(viewer: Viewer, roles: frozenset[Role], doing: str) -> Role:
    """The viewer's role if it is one of ``roles``; else :class:`Unauthenticated` (anonymous)
    or :class:`Forbidden` (signed in, but not allowed). ``doing`` completes "You may not …"."""
    if viewer.role is None:
        raise Unauthenticated(f"Sign in to {doing}.")
    if viewer.role not in roles:
        raise Forbidden(f"Your role ({viewer.role.value}) may not {doing}.")
    return viewer.role
