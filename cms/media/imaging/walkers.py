"""The structure of JPEG, PNG, WebP and GIF files, walked without decoding a pixel.

Each ``*_plan`` reads a file's segments, chunks or blocks and returns a :data:`Plan`: the byte
ranges to keep and the new bytes to put between them. Metadata is left out (see
:mod:`cms.media.imaging.clean`), and so is everything after the format's end.
"""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

Plan = list[bytes | tuple[int, int]]
"""New bytes, or a ``(start, end)`` range of the source, in the order they are written."""

SCAN_BYTES = 1024 * 1024


class Truncated(ValueError):
    """The structure ends early or contradicts itself (the message says where)."""


def _read(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise Truncated(f"the file ends early, at byte {f.tell()}")
    return data


def _keep(plan: Plan, start: int, end: int) -> None:
    """Add a range, joined to the previous one when they touch."""
    last = plan[-1] if plan else None
    if isinstance(last, tuple) and last[1] == start:
        plan[-1] = (last[0], end)
    else:
        plan.append((start, end))


# --- JPEG ----------------------------------------------------------------------------------

_SOI, _EOI, _SOS, _APP0, _APP1, _APP2, _APP14, _COM = 0xD8, 0xD9, 0xDA, 0xE0, 0xE1, 0xE2, 0xEE, 0xFE
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and the restart markers carry no length


def jpeg_plan(f: BinaryIO, size: int, exif: bytes | None) -> Plan:
    """Keep the coding segments, the JFIF header (without thumbnail), the ICC profile and the
    Adobe colour segment; drop EXIF, XMP, IPTC, MPF, other APPn and comments; stop at EOI."""
    if _read(f, 2) != b"\xff\xd8":
        raise Truncated("no JPEG start marker")
    plan: Plan = []
    _keep(plan, 0, 2)
    pending = _jpeg_segment(_APP1, b"Exif\x00\x00" + exif) if exif else None
    while True:
        marker, start = _jpeg_marker(f)
        if marker == _EOI:
            _keep(plan, start, start + 2)
            return _with(plan, pending)
        if marker in _STANDALONE:
            _keep(plan, start, start + 2)
            continue
        length = struct.unpack(">H", _read(f, 2))[0]
        end = start + 2 + length
        if length < 2 or end > size:
            raise Truncated(f"a JPEG segment runs past the end of the file (at byte {start})")
        head = f.read(min(length - 2, 14))
        if _jpeg_keeps(marker, head, length):
            if not (marker == _APP0 and len(plan) == 1):
                plan, pending = _with(plan, pending), None
            _keep(plan, start, end)
        if marker == _SOS:
            f.seek(end)
            scan_end = _entropy_end(f)
            _keep(plan, end, scan_end)
            end = scan_end
        f.seek(end)


def _with(plan: Plan, pending: bytes | None) -> Plan:
    if pending is not None:
        plan.append(pending)
    return plan


def _jpeg_segment(marker: int, body: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(body) + 2) + body


def _jpeg_marker(f: BinaryIO) -> tuple[int, int]:
    """The next marker and where it starts (fill bytes before it skipped)."""
    start = f.tell()
    if _read(f, 1) != b"\xff":
        raise Truncated(f"no JPEG marker where one must be (byte {start})")
    while (byte := _read(f, 1)) == b"\xff":
        start += 1
    if byte[0] == _SOI:
        raise Truncated(f"a second JPEG start marker (byte {start})")
    return byte[0], start


def _jpeg_keeps(marker: int, head: bytes, length: int) -> bool:
    if marker == _APP0:
        return head.startswith(b"JFIF\x00") and length == 16  # no embedded thumbnail
    if marker == _APP2:
        return head.startswith(b"ICC_PROFILE\x00")
    if marker == _APP14:
        return head.startswith(b"Adobe")
    return not (_APP0 <= marker <= 0xEF or marker == _COM)


def _entropy_end(f: BinaryIO) -> int:
    """Where the compressed data of a scan ends: the next 0xFF that is not a stuffed byte
    (``FF 00``) or a restart marker (``FF D0``..``FF D7``)."""
    base = f.tell()
    carry = b""
    while chunk := f.read(SCAN_BYTES):
        data = carry + chunk
        at = data.find(b"\xff")
        while at != -1 and at + 1 < len(data):
            following = data[at + 1]
            if following != 0 and not 0xD0 <= following <= 0xD7:
                return base + at
            at = data.find(b"\xff", at + 2)
        carry = data[-1:] if at == len(data) - 1 else b""
        base += len(data) - len(carry)
    raise Truncated("the JPEG has no end marker")


# --- PNG -----------------------------------------------------------------------------------

_PNG_KEEP = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB",
    b"cICP", b"mDCV", b"cLLI", b"bKGD", b"pHYs", b"hIST", b"sPLT", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip
"""Chunks that draw the picture; text (``tEXt``, ``zTXt``, ``iTXt``: XMP too), ``eXIf``,
``tIME`` and private chunks are dropped."""


def png_plan(f: BinaryIO, size: int, exif: bytes | None) -> Plan:
    """Keep the drawing chunks, each with its checksum; EXIF goes in right after ``IHDR``."""
    _read(f, 8)
    plan: Plan = []
    _keep(plan, 0, 8)
    while True:
        start = f.tell()
        length, kind = struct.unpack(">I4s", _read(f, 8))
        end = start + 12 + length
        if end > size:
            raise Truncated(f"a PNG chunk runs past the end of the file (at byte {start})")
        if kind in _PNG_KEEP:
            _keep(plan, start, end)
        if kind == b"IHDR" and exif:
            plan.append(_png_chunk(b"eXIf", exif))
        if kind == b"IEND":
            return plan
        f.seek(end)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


# --- WebP ----------------------------------------------------------------------------------

_WEBP_KEEP = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
_EXIF_FLAG, _XMP_FLAG = 0x08, 0x04


def webp_plan(f: BinaryIO, size: int, exif: bytes | None) -> Plan:
    """Keep the image chunks and the colour profile, drop ``EXIF`` and ``XMP `` (and their flags
    in ``VP8X``), end where the RIFF container says."""
    riff_end = 8 + struct.unpack("<4sI4s", _read(f, 12))[1]
    if riff_end > size:
        raise Truncated("the WebP container is longer than the file")
    body: Plan = []
    has_vp8x = False
    while (start := f.tell()) + 8 <= riff_end:
        kind, length = struct.unpack("<4sI", _read(f, 8))
        end = start + 8 + length + (length & 1)
        if end > riff_end:
            raise Truncated(f"a WebP chunk runs past the container (at byte {start})")
        if kind == b"VP8X":
            has_vp8x = True
            data = _read(f, length)
            flags = (data[0] & ~(_EXIF_FLAG | _XMP_FLAG)) | (_EXIF_FLAG if exif else 0)
            if flags == data[0]:
                _keep(body, start, end)
            else:
                body.append(b"VP8X" + struct.pack("<I", length) + bytes((flags,)) + data[1:])
        elif kind in _WEBP_KEEP:
            _keep(body, start, end)
        f.seek(end)
    if exif and has_vp8x:
        body.append(b"EXIF" + struct.pack("<I", len(exif)) + exif + b"\x00" * (len(exif) & 1))
    return _riff(body, size, riff_end)


def _riff(body: Plan, size: int, riff_end: int) -> Plan:
    length = 4 + sum(len(p) if isinstance(p, bytes) else p[1] - p[0] for p in body)
    header = b"RIFF" + struct.pack("<I", length) + b"WEBP"
    if length + 8 == riff_end == size and body == [(12, size)]:
        return [(0, size)]
    return [header, *body]


# --- GIF -----------------------------------------------------------------------------------

_GIF_APPS = {b"NETSCAPE2.0", b"ANIMEXTS1.0", b"ICCRGBG1012"}
"""Application extensions kept: looping, and the colour profile. XMP and others are dropped."""


def gif_plan(f: BinaryIO, size: int) -> Plan:
    """Keep the screen, the frames, frame timing and looping; drop comments and metadata."""
    screen = _read(f, 13)
    plan: Plan = []
    _keep(plan, 0, 13 + _color_table(screen[10]))
    f.seek(plan_end(plan))
    while True:
        start = f.tell()
        kind = _read(f, 1)[0]
        if kind == 0x3B:  # trailer
            _keep(plan, start, start + 1)
            return plan
        if kind == 0x2C:  # an image: descriptor, colour table, LZW code size, data
            descriptor = _read(f, 9)
            f.seek(f.tell() + _color_table(descriptor[8]) + 1)
            _skip_blocks(f)
            _keep(plan, start, f.tell())
        elif kind == 0x21:
            label = _read(f, 1)[0]
            first = _read(f, 1)[0]
            identifier = _read(f, first)
            if first:
                _skip_blocks(f)
            if label in {0xF9, 0x01} or (label == 0xFF and identifier[:11] in _GIF_APPS):
                _keep(plan, start, f.tell())
        else:
            raise Truncated(f"an unknown GIF block (byte {start})")


def plan_end(plan: Plan) -> int:
    last = plan[-1]
    assert isinstance(last, tuple)
    return last[1]


def _color_table(flags: int) -> int:
    return 3 * (2 << (flags & 0x07)) if flags & 0x80 else 0


def _skip_blocks(f: BinaryIO) -> None:
    while length := _read(f, 1)[0]:
        f.seek(f.tell() + length)
