"""How the words of one locale are matched: folding for all, English stemming for English.

Every word is folded first (:func:`cms.text.words`: lower case, Latin accents off, ``đ`` to
``d``). What the index then stores for it, its *key*, depends on the primary language subtag of
the article's locale (the query's locale at query time):

- ``en`` (``en``, ``en-GB``, ...): the Snowball English stem of the folded word, so that
  ``parks`` finds ``park`` and ``park`` finds ``parks``, ``investing`` finds ``investment``
  (both ``invest``) and ``café`` finds ``cafes``;
- ``vi``: the folded word itself, as before locales (a syllable has no inflection, and a stemmer
  would merge unrelated syllables: ``ngai`` must never find ``ngày``);
- any other language: the folded word itself too: folding without stemming (no stemmer is
  configured for it; a closer match would need one per language).

The analysis runs here, in Python, when an article is indexed and when a query is parsed, so
SQLite and PostgreSQL store and compare exactly the same keys and answer alike. The words as
written (for the accents bonus) are kept unstemmed beside the keys.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import snowballstemmer  # type: ignore[import-untyped]

from cms.text import Word

__all__ = ["ENGLISH", "FOLDING", "Analysis", "analysis_for"]


@dataclass(frozen=True, slots=True)
class Analysis:
    """What a folded word is indexed and searched as: itself, or its stem (``stem``)."""

    name: str
    stem: Callable[[str], str] | None = None

    @property
    def stems(self) -> bool:
        """Whether a key may differ from the folded word (a word typed in part may then not
        be a prefix of its key: ``industria`` against ``industri``)."""
        return self.stem is not None

    def key(self, folded: str) -> str:
        """The index key of one folded word."""
        return folded if self.stem is None else self.stem(folded)

    def keys(self, folded: Iterable[str]) -> tuple[str, ...]:
        """The index keys of folded words, in order."""
        return tuple(self.key(word) for word in folded)

    def indexed(self, found: list[Word]) -> list[Word]:
        """``found`` with each word's ``folded`` replaced by its key (unchanged when folding)."""
        if self.stem is None:
            return found
        return [replace(word, folded=self.stem(word.folded)) for word in found]


@functools.lru_cache(maxsize=65536)
def _english_stem(folded: str) -> str:
    return str(_ENGLISH_STEMMER.stemWord(folded))


_ENGLISH_STEMMER = snowballstemmer.stemmer("english")

FOLDING = Analysis("folding")
"""Folded words as they are: Vietnamese, and every language without a stemmer here."""
ENGLISH = Analysis("english", _english_stem)
"""Folded words stemmed by Snowball's English stemmer."""

_BY_LANGUAGE = {"en": ENGLISH}


def analysis_for(locale: str | None) -> Analysis:
    """The analysis of a locale's text, by its primary language subtag (``en-GB``: ``en``);
    :data:`FOLDING` for Vietnamese, any other language and no locale at all."""
    if not locale:
        return FOLDING
    return _BY_LANGUAGE.get(locale.split("-", 1)[0].lower(), FOLDING)
