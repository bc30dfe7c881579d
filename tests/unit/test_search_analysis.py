"""The analysis of each locale's words (cms.search.analysis), as queries and documents use it."""

from __future__ import annotations

import pytest

from cms.search.analysis import ENGLISH, FOLDING, analysis_for
from cms.search.documents import build_from
from cms.search.highlight import highlight
from cms.search.query import Locale, parse

EN = Locale("en")
VI = Locale("vi")


@pytest.mark.parametrize(
    ("locale", "analysis"),
    [
        ("en", ENGLISH),
        ("en-GB", ENGLISH),
        ("EN-us", ENGLISH),
        ("vi", FOLDING),
        ("fr", FOLDING),
        ("de-AT", FOLDING),
        (None, FOLDING),
        ("", FOLDING),
    ],
)
def test_the_primary_language_subtag_chooses(locale: str | None, analysis: object) -> None:
    assert analysis_for(locale) is analysis


@pytest.mark.parametrize(
    ("word", "key"),
    [
        ("parks", "park"),
        ("park", "park"),
        ("investing", "invest"),
        ("investment", "invest"),
        ("companies", "compani"),
        ("company", "compani"),
        ("cafes", "cafe"),
    ],
)
def test_english_keys_are_snowball_stems(word: str, key: str) -> None:
    assert ENGLISH.key(word) == key
    assert FOLDING.key(word) == word


def test_an_english_query_holds_stems_and_the_words_as_typed() -> None:
    query = parse("Cafés in industrial parks", EN)
    assert [t.keys for t in query.terms] == [("cafe",), ("in",), ("industri",), ("park",)]
    assert (query.terms[0].folded, query.terms[0].exact) == (("cafes",), ("cafés",))
    assert query.terms[0].accented and not query.terms[3].accented
    assert all(t.stemmed for t in query.terms)
    assert query.terms[-1].prefix  # still typed


def test_words_of_one_stem_are_one_term() -> None:
    query = parse("park parks ", EN)
    assert len(query.terms) == 1
    assert query.terms[0].exact == ("park",)
    assert len(parse("park parks ", VI).terms) == 2


def test_a_vietnamese_query_is_as_before_locales() -> None:
    assert parse("Hội nghị khu công nghiệp", VI).terms == parse("Hội nghị khu công nghiệp").terms
    assert not any(t.stemmed for t in parse("hoi nghi", VI).terms)


def test_an_english_document_stores_stems_and_keeps_the_words_as_written() -> None:
    doc = build_from(1, "Industrial Parks", "", [], ["Ann Lee"], "Investment Fair", locale="en")
    assert [w.folded for w in doc.title] == ["industri", "park"]
    assert [w.exact for w in doc.title] == ["industrial", "parks"]
    assert [w.folded for w in doc.body] == ["ann", "lee", "invest", "fair"]
    assert doc.locale == "en"
    before = build_from(1, "Hội nghị", "", [], [], None)
    assert [w.folded for w in before.title] == ["hoi", "nghi"] and before.locale is None


@pytest.mark.parametrize(
    ("text", "typed", "marked"),
    [
        (
            "Industrial parks draw investors",
            "park ",
            "Industrial <mark>parks</mark> draw investors",
        ),
        ("Industrial parks", "industrial park", "<mark>Industrial parks</mark>"),
        ("Industrial parks", "industria", "<mark>Industrial</mark> parks"),
        ("New investments, investors", "investing ", "New <mark>investments</mark>, investors"),
        (
            "New investments, investors",
            "invest",
            "New <mark>investments</mark>, <mark>investors</mark>",
        ),
        ("Two cafés &amp; a CAFE", "cafe ", "Two <mark>cafés</mark> &amp;amp; a <mark>CAFE</mark>"),
        ('"industrial parks"', '"industrial parks"', "&quot;<mark>industrial parks</mark>&quot;"),
        ("parks industrial", '"industrial parks"', None),
    ],
)
def test_english_highlights_mark_the_words_whose_stems_match(
    text: str, typed: str, marked: str | None
) -> None:
    assert highlight(text, parse(typed, EN)) == marked
