"""Whether a file is a whole, decodable picture within the limits, and what it looks like.

Pillow opens the file with one plugin only (the one the bytes named), checks its structure
(``verify``), then a fresh copy decodes every pixel of every frame (``load``). The pixel count is
checked from the header, before anything is decoded: a small file that declares 20000x20000
pixels (a decompression bomb) is refused without allocating them.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import PIL.Image
from PIL import UnidentifiedImageError

from cms.core.errors import ImageTooLarge, InvalidImage
from cms.media.imaging import sniff
from cms.media.imaging.placeholder import Placeholder, placeholder_of

ORIENTATION = 0x0112
"""The EXIF tag saying how to turn the picture for display (1: as stored)."""

DECODING_AT_ONCE = 2
"""Pictures decoded at once per process: each needs its pixels in memory (a JPEG an eighth of
them, see :func:`_decode`), so concurrent uploads wait their turn rather than add up."""
_decoding = threading.BoundedSemaphore(DECODING_AT_ONCE)

_TURNED = {5, 6, 7, 8}
"""Orientations that display the picture turned by 90 degrees (width and height swap)."""

# Pillow warns (and only warns) about a picture between its MAX_IMAGE_PIXELS and twice that: here
# that is a refusal, as above twice it. Set once for the process, never toggled per call (warning
# filters are global: toggling them from worker threads would race).
warnings.filterwarnings("error", category=PIL.Image.DecompressionBombWarning)


@dataclass(frozen=True, slots=True)
class Picture:
    """What decoding a file showed."""

    format: sniff.Format
    width: int
    """As displayed: EXIF orientation applied."""
    height: int
    orientation: int
    """The EXIF orientation (1 to 8) the file had; 1 when it had none."""
    frames: int
    placeholder: Placeholder


def inspect(path: Path, max_pixels: int, name: str) -> Picture:
    """Check the file at ``path`` and decode it whole; :class:`InvalidImage` (or
    :class:`ImageTooLarge`) naming ``name`` if it is not a picture the CMS takes."""
    fmt = _format(path, name)
    with _refusals(name):
        with PIL.Image.open(path, formats=[fmt.name]) as image:
            _check_pixels(image.size, 1, max_pixels, name)
            image.verify()  # the structure (PNG checksums, JPEG markers); it decodes nothing
        with _decoding, PIL.Image.open(path, formats=[fmt.name]) as image:
            frames = getattr(image, "n_frames", 1)
            _check_pixels(image.size, frames, max_pixels, name)
            orientation = _orientation(image)
            width, height = image.size  # a JPEG's shrinks as it is decoded (see _decode)
            _decode(image, frames)
            image.seek(0)
            shown = placeholder_of(image, orientation)
    if orientation in _TURNED:
        width, height = height, width
    return Picture(fmt, width, height, orientation, frames, shown)


def _format(path: Path, name: str) -> sniff.Format:
    with path.open("rb") as f:
        head = f.read(sniff.HEAD_BYTES)
    found = sniff.sniff(head)
    if found is None:
        raise InvalidImage(
            f"{name}: {sniff.describe(head)}; the CMS takes {sniff.names()} images.", field="file"
        )
    return found


def _check_pixels(size: tuple[int, int], frames: int, max_pixels: int, name: str) -> None:
    width, height = size
    if width * height * frames > max_pixels:
        what = f"{width}x{height} pixels" + (f" in {frames} frames" if frames > 1 else "")
        raise ImageTooLarge(f"{name}: {what}, more than {max_pixels:,} in all.", field="file")


def _orientation(image: PIL.Image.Image) -> int:
    value = image.getexif().get(ORIENTATION, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _decode(image: PIL.Image.Image, frames: int) -> None:
    """Decode every frame. A JPEG decodes at an eighth of its size (every block of the file is
    still decoded; the pixels take 1/64 of the memory): a truncated file fails either way."""
    if image.format == "JPEG":
        image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
    for frame in range(frames):
        image.seek(frame)
        image.load()


@contextmanager
def _refusals(name: str) -> Iterator[None]:
    """Pillow's ways of refusing a file, as the errors the API shows."""
    try:
        yield
    except (PIL.Image.DecompressionBombError, PIL.Image.DecompressionBombWarning):
        raise ImageTooLarge(f"{name}: too many pixels.", field="file") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError):
        raise InvalidImage(f"{name}: not a whole, readable image.", field="file") from None
