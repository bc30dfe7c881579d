from __future__ import annotations

import random
import re
import unicodedata

import pytest

from cms.search.query import (
    MAX_QUERY_LENGTH,
    MAX_TERMS,
    EmptyQuery,
    QueryError,
    QueryTooLong,
    Term,
    parse,
)
from cms.text import fold, normalize


def word(exact: str, *, prefix: bool = False) -> Term:
    """A one-word term, written as the reader typed it (lower case)."""
    return Term((fold(exact),), (exact,), phrase=False, prefix=prefix)


def last(exact: str) -> Term:
    return word(exact, prefix=True)


def phrase(exact: str) -> Term:
    return Term(tuple(fold(exact).split()), tuple(exact.split()), phrase=True, prefix=False)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("khu cong nghiep", [word("khu"), word("cong"), last("nghiep")]),
        ("khu cong ngh", [word("khu"), word("cong"), last("ngh")]),  # search as you type
        ("Bắc Kạn", [word("bắc"), last("kạn")]),
        ("BẮC KẠN", [word("bắc"), last("kạn")]),
        (nfd("Bắc Kạn"), [word("bắc"), last("kạn")]),
        ("\u00d0ồng chí", [word("đồng"), last("chí")]),  # Ð (eth) typed for Đ
        ("ĐẮK LẮK 2024", [word("đắk"), word("lắk"), last("2024")]),
        ("  Hội   nghị  ", [word("hội"), word("nghị")]),  # a trailing space: the word is whole
        ("  Hội   nghị", [word("hội"), last("nghị")]),  # leading spaces do not matter
        ("khu cong nghiep.", [word("khu"), word("cong"), word("nghiep")]),  # nor after a stop
        ("Hội\u200bnghị\u00a0sơ", [word("hội"), word("nghị"), last("sơ")]),
        ("hoi-nghi", [word("hoi"), last("nghi")]),
        ("HĐ68", [last("hđ68")]),
        ("19/7/2023", [word("19"), word("7"), last("2023")]),
        # quotes
        ('"dam nghi dam lam"', [phrase("dam nghi dam lam")]),
        ('"Dám nghĩ, dám làm!"', [phrase("dám nghĩ dám làm")]),
        ("“Hội nghị”", [phrase("hội nghị")]),
        ("”Hội nghị“", [phrase("hội nghị")]),  # any two quotes pair up
        ('"Hội nghị” sơ kết', [phrase("hội nghị"), word("sơ"), last("kết")]),
        ('a "b c" d', [word("a"), phrase("b c"), last("d")]),
        ('a "b c"', [word("a"), phrase("b c")]),  # ends with a phrase: no prefix
        ('"a b" "c d"', [phrase("a b"), phrase("c d")]),
        ('"an"', [word("an")]),  # one quoted word: a whole word, not a prefix
        ('a "b" c', [word("a"), word("b"), last("c")]),
        ('"unbalanced', [last("unbalanced")]),  # a quote without a partner is ignored
        ('x "y', [word("x"), last("y")]),
        ('"a b" c "d', [phrase("a b"), word("c"), last("d")]),
        ("“a b", [word("a"), last("b")]),
        ('"" a', [last("a")]),
        # repeats are merged: first place, first accented spelling, prefix only if every copy is
        ("dam nghi dam lam", [word("dam"), word("nghi"), last("lam")]),
        ("an an", [word("an")]),
        ('an "an"', [word("an")]),
        ("hoi Hội hội", [word("hội")]),
        ('"b c" b c', [phrase("b c"), word("b"), last("c")]),
        # search-engine syntax is only punctuation here: harmless plain words
        ("NEAR(a b)", [word("near"), word("a"), last("b")]),
        ("a OR b", [word("a"), word("or"), last("b")]),
        ("a AND NOT b", [word("a"), word("and"), word("not"), last("b")]),
        ("a:*", [last("a")]),
        ("-a", [last("a")]),
        ("a & !b", [word("a"), last("b")]),
        ("col:word", [word("col"), last("word")]),
        ("title:(a | b) <-> c^2", [word("title"), word("a"), word("b"), word("c"), last("2")]),
        ("'a' \\b", [word("a"), last("b")]),
        ("x\u0301", [last("x")]),  # a combining mark with no precomposed letter separates
    ],
)
def test_parse(text: str, terms: list[Term]) -> None:
    query = parse(text)
    assert list(query.terms) == terms
    assert query.text == normalize(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "!!!",
        '""',
        '" "',
        "“”",
        "-- ** :: () & | ! <>",
        "\u200b\u200c\u200d\u2060\ufeff",
        "\u00a0\t\n",
        "\x00\x01\x1b",
        "\u0301\u0323",  # combining marks alone
        "😀 👍🏽",
    ],
)
def test_nothing_searchable(text: str) -> None:
    with pytest.raises(EmptyQuery, match="letter or digit"):
        parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "a" * (MAX_QUERY_LENGTH + 1),
        "Hội nghị " * 30,
        " ".join(f"w{n}" for n in range(MAX_TERMS + 1)),
        " ".join(f'"a{n} b"' for n in range(MAX_TERMS + 1)),
        "x" * 100_000,
        "\x00" * 3000 + "a",  # refused before normalizing, although it would shrink to "a"
    ],
)
def test_too_long(text: str) -> None:
    with pytest.raises(QueryTooLong):
        parse(text)


def test_limits_count_after_normalizing_and_merging() -> None:
    assert len(parse("a" * MAX_QUERY_LENGTH).text) == MAX_QUERY_LENGTH
    assert len(parse(nfd("Hội nghị " * 22)).terms) == 2  # 396 NFD characters, 198 NFC
    assert len(parse(" ".join(f"w{n}" for n in range(MAX_TERMS))).terms) == MAX_TERMS
    assert len(parse("an " * 60).terms) == 1


def test_errors_are_query_errors_with_a_message() -> None:
    for text, error in [("", EmptyQuery), ("a" * 201, QueryTooLong)]:
        with pytest.raises(QueryError) as raised:
            parse(text)
        assert isinstance(raised.value, error)
        assert isinstance(raised.value, ValueError)
        assert str(raised.value).endswith(".")


@pytest.mark.parametrize(
    ("text", "accented"),
    [("Bắc", True), ("bac", False), ("BAC", False), ("đi", True), ("Đi", True), ("2024", False)],
)
def test_accented(text: str, accented: bool) -> None:
    assert parse(text).terms[0].accented is accented
    assert parse(f'"{text} x"').terms[0].accented is accented


SYNTAX = set("\"“”*:'()&|!<>^-+~{}[]\\,.;=@#$%")
FUZZ_PIECES = [
    *'"“”*:-^()&|!<>~+{}[]\\,.;= \t\n\x00\x1b',
    *"\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323\u0345\u20dd",  # combining marks
    *"\u00a0\u200b\u200c\u200d\u2060\ufeff\u2028",
    *"aăâbcdđĐÐeêghikmnoôơpqrstuưvxyAZ09ßﬁİ漢😀",
    "NEAR",
    "AND",
    "OR",
    "NOT",
    "NEAR/2",
    ":*",
    "<->",
    "Hội",
    "nghị",
    "col:",
]


def test_parse_of_anything_gives_a_query_or_a_query_error() -> None:
    rng = random.Random(2023)
    for _ in range(5000):
        text = "".join(rng.choices(FUZZ_PIECES, k=rng.randint(0, 80)))
        try:
            query = parse(text)
        except QueryError:
            continue
        assert 1 <= len(query.terms) <= MAX_TERMS
        assert len(query.text) <= MAX_QUERY_LENGTH
        assert [t.prefix for t in query.terms[:-1]] == [False] * (len(query.terms) - 1)
        for term in query.terms:
            assert term.folded and len(term.folded) == len(term.exact)
            assert term.phrase == (len(term.folded) > 1)
            assert not (term.phrase and term.prefix)
            for folded, exact in zip(term.folded, term.exact, strict=True):
                assert re.fullmatch(r"\w+", folded), text
                assert not SYNTAX & set(folded + exact), text
                if exact.isalnum():  # not "i̇" from "İ": lower() adds a combining dot to it
                    assert fold(exact) == folded, text
