"""Cross-origin requests from browser apps (CORS), by Starlette's middleware.

Credentials are bearer tokens in the ``Authorization`` header, never cookies, so browsers are
never asked to send credentials: ``allow_credentials`` stays off, and ``*`` (any origin, for a
public read-only API) can never be combined with them.
"""

from __future__ import annotations

from typing import Any

ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "Apollo-Require-Preflight",
    "GraphQL-Require-Preflight",
    "X-Apollo-Operation-Name",
    "If-None-Match",
)
"""What a browser app may send: its token, JSON, the upload CSRF headers, revalidation."""

EXPOSED_HEADERS = ("ETag", "X-CMS-Cache")
"""What a browser app may read of an answer, beyond the always-readable ones."""


def cors_options(origins: list[str]) -> dict[str, Any]:
    """Keyword arguments of Starlette's ``CORSMiddleware`` for these allowed ``origins``."""
    return {
        "allow_origins": origins,
        "allow_methods": ["GET", "POST"],
        "allow_headers": list(ALLOWED_HEADERS),
        "expose_headers": list(EXPOSED_HEADERS),
        "allow_credentials": False,
        "max_age": 600,
    }
