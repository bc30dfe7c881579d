"""Metadata out, pixels untouched: a file rewritten without what can tell where, by whom or with
which camera a photo was taken.

Each format's walker reads the file's structure (never its pixels) and says which byte ranges
to keep, and what new bytes to put between them (a :data:`Plan`): EXIF (GPS, serial numbers,
maker notes, dates), XMP, IPTC, comments and text chunks go; the colour profile, the pixels and
the animation stay. EXIF is replaced by one holding the orientation alone, so the picture still
displays the right way up. Anything after the format's end marker (an appended HTML page, a
phone's motion-photo video) is dropped. AVIF files holding metadata are re-encoded (rewriting
their boxes is not worth its risk); those without are kept as they are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import PIL.Image
from PIL import ImageOps

from cms.core.errors import InvalidImage
from cms.media.imaging import sniff
from cms.media.imaging.inspect import ORIENTATION
from cms.media.imaging.walkers import Plan, Truncated, gif_plan, jpeg_plan, png_plan, webp_plan

COPY_BYTES = 1024 * 1024
AVIF_QUALITY = 90


@dataclass(frozen=True, slots=True)
class Written:
    """A cleaned copy: its size and SHA-256 (hex), computed as it was written."""

    size: int
    sha256: str


def clean(
    source: Path, fmt: sniff.Format, orientation: int, target: Path, name: str
) -> Written | None:
    """Write ``source`` without its metadata to ``target``; None (and nothing written) when there
    was nothing to remove. :class:`InvalidImage` naming ``name`` if the structure is broken."""
    if fmt is sniff.AVIF:
        return _clean_avif(source, target)
    size = source.stat().st_size
    try:
        with source.open("rb") as f:
            plan = _plan(f, size, fmt, minimal_exif(orientation))
    except Truncated as error:
        raise InvalidImage(f"{name}: {error}", field="file") from None
    if plan == [(0, size)]:
        return None
    return _write(source, plan, target)


def minimal_exif(orientation: int) -> bytes | None:
    """EXIF (a TIFF structure, without the ``Exif\\0\\0`` prefix) holding only the orientation;
    None for an upright picture (1), which needs none."""
    if orientation == 1:
        return None
    exif = PIL.Image.Exif()
    exif[ORIENTATION] = orientation
    return exif.tobytes()[6:]


def _plan(f: BinaryIO, size: int, fmt: sniff.Format, exif: bytes | None) -> Plan:
    if fmt is sniff.JPEG:
        return jpeg_plan(f, size, exif)
    if fmt is sniff.PNG:
        return png_plan(f, size, exif)
    if fmt is sniff.WEBP:
        return webp_plan(f, size, exif)
    return gif_plan(f, size)


def _write(source: Path, plan: Plan, target: Path) -> Written:
    digest = hashlib.sha256()
    total = 0
    with source.open("rb") as f, target.open("wb") as out:
        for piece in plan:
            for chunk in _chunks(f, piece):
                digest.update(chunk)
                out.write(chunk)
                total += len(chunk)
    return Written(total, digest.hexdigest())


def _chunks(f: BinaryIO, piece: bytes | tuple[int, int]) -> Iterator[bytes]:
    """A piece of a plan as chunks: new bytes as they are, a range of the source read in parts."""
    if isinstance(piece, bytes):
        yield piece
        return
    start, end = piece
    f.seek(start)
    while (left := end - f.tell()) > 0 and (chunk := f.read(min(left, COPY_BYTES))):
        yield chunk


def _clean_avif(source: Path, target: Path) -> Written | None:
    with PIL.Image.open(source, formats=["AVIF"]) as image:
        if not ({"exif", "xmp"} & set(image.info)) and not image.getexif():
            return None
        turned = ImageOps.exif_transpose(image)
        turned.save(target, format="AVIF", quality=AVIF_QUALITY)
    digest = hashlib.sha256()
    with target.open("rb") as f:
        while chunk := f.read(COPY_BYTES):
            digest.update(chunk)
    return Written(target.stat().st_size, digest.hexdigest())
