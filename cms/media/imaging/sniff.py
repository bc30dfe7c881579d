"""What a file is, from its first bytes: never from its name or the type a client declared."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import features

HEAD_BYTES = 64
"""How many bytes of a file :func:`sniff` looks at."""


@dataclass(frozen=True, slots=True)
class Format:
    """A file format the CMS takes."""

    name: str
    """Pillow's name for it (``JPEG``): the one plugin allowed to open the file."""
    mime_type: str
    extension: str


JPEG = Format("JPEG", "image/jpeg", "jpg")
PNG = Format("PNG", "image/png", "png")
GIF = Format("GIF", "image/gif", "gif")
WEBP = Format("WEBP", "image/webp", "webp")
AVIF = Format("AVIF", "image/avif", "avif")

_AVIF_BRANDS = (b"avif", b"avis")

_NOT_TAKEN = (
    (b"<svg", "an SVG drawing"),
    (b"<?xml", "an XML document (SVG?)"),
    (b"<!doctype html", "an HTML page"),
    (b"<html", "an HTML page"),
    (b"<script", "a script"),
    (b"%pdf", "a PDF document"),
    (b"#!", "a script"),
    (b"pk\x03\x04", "a ZIP archive"),
    (b"bm", "a BMP image"),
    (b"ii*\x00", "a TIFF image"),
    (b"mm\x00*", "a TIFF image"),
)
"""Files often passed off as photos, named in the refusal (a guess, for the message only)."""


def accepted() -> tuple[Format, ...]:
    """The formats taken here: AVIF only where the installed Pillow reads it."""
    avif = (AVIF,) if features.check("avif") else ()
    return (JPEG, PNG, GIF, WEBP, *avif)


def sniff(head: bytes) -> Format | None:
    """The format whose signature starts ``head`` (a file's first :data:`HEAD_BYTES` bytes).

    The signature must be at offset 0: an HTML page with a JPEG appended is HTML.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if _is_avif(head) and AVIF in accepted():
        return AVIF
    return None


def _is_avif(head: bytes) -> bool:
    """An ISO media file (``ftyp`` box first) whose brands name AVIF."""
    if head[4:8] != b"ftyp":
        return False
    size = int.from_bytes(head[:4], "big")
    brands = head[8:12] + head[16 : min(size, len(head))]
    return any(brands[i : i + 4] in _AVIF_BRANDS for i in range(0, len(brands), 4))


def describe(head: bytes) -> str:
    """What a refused file seems to be, for the message ("an SVG drawing"), or a plain phrase."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not start:
        return "an empty file"
    for signature, name in _NOT_TAKEN:
        if start.startswith(signature):
            return name
    return "not an image file"


def names() -> str:
    """The accepted formats for a message: ``JPEG, PNG, GIF, WebP or AVIF``."""
    shown = [{"WEBP": "WebP"}.get(f.name, f.name) for f in accepted()]
    return f"{', '.join(shown[:-1])} or {shown[-1]}"
