"""Pure parser for the plain-text article export of a Vietnamese provincial news portal.

The export looks like this (``·`` stands for a non-breaking space, U+00A0)::

    HỘI NGHỊ SƠ KẾT 6 THÁNG ĐẦU NĂM            <- title: first non-empty line, kept as written
    2023-07-19 22:51:06                       <- timestamp, Vietnam time (Asia/Ho_Chi_Minh)
    ·······Chiều ngày 19/7/2023, ...          <- indented line: one paragraph
    So-ket-1·Hình ảnh đồng chí ...            <- placeholder line with its caption
    So-ket-3 So-ket-4·                        <- placeholder line, caption on the next line
    Một số hình ảnh ...                       <- that caption
    ··························Bích Liên!      <- byline: last line, right-aligned and short

Blank lines are ignored everywhere (they never carry meaning), and "next line" below always means
the next non-empty line.

Placeholder lines
-----------------
A *placeholder token* fully matches ``[A-Za-z0-9]+([-_][A-Za-z0-9]+)*``, contains at least one
ASCII letter and ends in a digit: ``So-ket-1``, ``anh_02``, ``IMG-0045``, ``A4``; not ``2023``,
``So-ket-a`` or ``So--ket-1``. A line is a *placeholder line* when

1. it is not indented (its first character is not whitespace), and
2. it starts with one or more tokens separated by runs of spaces, tabs or non-breaking spaces
   (``So-ket-3 So-ket-4`` or ``So-ket-3·So-ket-4``), and
3. right after the last token comes either
   a. only whitespace up to the end of the line: the caption is on the next line, or
   b. optional spaces/tabs and then a non-breaking space: the rest of the line, stripped, is the
      caption (when that rest is blank, the caption is on the next line).

The placeholders are the longest run of tokens for which 3 holds: in ``anh-1·A4 là khổ giấy``
the figure is ``anh-1`` and the caption ``A4 là khổ giấy`` (``A4`` is followed by an ordinary
space, so it cannot be a placeholder). All the placeholders of a line share its one caption.

So ``Covid-19 đã lan rộng`` or ``So-ket-1 là ảnh đầu`` (an ordinary space followed by a word) and
``So-ket-1 abc·x`` (``abc`` is not a token) are ordinary paragraphs. A caption on the next line
is taken only when that line is not indented, is not itself a placeholder line and is not the
byline; otherwise the figure has caption ``None``. One placeholder line gives one figure.

Every other line of the body is a paragraph: indentation and trailing whitespace are stripped and
inner runs of whitespace (non-breaking spaces included) collapse to one space.

The byline is the last non-empty line when it is indented by at least ``BYLINE_MIN_INDENT``
whitespace characters and its text is at most ``BYLINE_MAX_LENGTH`` characters long; it is split
into authors on a dash (``-``, ``–`` or ``—``) with whitespace on both sides, and each name loses
surrounding punctuation such as ``!`` or ``.``. Otherwise there is no byline and that line is a
paragraph.

All returned strings go through :func:`cms.text.normalize` (NFC, ``Ð`` -> ``Đ``, no control
characters); CRLF/CR line endings and a UTF-8 BOM are accepted. Line numbers are 1-based and count
every line break (``\\r\\n``, ``\\r`` or ``\\n``) of the source.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from cms.text import normalize

__all__ = [
    "BYLINE_MAX_LENGTH",
    "BYLINE_MIN_INDENT",
    "MAX_FILE_CHARS",
    "MAX_TITLE_LENGTH",
    "TIMESTAMP_FORMAT",
    "TIMEZONE",
    "Block",
    "Figure",
    "Paragraph",
    "ParseError",
    "ParsedArticle",
    "parse",
    "parse_bytes",
]

MAX_TITLE_LENGTH = 500
"""Longest accepted title, in characters (after NFC)."""
MAX_FILE_CHARS = 2_000_000
"""Largest accepted input, in characters."""
BYLINE_MIN_INDENT = 20
"""Leading whitespace characters (spaces, tabs, NBSP) that make the last line right-aligned."""
BYLINE_MAX_LENGTH = 80
"""Longest byline text, in characters, once surrounding whitespace is stripped."""
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")

_BOM = "\ufeff"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BYTE_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_TOKEN_PATTERN = r"(?=[0-9_-]*[A-Za-z])[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*(?<=[0-9])"
_PLACEHOLDER_LINE = re.compile(
    rf"(?P<tokens>{_TOKEN_PATTERN}(?:[ \t\u00a0]+{_TOKEN_PATTERN})*)"
    r"(?:[ \t]*\u00a0(?P<rest>.*)|\s*)"
)
_AUTHOR_SEPARATOR = re.compile(r"\s+[-\u2013\u2014]\s+")
_NAME_STRIP = " !.,;:?\u2026-\u2013\u2014"


class ParseError(ValueError):
    """The export could not be parsed; ``str(error)`` is ``"line N: message"``."""

    message: str
    line: int

    def __init__(self, message: str, line: int) -> None:
        super().__init__(f"line {line}: {message}")
        self.message = message
        self.line = line

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, int]]:
        return type(self), (self.message, self.line)


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Figure:
    placeholders: tuple[str, ...]
    caption: str | None
    line: int


Block = Paragraph | Figure


@dataclass(frozen=True, slots=True)
class ParsedArticle:
    title: str
    published_at: datetime
    blocks: tuple[Block, ...]
    byline: str | None
    authors: tuple[str, ...]

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Every placeholder of every figure, in order, each listed once."""
        names = (n for b in self.blocks if isinstance(b, Figure) for n in b.placeholders)
        return tuple(dict.fromkeys(names))


class _Line(NamedTuple):
    number: int
    text: str


def parse(text: str) -> ParsedArticle:
    """Parse one exported article; raises :class:`ParseError` with the offending line."""
    _check_size(text)
    lines = _non_empty_lines(normalize(text.removeprefix(_BOM)))
    if not lines:
        raise ParseError("empty file", 1)
    title = _title(lines[0])
    published_at = _published_at(lines[1] if len(lines) > 1 else None, lines[0].number + 1)
    body, byline = _split_byline(lines[2:])
    blocks = _blocks(body)
    if not blocks:
        raise ParseError("no body: no paragraph or figure after the timestamp", lines[1].number + 1)
    authors = _authors(byline) if byline is not None else ()
    return ParsedArticle(title, published_at, blocks, byline, authors)


def parse_bytes(data: bytes) -> ParsedArticle:
    """Parse a UTF-8 export (a leading BOM is allowed)."""
    return parse(_decode(data))


def _decode(data: bytes) -> str:
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = len(_BYTE_LINE_BREAK.findall(body, 0, error.start)) + 1
        message = f"invalid UTF-8: byte 0x{body[error.start]:02x} ({error.reason})"
        raise ParseError(message, line) from None


def _check_size(text: str) -> None:
    if len(text) > MAX_FILE_CHARS:
        line = len(_LINE_BREAK.findall(text, 0, MAX_FILE_CHARS)) + 1
        raise ParseError(f"file too large: more than {MAX_FILE_CHARS} characters", line)


def _non_empty_lines(text: str) -> list[_Line]:
    # normalize() has already turned every CRLF/CR into LF, so splitting on LF keeps numbering.
    numbered = enumerate(text.split("\n"), start=1)
    return [_Line(number, line.rstrip()) for number, line in numbered if line.strip()]


def _title(line: _Line) -> str:
    title = line.text.strip()
    if len(title) > MAX_TITLE_LENGTH:
        message = f"title too long: {len(title)} characters, at most {MAX_TITLE_LENGTH}"
        raise ParseError(message, line.number)
    return normalize(title)


def _published_at(line: _Line | None, expected_at: int) -> datetime:
    if line is None:
        raise ParseError("missing timestamp line (YYYY-MM-DD HH:MM:SS)", expected_at)
    stamp = line.text.strip()
    if _TIMESTAMP.fullmatch(stamp) is None:
        raise ParseError(
            f"invalid timestamp {stamp[:40]!r}: expected YYYY-MM-DD HH:MM:SS", line.number
        )
    try:
        naive = datetime.strptime(stamp, TIMESTAMP_FORMAT)
    except ValueError as error:
        raise ParseError(f"invalid timestamp {stamp!r}: {error}", line.number) from None
    return naive.replace(tzinfo=TIMEZONE)


def _split_byline(lines: Sequence[_Line]) -> tuple[Sequence[_Line], str | None]:
    if lines and _is_byline(lines[-1].text):
        return lines[:-1], normalize(lines[-1].text.strip())
    return lines, None


def _is_byline(text: str) -> bool:
    stripped = text.lstrip()
    indent = len(text) - len(stripped)
    return indent >= BYLINE_MIN_INDENT and len(stripped) <= BYLINE_MAX_LENGTH


def _authors(byline: str) -> tuple[str, ...]:
    names = (_author_name(part) for part in _AUTHOR_SEPARATOR.split(byline))
    return tuple(name for name in names if name)


def _author_name(part: str) -> str:
    return normalize(_collapse(part).strip(_NAME_STRIP))


def _blocks(lines: Sequence[_Line]) -> tuple[Block, ...]:
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        block, index = _block_at(lines, index)
        blocks.append(block)
    return tuple(blocks)


def _block_at(lines: Sequence[_Line], index: int) -> tuple[Block, int]:
    """The block starting at ``lines[index]`` and the index of the line after it."""
    line = lines[index]
    found = None if _is_indented(line.text) else _placeholder_line(line.text)
    if found is None:
        return Paragraph(normalize(_collapse(line.text)), line.number), index + 1
    placeholders, caption = found
    if caption is None and _is_caption(lines, index + 1):
        caption = _collapse(lines[index + 1].text)
        index += 1
    return Figure(placeholders, _optional(caption), line.number), index + 1


def _is_caption(lines: Sequence[_Line], index: int) -> bool:
    # The byline has already been split off, so it can never be picked up here.
    if index >= len(lines):
        return False
    text = lines[index].text
    return not _is_indented(text) and _placeholder_line(text) is None


def _placeholder_line(text: str) -> tuple[tuple[str, ...], str | None] | None:
    """Placeholders and same-line caption (``None`` if blank) of a placeholder line, else None."""
    match = _PLACEHOLDER_LINE.fullmatch(text)
    if match is None:
        return None
    tokens = tuple(match["tokens"].split())  # str.split() splits on NBSP too
    caption = _collapse(match["rest"] or "")
    return tuple(normalize(token) for token in tokens), caption or None


def _is_indented(text: str) -> bool:
    return text[:1].isspace()


def _collapse(text: str) -> str:
    """Strip ``text`` and turn every inner run of whitespace (NBSP included) into one space."""
    return " ".join(text.split())


def _optional(text: str | None) -> str | None:
    return None if text is None else normalize(text)
