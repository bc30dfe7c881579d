"""Signed rendition paths: only what the CMS signed parses back. Pure: no database."""

from __future__ import annotations

import pytest

from cms.media.rendition_urls import NotStarted, RenditionUrls
from cms.media.renditions import Format, Policy, Rendition

POLICY = Policy.of((160, 320, 640), ("1:1", "16:9"), frozenset({Format.WEBP, Format.JPEG}))
HASH = "0f" * 32
KEY = b"k" * 32
CROPPED = Rendition(HASH, 640, 360, Format.WEBP, (250, 750))
WHOLE = Rendition(HASH, 320, 240, Format.JPEG)


@pytest.fixture
def urls() -> RenditionUrls:
    return RenditionUrls(POLICY, KEY)


@pytest.mark.parametrize("rendition", [CROPPED, WHOLE], ids=["cropped", "whole"])
def test_a_signed_path_parses_back(urls: RenditionUrls, rendition: Rendition) -> None:
    path = urls.path(rendition)
    assert path.startswith(f"r/{HASH}/{rendition.name}-")
    assert path.endswith(f".{rendition.format.extension}")
    assert urls.parse(path) == rendition


def _tamper(path: str, old: str, new: str) -> str:
    assert old in path
    return path.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("640x360", "641x360"),  # an off-list width
        ("640x360", "320x180"),  # an allowed one, but not what was signed
        ("-f250-750", "-f250-751"),  # another focal point
        ("-f250-750", ""),  # none
        (".webp", ".jpg"),  # another format
        ("640x360", "0640x360"),  # the same size, spelt otherwise
        ("r/0f", "r/1f"),  # another picture
    ],
)
def test_an_altered_path_is_refused(urls: RenditionUrls, old: str, new: str) -> None:
    assert urls.parse(_tamper(urls.path(CROPPED), old, new)) is None


def test_a_path_signed_with_another_key_is_refused(urls: RenditionUrls) -> None:
    other = RenditionUrls(POLICY, b"x" * 32)
    assert urls.parse(other.path(CROPPED)) is None


@pytest.mark.parametrize(
    "path",
    [
        "",
        "r/",
        f"r/{HASH}/640x360.webp",
        f"r/{HASH}/640x360-{'0' * 32}.webp",
        f"r/{HASH}/640x360-{'0' * 32}.gif",
        f"r/{HASH}/../../etc/passwd",
        f"r/{HASH.upper()}/640x360-{'0' * 32}.webp",
    ],
)
def test_made_up_paths_are_refused(urls: RenditionUrls, path: str) -> None:
    assert urls.parse(path) is None


def test_a_width_above_the_list_is_refused_even_if_signed(urls: RenditionUrls) -> None:
    huge = Rendition(HASH, 5000, 5000, Format.WEBP)
    assert urls.parse(urls.path(huge)) is None


def test_nothing_is_signed_before_start_up() -> None:
    urls = RenditionUrls(POLICY)
    with pytest.raises(NotStarted):
        urls.path(WHOLE)
    urls.start(KEY)
    assert urls.parse(urls.path(WHOLE)) == WHOLE
