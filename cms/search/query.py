"""Parsing what a reader types into the search box: words, quoted phrases, the word being typed.

Pure and total: any string gives a :class:`Query` or raises a :class:`QueryError` subclass with a
message for the reader. Terms hold only :func:`cms.text.words` output (letters and
digits), so no FTS5 or ``tsquery`` syntax (``"``, ``*``, ``:``, ``NEAR(``, ``&``, ``!``) can
reach an engine. A query in a locale holds its words' index keys too (:mod:`cms.search.analysis`:
English stems), which is what the index is searched for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from cms.core.locales import Locales
from cms.search.analysis import FOLDING, Analysis, analysis_for
from cms.text import Word, normalize, words

__all__ = [
    "MAX_QUERY_LENGTH",
    "MAX_TERMS",
    "EmptyQuery",
    "Locale",
    "Query",
    "QueryError",
    "QueryTooLong",
    "Term",
    "parse",
]

MAX_QUERY_LENGTH = 200
"""Characters of a query after normalizing."""
MAX_TERMS = 16
"""Terms (words and phrases, duplicates merged) of a query."""
_MAX_RAW_LENGTH = 10 * MAX_QUERY_LENGTH
"""Longer input is refused before normalizing (only control characters could shrink it enough)."""

# ASCII and typographic double quotes; they pair up left to right, whichever kind they are.
_QUOTE = re.compile('["“”]')


class QueryError(ValueError):
    """A query that cannot be searched; the message is for the reader (English)."""


class EmptyQuery(QueryError):
    """Nothing searchable: no letter or digit."""


class QueryTooLong(QueryError):
    """More than :data:`MAX_QUERY_LENGTH` characters or :data:`MAX_TERMS` terms."""


@dataclass(frozen=True, slots=True)
class Term:
    """One thing every result must contain: a word, or a phrase of consecutive words."""

    folded: tuple[str, ...]
    exact: tuple[str, ...]
    phrase: bool
    prefix: bool
    keys: tuple[str, ...] = ()
    """The words' index keys (:meth:`Analysis.keys`); the folded words when not given."""
    stemmed: bool = False
    """Whether the keys are stems: a prefix then also matches the words as written (a word
    typed in part, ``industria``, is not a prefix of its stem, ``industri``)."""

    def __post_init__(self) -> None:
        if not self.keys:
            object.__setattr__(self, "keys", self.folded)

    @property
    def accented(self) -> bool:
        """Whether the reader typed diacritics (or ``đ``) in any word of the term."""
        return any(e != f for e, f in zip(self.exact, self.folded, strict=True))


@dataclass(frozen=True, slots=True)
class Locale:
    """The locale a search is in: its articles alone are found, as in every list of articles
    (an article left in a locale since removed from ``CMS_LOCALES`` is found by none)."""

    code: str

    @classmethod
    def checked(cls, locales: Locales, given: str | None) -> Locale:
        """The configured locale ``given`` names (the default when None); else
        :class:`~cms.core.errors.InvalidInput` naming ``locale``."""
        return cls(locales.check(given))


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: its terms in the order typed, and the normalized text; the locale
    searched (None: every locale) and its analysis."""

    terms: tuple[Term, ...]
    text: str
    locale: Locale | None = None
    analysis: Analysis = field(default=FOLDING, compare=False)


# After the last word, these say it has been typed in full.
_WORD_DONE = re.compile(r"[\s.,;!?…]")


def parse(text: str, locale: Locale | None = None) -> Query:
    """The terms of ``text``: every word, and every ``"quoted phrase"``, must occur; in the
    articles of ``locale`` (a configured locale; None: of every locale), with its analysis.

    The last word, if typed bare and not followed by a space or punctuation, is also a prefix
    (search as you type). A quote without a
    partner is ignored. A repeated term is kept once, where it first occurs; it is a prefix only
    if every copy is (``an an`` needs the whole word ``an``).
    """
    if len(text) > _MAX_RAW_LENGTH:
        raise _too_long()
    text = normalize(text)
    if len(text) > MAX_QUERY_LENGTH:
        raise _too_long()
    analysis = analysis_for(locale.code if locale else None)
    terms = _merged([_analyzed(term, analysis) for term in _terms(text)])
    if not terms:
        raise EmptyQuery("Type at least one letter or digit to search.")
    if len(terms) > MAX_TERMS:
        raise QueryTooLong(f"Search for at most {MAX_TERMS} words or phrases at a time.")
    return Query(tuple(terms), text, locale, analysis)


def _analyzed(term: Term, analysis: Analysis) -> Term:
    if not analysis.stems:
        return term
    return replace(term, keys=analysis.keys(term.folded), stemmed=True)


def _too_long() -> QueryTooLong:
    return QueryTooLong(f"Search for at most {MAX_QUERY_LENGTH} characters at a time.")


def _terms(text: str) -> list[Term]:
    """One term per bare word and per quoted group, in the order typed."""
    quotes = [m.start() for m in _QUOTE.finditer(text)]
    pairs = list(zip(quotes[0::2], quotes[1::2], strict=False))
    terms: list[Term] = []
    group: list[Word] = []
    in_pair: tuple[int, int] | None = None
    for word in words(text):
        pair = next((p for p in pairs if p[0] < word.start < p[1]), None)
        if group and pair != in_pair:
            terms.append(_quoted(group))
            group = []
        in_pair = pair
        if pair:
            group.append(word)
        else:
            terms.append(Term((word.folded,), (word.exact,), phrase=False, prefix=False))
    if group:
        terms.append(_quoted(group))
    elif terms and in_pair is None and not _WORD_DONE.search(text, word.end):
        # The last word was typed bare and the reader may still be typing it. A space or a
        # full stop after it says the word is whole (as in Meilisearch).
        last = terms[-1]
        terms[-1] = Term(last.folded, last.exact, phrase=False, prefix=True)
    return terms


def _quoted(group: list[Word]) -> Term:
    folded = tuple(w.folded for w in group)
    return Term(folded, tuple(w.exact for w in group), phrase=len(group) > 1, prefix=False)


def _merged(terms: list[Term]) -> list[Term]:
    """Terms with repeats (the same keys: ``park parks`` in English) merged: first position,
    first accented spelling, prefix if all are."""
    copies: dict[tuple[tuple[str, ...], bool], list[Term]] = {}
    for term in terms:
        copies.setdefault((term.keys, term.phrase), []).append(term)
    merged: list[Term] = []
    for same in copies.values():
        spelling = next((t for t in same if t.accented), same[0])
        prefix = all(t.prefix for t in same)
        merged.append(replace(spelling, phrase=same[0].phrase, prefix=prefix))
    return merged
