"""Conditional requests (RFC 9110 section 13): whether a client's copy is still current."""

from __future__ import annotations


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag``, or is ``*``.

    The comparison is weak (13.1.2): ``W/"x"`` matches ``"x"``, as a GET's must.
    """
    if if_none_match is None:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


def etag_matches_raw(if_none_match: bytes, etag: bytes) -> bool:
    """:func:`etag_matches` on the raw header and ``ETag`` (the response cache's hot path)."""
    if if_none_match.strip() == etag:
        return True
    return etag_matches(if_none_match.decode("latin-1"), etag.decode("latin-1"))
