"""Who is asking: the reader or writer of one request, as every service sees them."""

from __future__ import annotations

from dataclasses import dataclass

from cms.models import Role


@dataclass(frozen=True, slots=True)
class Viewer:
    """The reader (or writer) of one request: anonymous, a signed-in user, or an API token."""

    can_preview: bool = False
    """Sees every article, whatever its status (editors and admins)."""
    user_id: int | None = None
    """The signed-in user (None for anonymous readers and API tokens)."""
    role: Role | None = None
    """What the user or token may do; None for anonymous readers."""
    author_id: int | None = None
    """The author profile of an ``AUTHOR`` account: articles that list it are its own."""
    token_id: int | None = None
    """The token the request was made with (``logout`` revokes it)."""
    label: str = "anonymous"
    """Who, for the audit log: an email, or ``token:<name>``."""

    @property
    def signed_in(self) -> bool:
        """Whether the request was made by a user or a token (not anonymously)."""
        return self.role is not None


ANONYMOUS = Viewer()
