"""HTTP ``Range`` requests (RFC 9110 section 14): which bytes of a file a client asks for.

A pure parser: no I/O. One range is served; anything else (several ranges, another unit, a
malformed header) is ignored, as the RFC allows, and the whole file is sent.
"""

from __future__ import annotations

import re

_SPEC = re.compile(r"bytes=(?:(\d{1,18})-(\d{0,18})|-(\d{1,18}))", re.IGNORECASE)
"""One ``bytes`` range: ``first-``, ``first-last`` or ``-suffix`` (18 digits: up to an exabyte)."""


class RangeNotSatisfiable(ValueError):
    """A well-formed range that names no byte of the file (answer ``416``)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"no byte of a {size}-byte file is in the range")
        self.size = size


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The bytes ``start`` to ``end`` (exclusive) that ``header`` asks of a ``size``-byte file.

    None to send the whole file (no header, or one this parser ignores); raises
    :class:`RangeNotSatisfiable` when the range starts past the end or asks for no byte.
    """
    found = _SPEC.fullmatch(header.strip()) if header else None
    if found is None:
        return None
    first, last, suffix = found.groups()
    if suffix is not None:
        if int(suffix) == 0 or size == 0:
            raise RangeNotSatisfiable(size)
        return max(size - int(suffix), 0), size
    start = int(first)
    if last and int(last) < start:
        return None  # invalid: ignored
    if start >= size:
        raise RangeNotSatisfiable(size)
    return start, size if not last else min(int(last) + 1, size)
