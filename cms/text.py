"""Vietnamese-aware text handling: one place for NFC, folding, words, sort keys and slugs.

Everything that stores, compares or slugs text goes through here, so that a title typed on macOS
(NFD), a Windows export with ``Ð`` (U+00D0, Icelandic eth) where ``Đ`` (U+0110) was meant and a
clean NFC string all end up as the same bytes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "SLUG_MAX_LENGTH",
    "SORT_KEY_SEPARATOR",
    "WORD",
    "WORD_CHAR",
    "Word",
    "excerpt",
    "fold",
    "fold_aligned",
    "normalize",
    "slugify",
    "sort_key",
    "words",
]

SLUG_MAX_LENGTH = 120
"""Slugs longer than this are cut at the last word boundary before it."""
SORT_KEY_SEPARATOR = "."
"""The one non-alphanumeric character of a sort key: it separates the key's levels."""

# Look-alikes that Vietnamese sites type in place of the right letter. U+00D0/U+00F0 (eth) render
# like Đ/đ (U+0110/U+0111) in most fonts but are different letters, so search and slugs miss them.
_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})
# Letters that Unicode does not decompose, so stripping combining marks leaves them in place.
_UNDECOMPOSED = str.maketrans({"\u0111": "d", "\u0110": "D"})
_D_LETTERS = frozenset("\u0110\u0111\u00d0\u00f0")  # Đ đ and their look-alikes Ð ð
# Control characters other than tab and newline: never meaningful in stored text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# A word: a run of alphanumeric characters (``\w`` is exactly ``str.isalnum()`` plus ``_``).
WORD_CHAR = r"[^\W_]"
"""The regular expression of one character of a word (of folded text): alphanumeric."""
WORD = re.compile(WORD_CHAR + "+")
"""A word of folded text: what :func:`words` splits on, and all that search matches."""
_NUMBER_OR_CHARACTER = re.compile(r"([0-9]+)|.", re.DOTALL)
# Candidate sentence ends: . ! ? or … then a space; a capital letter must follow (checked in code).
_SENTENCE_END = re.compile(r"[.!?…]\s+[\"“'(]?(\w)")


def normalize(text: str) -> str:
    """NFC, with look-alike letters replaced and stray control characters dropped.

    >>> normalize("Ðà Nẵng") == "Đà Nẵng"
    True
    """
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if "\u00d0" in text or "\u00f0" in text:  # translate() is slow: skip it when it is a no-op
        text = text.translate(_LOOKALIKES)
    return unicodedata.normalize("NFC", text)


# --- folding -------------------------------------------------------------------------------------


def _fold_char(char: str) -> str:
    """The one-character fold of ``char``: lower case, Latin diacritics removed, ``đ`` -> ``d``.

    A character whose fold would be several characters (``ß``, ``ﬁ``, ``½``) or that is not
    Latin (CJK, Cyrillic, emoji) is only lower-cased, and only when that keeps it one character.
    """
    if char in _D_LETTERS:
        return "d"
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if len(base) == 1 and (base.isascii() or "LATIN" in unicodedata.name(base, "")):
        char = base
    for lowered in (char.casefold(), char.lower()):
        if len(lowered) == 1:
            return lowered
    return char


class _FoldTable(dict[int, str]):
    """``str.translate`` table filled on first use; capped so hostile input cannot grow it."""

    LIMIT = 50_000

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(self) < self.LIMIT:
            self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold_aligned(text: str) -> str:
    """The character-by-character fold of already-normalized ``text``: ``Hội`` -> ``hoi``.

    ``len(fold_aligned(text)) == len(text)``: index ``i`` of the result is the fold of
    ``text[i]``, so positions found in folded text mark the original.
    """
    return text.translate(_FOLD)


def fold(text: str) -> str:
    """Lower-case, accent-free form for comparison: ``Hội nghị`` -> ``hoi nghi``.

    ``fold_aligned(normalize(text))``: ``đ``/``Đ`` (and ``Ð``) become ``d``, Latin marks are
    stripped, and the result is as long as ``normalize(text)``. Characters outside Latin (CJK,
    emoji) are kept as they are.
    """
    return fold_aligned(normalize(text))


# --- words ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a text: ``text[start:end]``, folded and as written (lower case)."""

    start: int
    end: int
    folded: str
    exact: str


def words(text: str) -> list[Word]:
    """The words of already-normalized ``text``: runs of characters whose fold is alphanumeric.

    Spaces, NBSP, zero-width characters, punctuation, hyphens and apostrophes separate words;
    ``exact`` keeps the accents (``Đồng`` -> ``đồng``), ``folded`` drops them (``dong``).
    """
    folded = fold_aligned(text)
    spans = [m.span() for m in WORD.finditer(folded)]
    lowered = text.lower().replace("ð", "đ")
    if len(lowered) == len(text) and unicodedata.is_normalized("NFC", lowered):
        return [Word(s, e, folded[s:e], lowered[s:e]) for s, e in spans]
    # Rare: lower() changed a length (``İ`` -> ``i̇``), so the lowered text does not line up.
    return [Word(s, e, folded[s:e], _exact(text[s:e])) for s, e in spans]


def _exact(word: str) -> str:
    return unicodedata.normalize("NFC", word.lower().replace("ð", "đ"))


# --- sort keys -----------------------------------------------------------------------------------

# Primary level, one character per letter in Vietnamese alphabetical order (f j w z, which
# Vietnamese does not use, in their Latin places). "0" separates words, "1" starts a number and
# "z" starts any other character; so words < numbers < letters < everything else.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_CODE = dict(zip(_ALPHABET, "23456789abcdefghijklmnopqrstuvwxy", strict=True))
_WORD_GAP, _NUMBER, _OTHER = "0", "1", "z"
_LENGTH_CODE = "123456789abcdefghijklmnopqrstuvwxyz"  # digits in a number: 1..35
# Secondary level: the tone of each letter, CLDR Vietnamese order; 6 for any other mark.
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
_MODIFIED = {
    ("a", "\u0306"): "ă",
    ("a", "\u0302"): "â",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}


def sort_key(text: str, max_length: int = 255) -> str:
    """A key whose bytewise order is Vietnamese alphabetical order: ``a ă â b … đ … ư v x y``.

    Made of ``a-z``, ``0-9`` and :data:`SORT_KEY_SEPARATOR`: the letters word by word, then
    ``.`` and the tones (none < huyền < hỏi < ngã < sắc < nặng), then ``.`` and the case (lower
    first); each level only counts when the ones before it are equal. Numbers sort before letters
    and by value (``9`` < ``10``); punctuation only separates words. Cut to ``max_length``.
    """
    primary: list[str] = []
    tones: list[str] = []
    cases: list[str] = []
    text = normalize(text)
    for word in words(text):
        if primary:
            primary.append(_WORD_GAP)
        for part in _NUMBER_OR_CHARACTER.finditer(word.folded):
            if part.group(1):
                primary.append(_number(part.group(1)))
                continue
            letter, tone, case = _collate(text[word.start + part.start()])
            primary.append(letter)
            tones.append(tone)
            cases.append(case)
    levels = ("".join(primary), "".join(tones).rstrip("0"), "".join(cases).rstrip("0"))
    return SORT_KEY_SEPARATOR.join(levels).rstrip(SORT_KEY_SEPARATOR)[:max_length]


def _number(digits: str) -> str:
    """A number's primary code: its length, then its digits, so that ``9`` < ``10``."""
    digits = (digits.lstrip("0") or "0")[: len(_LENGTH_CODE)]
    return _NUMBER + _LENGTH_CODE[len(digits) - 1] + digits


@functools.lru_cache(maxsize=4096)
def _collate(char: str) -> tuple[str, str, str]:
    """The primary code, tone digit and case digit of one character of a word (not a digit)."""
    folded = _fold_char(char)
    case = "1" if char != char.lower() else "0"
    if not ("a" <= folded <= "z"):
        return f"{_OTHER}{ord(folded):06x}", "0", case
    letter, tone = "đ" if char in _D_LETTERS else folded, "0"
    for mark in unicodedata.normalize("NFD", char.lower())[1:]:
        if (letter, mark) in _MODIFIED:
            letter = _MODIFIED[letter, mark]
        elif mark in _TONES and tone == "0":
            tone = _TONES[mark]
        else:
            tone = "6"
    return _LETTER_CODE[letter], tone, case


# --- slugs and excerpts --------------------------------------------------------------------------


def slugify(text: str, max_length: int = SLUG_MAX_LENGTH) -> str:
    """ASCII, lower-case, hyphen-separated: ``Hội nghị sơ kết`` -> ``hoi-nghi-so-ket``.

    Returns an empty string when nothing sluggable is left (for example an all-emoji title);
    callers choose a fallback.
    """
    slug = _NON_ALNUM.sub("-", _slug_fold(text)).strip("-")
    if len(slug) <= max_length:
        return slug
    cut = slug[: max_length + 1]
    return (cut.rsplit("-", 1)[0] if "-" in cut else cut[:max_length]).strip("-")


def _slug_fold(text: str) -> str:
    """The fold slugs have always used: unlike :func:`fold` it may expand (``ß`` -> ``ss``)."""
    decomposed = unicodedata.normalize("NFKD", normalize(text).translate(_UNDECOMPOSED))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped).casefold()


def excerpt(text: str, max_length: int = 300) -> str:
    """The first sentence of ``text``, cut at a word boundary with ``…`` if it is too long."""
    flat = " ".join(text.split())
    ends = (m for m in _SENTENCE_END.finditer(flat) if m.group(1).isupper())
    first = flat[: m.start() + 1] if (m := next(ends, None)) else flat
    if len(first) <= max_length:
        return first
    cut = first[: max_length - 1].rsplit(" ", 1)[0].rstrip(",;:–- ")
    return f"{cut}…"
