"""``If-None-Match``: one answer for the media route and the response cache."""

from __future__ import annotations

import pytest

from cms.web.conditional import etag_matches


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ('"a"', True),
        ('W/"a"', True),
        ('"b", "a"', True),
        ("*", True),
        ('"b"', False),
        ("", False),
    ],
)
def test_if_none_match(header, matches):
    assert etag_matches(header, '"a"') is matches
