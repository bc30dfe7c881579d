"""Marking a query's matches in stored text: ``<mark>`` around the words as they are written.

Matching is on folded words (:func:`cms.text.words`), the same words the index holds, so a
query typed without accents marks the accented original: ``hoi nghi`` gives
``<mark>Hội nghị</mark>``. Folding keeps positions, so no mapping back is needed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence

from cms.search.query import Query, Term
from cms.text import Word, words

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
    found = words(text)
    marks = _joined(text, _merged(span for term in query.terms for span in _matches(found, term)))
    if not marks:
        return None
    start, end = 0, len(text)
    if max_length is not None and len(text) > max_length:
        start, end = _window(text, found, marks, max_length)
    return _render(text, marks, start, end)


def _matches(found: Sequence[Word], term: Term) -> Iterator[_Span]:
    """The spans of ``term``'s occurrences: from its first word's start to its last word's end."""
    last = len(term.folded) - 1
    first, prefix = term.folded[0], term.prefix and last == 0
    if prefix:
        candidates = [i for i, w in enumerate(found) if w.folded.startswith(first)]
    else:
        candidates = [i for i, w in enumerate(found) if w.folded == first]
    for i in candidates:
        following = found[i + 1 : i + last + 1]
        if len(following) == last and all(
            _is(word, wanted, prefix=term.prefix and k == last)
            for k, (word, wanted) in enumerate(zip(following, term.folded[1:], strict=True), 1)
        ):
            yield found[i].start, found[i + last].end


def _is(word: Word, wanted: str, *, prefix: bool) -> bool:
    return word.folded.startswith(wanted) if prefix else word.folded == wanted


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


def _window(text: str, found: Sequence[Word], marks: Sequence[_Span], max_length: int) -> _Span:
    """``(start, end)`` of a snippet of ``text``: a little before the first mark, then onwards."""
    first_start, first_end = marks[0]
    # Some context before the first mark; near the end, as much before it as fits (and "…").
    start = max(0, min(first_start - max_length // 4, len(text) - max_length + len(ELLIPSIS)))
    if start > 0:  # begin at a word; the first mark begins at one, so this never passes it
        start = next(w.start for w in found if w.start >= start)
    limit = start + max_length - (len(ELLIPSIS) if start else 0)
    if limit >= len(text):
        return start, len(text)
    limit -= len(ELLIPSIS)
    ends = (
        w.end
        for w in reversed(found)
        if w.end <= limit and not any(s < w.end < e for s, e in marks)
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
