"""Renditions: which resized copy of a picture a request gets, worked out without Pillow or SQL.

A client asks for a width (and maybe a height, a fit and a format); :func:`plan` answers the one
rendition it gets: the width snapped *up* to the allow-list (never above what the picture can
give, never enlarged), the height from an allowed aspect ratio, and, when the picture must be
cropped, the focal point to crop around. A rendition is named by its pixel size, its focal point
(only when it crops) and its format, so that equal results share one file::

    renditions/<content hash>/640x360-f500-300.webp      cropped around (0.5, 0.3)
    renditions/<content hash>/640x427.webp               the whole picture, scaled

Everything here is pure: no I/O. :mod:`cms.media.rendition_urls` signs the names,
:mod:`cms.media.storage.renditions` makes the files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from cms.core.errors import InvalidInput

FOCAL_STEPS = 1000
"""A focal point is kept to 1/1000 of the picture's width and height in names (per mille)."""

CENTRE = (FOCAL_STEPS // 2, FOCAL_STEPS // 2)
"""The default focal point: the middle of the picture."""

MAX_REQUEST = 100_000
"""Largest width or height a request may name (anything larger is a mistake, not a screen)."""

RATIO = re.compile(r"([1-9][0-9]{0,2}):([1-9][0-9]{0,2})")
"""An aspect ratio as written in the settings: ``width:height`` (``16:9``)."""


class Fit(Enum):
    """How a picture fills a width and height of another shape."""

    COVER = "cover"
    """Fill the box, cropping around the focal point."""
    CONTAIN = "contain"
    """Fit inside the box, whole (one side may come out shorter)."""


class Format(Enum):
    """A rendition's file format, with the extension of its files."""

    AUTO = ""
    WEBP = "webp"
    JPEG = "jpg"
    PNG = "png"
    AVIF = "avif"

    @property
    def extension(self) -> str:
        return self.value


BY_EXTENSION = {f.extension: f for f in Format if f is not Format.AUTO}


@dataclass(frozen=True, slots=True)
class Source:
    """What planning needs to know of the original: all of it is on its database row."""

    content_hash: str
    width: int
    height: int
    focal_x: float = 0.5
    focal_y: float = 0.5

    @property
    def focal(self) -> tuple[int, int]:
        """The focal point in thousandths, within the picture (0..1000 each)."""
        return _per_mille(self.focal_x), _per_mille(self.focal_y)


@dataclass(frozen=True, slots=True)
class Rendition:
    """One resized copy of one picture: a file in the store once someone asked for it."""

    content_hash: str
    width: int
    height: int
    format: Format
    focal: tuple[int, int] | None = None
    """Where to crop around (thousandths), or None when the rendition is the whole picture."""

    @property
    def name(self) -> str:
        """Its parameters, as in its file name: ``640x360`` or ``640x360-f500-300``."""
        size = f"{self.width}x{self.height}"
        return size if self.focal is None else f"{size}-f{self.focal[0]}-{self.focal[1]}"

    @property
    def key(self) -> str:
        """Its key in the media store."""
        return renditions_prefix(self.content_hash) + f"/{self.name}.{self.format.extension}"


@dataclass(frozen=True, slots=True)
class Policy:
    """What renditions exist: the allowed widths and aspect ratios, and the formats we write."""

    widths: tuple[int, ...]
    ratios: tuple[Fraction, ...]
    """Allowed width:height ratios: a requested height snaps to the nearest one."""
    formats: frozenset[Format]
    """The formats this server writes (AVIF only where Pillow writes it)."""

    @classmethod
    def of(cls, widths: Sequence[int], ratios: Sequence[str], formats: frozenset[Format]) -> Policy:
        return cls(tuple(sorted(set(widths))), tuple(parse_ratio(r) for r in ratios), formats)

    def format(self, asked: Format) -> Format:
        """The format a rendition asked for in ``asked`` gets: ``AUTO`` and formats this server
        cannot write give WebP."""
        return asked if asked in self.formats and asked is not Format.AUTO else Format.WEBP


def focal_point(point: tuple[float, float] | None) -> tuple[float, float]:
    """A focal point as stored: ``(x, y)`` from 0 to 1 each, kept to a thousandth (as URLs name
    it); None is the centre. :class:`InvalidInput` for a point outside the picture."""
    if point is None:
        return 0.5, 0.5
    if not all(math.isfinite(v) and 0 <= v <= 1 for v in point):
        raise InvalidInput(
            "A focal point's `x` and `y` go from 0 to 1 (0, 0 is the top left corner).",
            field="focalPoint",
        )
    return _per_mille(point[0]) / FOCAL_STEPS, _per_mille(point[1]) / FOCAL_STEPS


def renditions_prefix(content_hash: str) -> str:
    """The folder in the store holding every rendition of the picture with this hash."""
    return f"renditions/{content_hash}"


def parse_ratio(text: str) -> Fraction:
    """``"16:9"`` as a width:height :class:`Fraction`; :class:`ValueError` if malformed."""
    found = RATIO.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not an aspect ratio such as 16:9")
    return Fraction(int(found[1]), int(found[2]))


def plan(
    policy: Policy,
    source: Source,
    width: int,
    height: int | None = None,
    fit: Fit = Fit.COVER,
    format: Format = Format.AUTO,
) -> Rendition:
    """The rendition a request for ``width`` (and ``height``) of ``source`` gets.

    :class:`InvalidInput` for a width or height below 1 or absurdly large.
    """
    _check(width, "width")
    target = snap_width(policy.widths, width)
    if height is None:
        size = _scaled(source, target)
    else:
        _check(height, "height")
        ratio = snap_ratio(policy.ratios, Fraction(width, height))
        if fit is Fit.COVER:
            size = _covered(source, target, ratio)
        else:
            size = _contained_in(source, target, max(1, round(target / ratio)))
    return _named(source, size, policy.format(format))


def snap_width(widths: Sequence[int], asked: int) -> int:
    """The smallest allowed width at least ``asked``; the largest one past the end."""
    return next((w for w in widths if w >= asked), widths[-1])


def snap_ratio(ratios: Sequence[Fraction], asked: Fraction) -> Fraction:
    """The allowed ratio nearest ``asked`` (in proportion: 2:1 is as far from 1:1 as 1:2)."""
    return min(ratios, key=lambda r: abs(math.log(r / asked)))


def crop_box(
    width: int, height: int, out_w: int, out_h: int, focal: tuple[int, int] = CENTRE
) -> tuple[int, int, int, int]:
    """The part of a ``width`` x ``height`` picture that an ``out_w`` x ``out_h`` rendition shows:
    the largest box of its shape, centred on the focal point as far as the edges allow.
    ``(left, top, right, bottom)`` as Pillow takes it."""
    if width * out_h > height * out_w:  # the picture is wider: full height, cut the sides
        box_w, box_h = min(width, max(1, round(height * out_w / out_h))), height
    else:
        box_w, box_h = width, min(height, max(1, round(width * out_h / out_w)))
    left = _place(box_w, width, focal[0])
    top = _place(box_h, height, focal[1])
    return left, top, left + box_w, top + box_h


def _place(length: int, total: int, focal: int) -> int:
    """Where a span of ``length`` starts in ``total`` to be centred on ``focal`` (thousandths)."""
    centre = total * focal / FOCAL_STEPS
    return min(max(0, round(centre - length / 2)), total - length)


def _scaled(source: Source, target: int) -> tuple[int, int]:
    """The whole picture at ``target`` wide, or at its own width if narrower."""
    out_w = min(target, source.width)
    return out_w, max(1, round(out_w * source.height / source.width))


def _covered(source: Source, target: int, ratio: Fraction) -> tuple[int, int]:
    """``ratio``-shaped, ``target`` wide, or as wide as the picture's largest such box."""
    box = crop_box(source.width, source.height, ratio.numerator, ratio.denominator)
    out_w = min(target, box[2] - box[0])
    return out_w, max(1, round(out_w / ratio))


def _contained_in(source: Source, box_w: int, box_h: int) -> tuple[int, int]:
    """The whole picture, as large as fits in ``box_w`` x ``box_h`` (never enlarged)."""
    scale = min(box_w / source.width, box_h / source.height, 1.0)
    return max(1, round(source.width * scale)), max(1, round(source.height * scale))


def _named(source: Source, size: tuple[int, int], format: Format) -> Rendition:
    """The rendition of ``size``, with the focal point in its name only when it crops."""
    out_w, out_h = size
    whole = (0, 0, source.width, source.height)
    focal = None if crop_box(*whole[2:], out_w, out_h) == whole else source.focal
    return Rendition(source.content_hash, out_w, out_h, format, focal)


def _check(value: int, field: str) -> None:
    if not 1 <= value <= MAX_REQUEST:
        raise InvalidInput(f"`{field}` must be between 1 and {MAX_REQUEST} pixels.", field=field)


def _per_mille(value: float) -> int:
    return min(FOCAL_STEPS, max(0, round(value * FOCAL_STEPS)))
