"""What an app paints before the photo arrives: a BlurHash and the dominant colour.

Both come from a copy of at most :data:`SIZE` pixels a side, turned as displayed.
"""

from __future__ import annotations

from dataclasses import dataclass

import PIL.Image
from blurhash import _functions as _blurhash
from PIL.Image import Transpose

SIZE = 64
"""Longest side of the copy the placeholder is computed from."""

COMPONENTS = (4, 3)
"""BlurHash components across and down (for a landscape picture; swapped for a portrait)."""

TURNS = {
    2: Transpose.FLIP_LEFT_RIGHT,
    3: Transpose.ROTATE_180,
    4: Transpose.FLIP_TOP_BOTTOM,
    5: Transpose.TRANSPOSE,
    6: Transpose.ROTATE_270,
    7: Transpose.TRANSVERSE,
    8: Transpose.ROTATE_90,
}
"""How to turn a picture stored with an EXIF orientation (2 to 8) for display."""


@dataclass(frozen=True, slots=True)
class Placeholder:
    blurhash: str
    """A BlurHash string (https://blurha.sh), about 30 characters."""
    color: str
    """The dominant colour, ``#rrggbb``."""


def placeholder_of(image: PIL.Image.Image, orientation: int) -> Placeholder:
    """The placeholder of ``image`` (its current frame), displayed with EXIF ``orientation``."""
    scale = SIZE / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # Straight from the decoded picture to a small one (no full-size copy on the way).
    small = (
        image.resize(size, PIL.Image.Resampling.BICUBIC, reducing_gap=2.0)
        if scale < 1
        else image.copy()
    )
    small = _turned(_on_white(small), orientation)
    across, down = COMPONENTS if small.width >= small.height else COMPONENTS[::-1]
    return Placeholder(encode_blurhash(small, across, down), dominant_color(small))


def encode_blurhash(image: PIL.Image.Image, across: int, down: int) -> str:
    """The BlurHash of an RGB ``image``.

    Calls blurhash-python's C function directly: its ``encode()`` reads pixels through Pillow's
    ``getdata`` (deprecated in Pillow 13, gone in 14), into a list of every byte, and closes the
    image it is given.
    """
    ffi, lib = _blurhash.ffi, _blurhash.lib
    pixels = ffi.from_buffer(image.tobytes())
    out = ffi.new("char[]", 2 + 4 + (9 * 9 - 1) * 2 + 1)
    found = lib.create_hash_from_pixels(
        across, down, image.width, image.height, pixels, image.width * 3, out
    )
    if found == ffi.NULL:
        raise ValueError(f"BlurHash components out of range: {across}x{down}")
    return str(ffi.string(found).decode("ascii"))


def dominant_color(image: PIL.Image.Image) -> str:
    """The colour covering most of an RGB ``image``, after reducing it to a few colours."""
    reduced = image.quantize(colors=6, method=PIL.Image.Quantize.MEDIANCUT)
    palette = reduced.getpalette() or [0, 0, 0]
    counts = reduced.getcolors() or [(1, 0)]
    index = int(str(max(counts)[1]))
    red, green, blue = palette[index * 3 : index * 3 + 3]
    return f"#{red:02x}{green:02x}{blue:02x}"


def _on_white(image: PIL.Image.Image) -> PIL.Image.Image:
    """RGB, with any transparency laid over white (as most pages are)."""
    if image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = PIL.Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return PIL.Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _turned(image: PIL.Image.Image, orientation: int) -> PIL.Image.Image:
    method = TURNS.get(orientation)
    return image.transpose(method) if method is not None else image
