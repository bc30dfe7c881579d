"""Marking a query's matches in stored text: ``<mark>`` around the words as they are written.

Matching is on folded words (:func:`cms.text.words`), the same words the index holds, so a
query typed without accents marks the accented original: ``hoi nghi`` gives
``<mark>Hội nghị</mark>``. Folding keeps positions, so no mapping back is needed.

A query whose keys are stems (English: :mod:`cms.search.analysis`) is matched word by word
instead, on the stems of the text's words, so ``park`` marks ``parks`` as written; a prefix
marks a word whose stem, or whose spelling, starts with it, as the index matches it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence

from cms.search.query import Query, Term
from cms.text import WORD, WORD_CHAR, Word, fold_aligned, words

__all__ = ["ELLIPSIS", "highlight"]

ELLIPSIS = "…"
"""Shown where a snippet cuts the text."""

_Span = tuple[int, int]


def highlight(text: str, query: Query, *, max_length: int | None = None) -> str | None:
    """``text`` as HTML with every match of ``query`` in ``<mark>``; ``None`` if none matches.

    ``text`` is stored (normalized) text. Without ``max_length`` the whole text is returned;
    with it, whitespace is collapsed and at most ``max_length`` characters around the first
    match are kept (cut between words, ``…`` at a cut; a first match longer than that is kept
    whole). Everything is escaped with ``html.escape`` (quotes too); marks never nest.
    """
    if max_length is not None:
        text = " ".join(text.split())
    folded = fold_aligned(text)
    spans = (
        _stem_matches(text, query)
        if query.analysis.stems
        else (span for term in query.terms for span in _matches(folded, term))
    )
    marks = _joined(text, _merged(spans))
    if not marks:
        return None
    start, end = 0, len(text)
    if max_length is not None and len(text) > max_length:
        start, end = _window(text, folded, marks, max_length)
    return _render(text, marks, start, end)


def _matches(folded: str, term: Term) -> Iterator[_Span]:
    """The spans of ``term``'s occurrences: from its first word's start to its last word's end.

    A regular expression over the folded text, the same words :func:`cms.text.words` sees:
    consecutive words are separated by non-word characters; a prefix runs to its word's end.
    Occurrences may overlap (``dam dam`` twice in ``dam dam dam``): the lookahead finds each.
    """
    body = f"(?:(?!{WORD_CHAR}).)+".join(re.escape(word) for word in term.folded)
    tail = f"{WORD_CHAR}*" if term.prefix else f"(?!{WORD_CHAR})"
    for match in re.finditer(rf"(?<!{WORD_CHAR})(?=({body}{tail}))", folded, re.DOTALL):
        yield match.span(1)


def _stem_matches(text: str, query: Query) -> Iterator[_Span]:
    """The spans of the terms' occurrences among the words of ``text``, compared by key."""
    found = words(text)
    keys = query.analysis.keys(w.folded for w in found)
    for term in query.terms:
        size = len(term.keys)
        for i in range(len(found) - size + 1):
            if _occurs(found, keys, i, term):
                yield found[i].start, found[i + size - 1].end


def _occurs(found: list[Word], keys: tuple[str, ...], i: int, term: Term) -> bool:
    """Whether ``term`` occurs at word ``i``: its keys (the last one a prefix of the word's
    key if it is a prefix), or a prefix as written."""
    *whole, last = term.keys
    end = i + len(whole)
    if list(keys[i:end]) != whole:
        return False
    if not term.prefix:
        return keys[end] == last
    return keys[end].startswith(last) or _as_written(found, end, term)


def _as_written(found: list[Word], i: int, term: Term) -> bool:
    """Whether the words ending at ``i`` are ``term``'s as written (the last a prefix)."""
    start = i - len(term.exact) + 1
    if start < 0:
        return False
    *whole, last = term.exact
    written = [w.exact for w in found[start : i + 1]]
    return written[:-1] == whole and written[-1].startswith(last)


def _merged(spans: Iterator[_Span]) -> list[_Span]:
    """Spans sorted, with overlapping and touching ones joined."""
    merged: list[_Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _joined(text: str, marks: list[_Span]) -> list[_Span]:
    """Marks with only spaces between them (no line break) as one: ``<mark>Hội nghị</mark>``."""
    joined: list[_Span] = []
    for start, end in marks:
        if joined and _SPACES.fullmatch(text, joined[-1][1], start):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


_SPACES = re.compile(r"[ \t\u00a0\u202f]+")


def _window(text: str, folded: str, marks: Sequence[_Span], max_length: int) -> _Span:
    """``(start, end)`` of a snippet of ``text``: a little before the first mark, then onwards."""
    first_start, first_end = marks[0]
    # Only the words near the first mark matter (the same words as :func:`cms.text.words`).
    near = max(0, min(first_start - max_length, len(text) - 2 * max_length))
    far = max(first_end, first_start + max_length) + max_length
    found = [m.span() for m in WORD.finditer(folded, near, far)]
    # Some context before the first mark; near the end, as much before it as fits (and "…").
    start = max(0, min(first_start - max_length // 4, len(text) - max_length + len(ELLIPSIS)))
    if start > 0:  # begin at a word; the first mark begins at one, so this never passes it
        start = next(s for s, _ in found if s >= start)
    limit = start + max_length - (len(ELLIPSIS) if start else 0)
    if limit >= len(text):
        return start, len(text)
    limit -= len(ELLIPSIS)
    ends = (
        end
        for _, end in reversed(found)
        if end <= limit and not any(s < end < e for s, e in marks if s < limit)
    )
    return start, max(next(ends, first_end), first_end)


def _render(text: str, marks: Sequence[_Span], start: int, end: int) -> str:
    out = [ELLIPSIS] if start > 0 else []
    position = start
    for mark_start, mark_end in marks:
        if mark_start >= end:
            break
        mark_start, mark_end = max(mark_start, position), min(mark_end, end)
        out += [_escape(text[position:mark_start]), "<mark>", _escape(text[mark_start:mark_end])]
        out.append("</mark>")
        position = mark_end
    out.append(_escape(text[position:end]))
    if end < len(text):
        out.append(ELLIPSIS)
    return "".join(out)


def _escape(text: str) -> str:
    return html.escape(text, quote=True)
