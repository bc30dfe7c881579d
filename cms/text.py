"""Vietnamese-aware text handling: one place for NFC, folding and slugs.

Everything that stores, compares or slugs text goes through here, so that a title typed on macOS
(NFD), a Windows export with ``Ð`` (U+00D0, Icelandic eth) where ``Đ`` (U+0110) was meant and a
clean NFC string all end up as the same bytes.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["SLUG_MAX_LENGTH", "excerpt", "fold", "normalize", "slugify"]

SLUG_MAX_LENGTH = 120
"""Slugs longer than this are cut at the last word boundary before it."""

# Look-alikes that Vietnamese sites type in place of the right letter. U+00D0/U+00F0 (eth) render
# like Đ/đ (U+0110/U+0111) in most fonts but are different letters, so search and slugs miss them.
_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})
# Letters that Unicode does not decompose, so stripping combining marks leaves them in place.
_UNDECOMPOSED = str.maketrans({"\u0111": "d", "\u0110": "D"})
# Control characters other than tab and newline: never meaningful in stored text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Candidate sentence ends: . ! ? or … then a space; a capital letter must follow (checked in code).
_SENTENCE_END = re.compile(r"[.!?…]\s+[\"“'(]?(\w)")


def normalize(text: str) -> str:
    """NFC, with look-alike letters replaced and stray control characters dropped.

    >>> normalize("Ðà Nẵng") == "Đà Nẵng"
    True
    """
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return unicodedata.normalize("NFC", text.translate(_LOOKALIKES))


def fold(text: str) -> str:
    """Lower-case ASCII-ish form for accent-insensitive comparison: ``Hội nghị`` -> ``hoi nghi``.

    ``đ``/``Đ`` become ``d`` (they have no decomposition); other marks are stripped. Characters
    outside Latin (CJK, emoji) are kept as they are.
    """
    decomposed = unicodedata.normalize("NFKD", normalize(text).translate(_UNDECOMPOSED))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped).casefold()


def slugify(text: str, max_length: int = SLUG_MAX_LENGTH) -> str:
    """ASCII, lower-case, hyphen-separated: ``Hội nghị sơ kết`` -> ``hoi-nghi-so-ket``.

    Returns an empty string when nothing sluggable is left (for example an all-emoji title);
    callers choose a fallback.
    """
    slug = _NON_ALNUM.sub("-", fold(text)).strip("-")
    if len(slug) <= max_length:
        return slug
    cut = slug[: max_length + 1]
    return (cut.rsplit("-", 1)[0] if "-" in cut else cut[:max_length]).strip("-")


def excerpt(text: str, max_length: int = 300) -> str:
    """The first sentence of ``text``, cut at a word boundary with ``…`` if it is too long."""
    flat = " ".join(text.split())
    ends = (m for m in _SENTENCE_END.finditer(flat) if m.group(1).isupper())
    first = flat[: m.start() + 1] if (m := next(ends, None)) else flat
    if len(first) <= max_length:
        return first
    cut = first[: max_length - 1].rsplit(" ", 1)[0].rstrip(",;:–- ")
    return f"{cut}…"
