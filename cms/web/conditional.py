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
