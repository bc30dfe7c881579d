"""Which rendition a request gets: pure planning, no Pillow, no database."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cms.core.errors import InvalidInput
from cms.media.renditions import (
    Fit,
    Format,
    Policy,
    Rendition,
    Source,
    crop_box,
    parse_ratio,
    plan,
    snap_ratio,
)
from settings import Settings

WIDTHS = (160, 320, 480, 640, 960, 1280, 1920)
RATIOS = ("1:1", "4:3", "3:2", "16:9", "3:4", "2:3", "9:16")
ALL = frozenset(Format) - {Format.AUTO}
POLICY = Policy.of(WIDTHS, RATIOS, ALL)
HASH = "ab" * 32
BIG = Source(HASH, 4000, 3000)
"""A 12-megapixel landscape photo, 4:3."""


@pytest.mark.parametrize(
    ("asked", "got"),
    [(1, 160), (160, 160), (161, 320), (320, 320), (500, 640), (1281, 1920), (5000, 1920)],
)
def test_widths_snap_up_to_the_allow_list(asked: int, got: int) -> None:
    rendition = plan(POLICY, BIG, asked)
    assert rendition.width == got
    assert rendition.height == round(got * 3 / 4)


@pytest.mark.parametrize(("asked", "got"), [(100, 160), (500, 640), (700, 700), (1920, 700)])
def test_widths_never_exceed_the_original(asked: int, got: int) -> None:
    small = Source(HASH, 700, 350)
    assert plan(POLICY, small, asked).width == got


def test_a_picture_narrower_than_every_width_keeps_its_own() -> None:
    tiny = Source(HASH, 64, 48)
    rendition = plan(POLICY, tiny, 320)
    assert (rendition.width, rendition.height) == (64, 48)
    assert rendition.focal is None


def test_heights_follow_the_nearest_allowed_ratio() -> None:
    assert _size(plan(POLICY, BIG, 640, 360)) == (640, 360)  # 16:9 exactly
    assert _size(plan(POLICY, BIG, 600, 338)) == (640, 360)  # about 16:9: snapped
    assert _size(plan(POLICY, BIG, 300, 300)) == (320, 320)
    assert _size(plan(POLICY, BIG, 300, 450)) == (320, 480)  # 2:3, upright
    assert _size(plan(POLICY, BIG, 1000, 10)) == (1280, 720)  # a banner: the widest is 16:9


def test_a_crop_cannot_be_larger_than_the_picture_allows() -> None:
    wide = Source(HASH, 2000, 500)  # 4:1
    rendition = plan(POLICY, wide, 1920, 1920)  # 1:1 from a 500-pixel-high picture
    assert _size(rendition) == (500, 500)


def test_cover_names_its_focal_point_only_when_it_crops() -> None:
    placed = Source(HASH, 4000, 3000, focal_x=0.25, focal_y=0.75)
    cropped = plan(POLICY, placed, 640, 360)
    assert cropped.focal == (250, 750)
    assert cropped.name == "640x360-f250-750"
    whole = plan(POLICY, placed, 640, 480)  # the picture's own shape: no crop
    assert whole.focal is None
    assert whole.name == "640x480"
    assert whole.key == f"renditions/{HASH}/640x480.webp"


def test_contain_fits_the_whole_picture_inside_the_box() -> None:
    rendition = plan(POLICY, BIG, 640, 640, Fit.CONTAIN)
    assert _size(rendition) == (640, 480)
    assert rendition.focal is None
    tall = plan(POLICY, BIG, 640, 360, Fit.CONTAIN)  # 16:9 box: the height decides
    assert _size(tall) == (480, 360)


def test_contain_and_an_uncropped_cover_share_one_file() -> None:
    assert plan(POLICY, BIG, 640, 640, Fit.CONTAIN).key == plan(POLICY, BIG, 640).key


def test_auto_is_webp_and_an_unwritable_format_falls_back_to_it() -> None:
    assert plan(POLICY, BIG, 320).format is Format.WEBP
    assert plan(POLICY, BIG, 320, format=Format.JPEG).key.endswith(".jpg")
    no_avif = Policy.of(WIDTHS, RATIOS, ALL - {Format.AVIF})
    assert plan(no_avif, BIG, 320, format=Format.AVIF).format is Format.WEBP
    assert plan(POLICY, BIG, 320, format=Format.AVIF).format is Format.AVIF


@pytest.mark.parametrize(
    ("width", "height", "field"),
    [(0, None, "width"), (-5, None, "width"), (320, 0, "height"), (10**6, None, "width")],
)
def test_nonsense_sizes_are_refused(width: int, height: int | None, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        plan(POLICY, BIG, width, height)
    assert refused.value.field == field


def test_the_crop_box_is_centred_on_the_focal_point_within_the_edges() -> None:
    assert crop_box(400, 200, 100, 100) == (100, 0, 300, 200)  # centre
    assert crop_box(400, 200, 100, 100, (0, 500)) == (0, 0, 200, 200)  # pushed to the left edge
    assert crop_box(400, 200, 100, 100, (900, 500)) == (200, 0, 400, 200)  # and to the right
    assert crop_box(400, 200, 100, 100, (400, 500)) == (60, 0, 260, 200)
    assert crop_box(200, 400, 200, 100, (500, 0)) == (0, 0, 200, 100)  # a tall picture: top


def test_ratios_are_compared_in_proportion() -> None:
    ratios = [Fraction(1), Fraction(2), Fraction(1, 2)]
    assert snap_ratio(ratios, Fraction(3, 2)) == Fraction(2)  # log(1.5) is nearer log(2)
    assert snap_ratio(ratios, Fraction(13, 10)) == Fraction(1)
    assert parse_ratio("16:9") == Fraction(16, 9)
    with pytest.raises(ValueError, match="aspect ratio"):
        parse_ratio("16/9")


def test_the_settings_read_widths_and_ratios_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CMS_RENDITION_WIDTHS", "640, 320,320")
    monkeypatch.setenv("CMS_RENDITION_RATIOS", "32:18,1:1")
    settings = Settings(_env_file=None)
    assert settings.rendition_widths == [320, 640]
    assert settings.rendition_ratios == ["16:9", "1:1", "9:16"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CMS_RENDITION_WIDTHS", "0,320"),
        ("CMS_RENDITION_WIDTHS", "wide"),
        ("CMS_RENDITION_RATIOS", "16/9"),
        ("CMS_RENDITION_RATIOS", "20:1"),
        ("CMS_SECRET_KEY", "short"),
    ],
)
def test_bad_rendition_settings_fail_at_start_up(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name.removeprefix("CMS_").lower()):
        Settings(_env_file=None)


def _size(rendition: Rendition) -> tuple[int, int]:
    return rendition.width, rendition.height
