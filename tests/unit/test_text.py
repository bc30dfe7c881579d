from __future__ import annotations

import itertools
import random
import re
import unicodedata

import pytest

from cms.text import (
    SLUG_MAX_LENGTH,
    SORT_KEY_SEPARATOR,
    excerpt,
    fold,
    fold_aligned,
    normalize,
    slugify,
    sort_key,
    words,
)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Hội nghị sơ kết 6 tháng đầu năm", "hoi-nghi-so-ket-6-thang-dau-nam"),
        ("ĐẦU TƯ Đà Nẵng", "dau-tu-da-nang"),
        ("\u00d0à Nẵng", "da-nang"),  # Ð (eth) typed for Đ
        ("Phòng CS PCCC&CHCN", "phong-cs-pccc-chcn"),
        ("  --Xin chào!!  ", "xin-chao"),
        ("Tết Nguyên Đán 2024: người dân đón xuân", "tet-nguyen-dan-2024-nguoi-dan-don-xuan"),
        ("Thủ tướng Phạm Minh Chính", "thu-tuong-pham-minh-chinh"),
        ("🎉🎉", ""),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug
    assert slugify(nfd(text)) == slug


def test_d_with_stroke_becomes_d_never_dj_or_nothing() -> None:
    assert slugify("đường Đồng Khởi") == "duong-dong-khoi"
    assert fold("Đ") == "d"


def test_long_slug_is_cut_at_a_word_boundary() -> None:
    slug = slugify("Hội nghị " * 40)
    assert len(slug) <= SLUG_MAX_LENGTH
    assert not slug.endswith("-")
    assert slug.split("-")[-1] in {"hoi", "nghi"}


def test_normalize_gives_nfc_and_fixes_eth() -> None:
    text = normalize(nfd("\u00d0ức Anh \u00f0i"))
    assert text == "Đức Anh đi"
    assert unicodedata.is_normalized("NFC", text)


def test_normalize_drops_control_characters_and_unifies_line_breaks() -> None:
    assert normalize("a\x00b\x1bc\r\nd\re\tf") == "abc\nd\ne\tf"


@pytest.mark.parametrize(
    ("left", "right"),
    [("Hội nghị", "hoi nghi"), ("HỘI NGHỊ", "hội nghị"), ("Đắk Lắk", "dak lak")],
)
def test_fold_is_accent_and_case_insensitive(left: str, right: str) -> None:
    assert fold(left) == fold(right) == fold(nfd(left))


def test_excerpt_takes_the_first_sentence() -> None:
    text = "Chiều ngày 19/7/2023, Ban Quản lý tổ chức Hội nghị. Chủ trì Hội nghị đồng chí Khởi."
    assert excerpt(text) == "Chiều ngày 19/7/2023, Ban Quản lý tổ chức Hội nghị."
    assert excerpt("Tại Hội nghị. Đồng chí phát biểu.") == "Tại Hội nghị."
    assert excerpt("Không chấm câu nào cả") == "Không chấm câu nào cả"


def test_excerpt_cuts_long_sentences_at_a_word() -> None:
    text = "từ " * 200
    short = excerpt(text, 50)
    assert len(short) <= 50
    assert short.endswith("…")
    assert not short.endswith(" …")


# --- fold ----------------------------------------------------------------------------------------

VOWELS = {"a": "a", "ă": "a", "â": "a", "e": "e", "ê": "e", "i": "i"}
VOWELS |= {"o": "o", "ô": "o", "ơ": "o", "u": "u", "ư": "u", "y": "y"}
TONE_MARKS = [
    "",
    "\u0300",
    "\u0309",
    "\u0303",
    "\u0301",
    "\u0323",
]  # none, huyền, hỏi, ngã, sắc, nặng


def vietnamese_letters() -> list[tuple[str, str]]:
    """Every Vietnamese letter with every tone, upper and lower case, and its one-letter fold."""
    lower = [
        (unicodedata.normalize("NFC", v + t), base)
        for v, base in VOWELS.items()
        for t in TONE_MARKS
    ]
    lower.append(("đ", "d"))
    return lower + [(letter.upper(), base) for letter, base in lower]


def test_the_letter_table_is_complete() -> None:
    letters = [letter for letter, _ in vietnamese_letters()]
    assert all(len(letter) == 1 for letter in letters)
    assert len(set(letters)) == 146
    assert len([c for c in set(letters) if not c.isascii()]) == 134


@pytest.mark.parametrize(("letter", "base"), vietnamese_letters())
def test_every_vietnamese_letter_folds_to_one_ascii_letter(letter: str, base: str) -> None:
    assert fold(letter) == fold_aligned(letter) == fold(nfd(letter)) == base


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("\u00d0", "d"),  # Ð (eth) typed for Đ
        ("\u00f0", "d"),
        ("Đắk Lắk", "dak lak"),
        ("HĐND tỉnh", "hdnd tinh"),
        ("Nguyễn Thị Minh Khai", "nguyen thi minh khai"),
        ("Ａｂｃ２", "abc2"),  # full-width forms
        ("x²", "x2"),
        ("İzmir", "izmir"),  # lower() would make İ two characters
        ("ß ẞ", "ß ß"),  # casefold() would make ß two characters
        ("ﬁ", "ﬁ"),  # ligature: NFKD would make it two characters
        ("½", "½"),
        ("Йод Σ", "йод σ"),  # not Latin: only the case is folded
        ("漢字 😀", "漢字 😀"),
        ("a\u00a0b\u200bc", "a b\u200bc"),  # NBSP is a compatibility space
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_of_nfd_input_is_the_fold_of_nfc() -> None:
    text = "Hội nghị sơ kết 6 tháng đầu năm, Ðồng chí Hoàng Văn Khởi"
    assert (
        fold(nfd(text)) == fold(text) == "hoi nghi so ket 6 thang dau nam, dong chi hoang van khoi"
    )
    assert len(nfd(text)) > len(text) == len(fold(nfd(text)))


ODD_CHARACTERS = (
    "aăâeêioôơuưyđĐÐðAZaz09 \t\n\r\x00\x1b\x7f\u00a0\u200b\u200c\u200d\u2060\ufeff"
    "\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323\u0345"  # combining marks
    "ßẞﬁﬀİıŉǅ½²①Ⓐ™℃µſ"  # characters that fold or case-map to several
    "漢字한국어ガが😀👍🏽\U0001f468\u200d\U0001f469"  # CJK, Hangul, kana, emoji
    "\"“”'’-–—.,;:!?*()&|<>^"
)


def random_texts(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(ODD_CHARACTERS, k=rng.randint(0, 40))) for _ in range(count)]


def test_fold_keeps_the_length_of_the_normalized_text() -> None:
    for text in random_texts(2000):
        normalized = normalize(text)
        assert fold(text) == fold_aligned(normalized)
        assert len(fold(text)) == len(normalized)
        assert len(fold_aligned(text)) == len(text)


def test_every_character_folds_to_one_character() -> None:
    everything = "".join(map(chr, [*range(0x30000), *range(0x30000, 0x110000, 97)]))
    folded = fold_aligned(everything)
    assert len(folded) == len(everything)
    assert fold_aligned("\ud800") == "\ud800"  # a lone surrogate is kept, not an error


def test_fold_is_per_character() -> None:
    text = normalize("".join(ODD_CHARACTERS))
    assert fold_aligned(text) == "".join(fold_aligned(c) for c in text)


# --- words ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hội nghị", [("hoi", "hội"), ("nghi", "nghị")]),
        ("  BẮC KẠN  ", [("bac", "bắc"), ("kan", "kạn")]),
        ("Bắc\u00a0Kạn", [("bac", "bắc"), ("kan", "kạn")]),  # NBSP
        (
            "Hội\u200bnghị\u200csơ\u200dkết\u2060năm\ufeff2023",
            ["hội", "nghị", "sơ", "kết", "năm", "2023"],
        ),
        ("2021-2025", ["2021", "2025"]),
        ("hoi-nghi – so—ket", ["hoi", "nghi", "so", "ket"]),
        ("dám nghĩ, dám nói, dám làm.", ["dám", "nghĩ", "dám", "nói", "dám", "làm"]),
        ("Chiều ngày 19/7/2023", ["chiều", "ngày", "19", "7", "2023"]),
        ("22:51:06", ["22", "51", "06"]),
        ("Phòng CS PCCC&CHCN", ["phòng", "cs", "pccc", "chcn"]),
        ("(HĐ68)", [("hd68", "hđ68")]),
        ('"6 dám"', ["6", "dám"]),
        ("“Hội nghị”", ["hội", "nghị"]),
        ("l'Hôpital don’t", [("l", "l"), ("hopital", "hôpital"), ("don", "don"), ("t", "t")]),
        ("snake_case", ["snake", "case"]),
        ("doanh nghiệp/nhà đầu tư;", ["doanh", "nghiệp", "nhà", "đầu", "tư"]),
        ("line\nbreak\ttab", ["line", "break", "tab"]),
        ("漢字 và 😀 한국", [("漢字", "漢字"), ("va", "và"), ("한국", "한국")]),
        ("x² Ａ", [("x2", "x²"), ("a", "ａ")]),
        ("", []),
        ("!!! ... — “” 😀", []),
    ],
)
def test_words(text: str, expected: list[tuple[str, str] | str]) -> None:
    pairs = [(fold(e), e) if isinstance(e, str) else e for e in expected]
    found = words(text)
    assert [(w.folded, w.exact) for w in found] == pairs
    for w in found:
        assert fold_aligned(text[w.start : w.end]) == w.folded
        assert text[w.start : w.end].lower() == w.exact


def test_words_of_unnormalized_eth_and_length_changing_case() -> None:
    assert [(w.folded, w.exact) for w in words("\u00d0ồng")] == [("dong", "đồng")]
    [istanbul] = words("İstanbul!")
    assert (istanbul.start, istanbul.end, istanbul.folded) == (0, 8, "istanbul")
    assert istanbul.exact == "i\u0307stanbul"


def test_words_are_alphanumeric_runs() -> None:
    for text in random_texts(1000, seed=11):
        text = normalize(text)
        found = words(text)
        assert [w.start for w in found] == sorted(w.start for w in found)
        for w in found:
            assert w.folded.isalnum()
            assert w.folded == fold_aligned(text)[w.start : w.end]
            assert w.start == 0 or not fold_aligned(text[w.start - 1]).isalnum()
            assert w.end == len(text) or not fold_aligned(text[w.end]).isalnum()


# --- sort keys -----------------------------------------------------------------------------------

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
"""Vietnamese alphabetical order, with f j w z (not Vietnamese letters) in their Latin places."""
NAMES = ["Bình", "An", "Ánh", "Đào", "Dũng", "Ân", "Ăn", "anh", "Ơn", "Ôn", "On", "Ưng", "Ung"]
NAMES_SORTED = [
    "An",
    "anh",
    "Ánh",
    "Ăn",
    "Ân",
    "Bình",
    "Dũng",
    "Đào",
    "On",
    "Ôn",
    "Ơn",
    "Ung",
    "Ưng",
]


def test_sort_key_sorts_names_in_vietnamese_order() -> None:
    assert sorted(NAMES, key=sort_key) == NAMES_SORTED
    rng = random.Random(3)
    for _ in range(20):
        shuffled = rng.sample(NAMES, len(NAMES))
        assert sorted(shuffled, key=sort_key) == NAMES_SORTED


@pytest.mark.parametrize(
    ("smaller", "larger"),
    [
        # the alphabet: a ă â b c d đ e ê (f) g h i (j) k l m n o ô ơ p q r s t u ư v (w) x y (z)
        *itertools.pairwise(ALPHABET),
        ("az", "ă"),  # the first letter decides, whatever follows
        ("dz", "đa"),
        ("ôz", "ơ"),
        ("uy", "ưa"),
        ("Ánh", "Ăn"),  # a-n-h < ă-n although á has a tone
        ("ạnh", "ăn"),
        # words: a space sorts before any letter
        ("an", "an ninh"),
        ("an ninh", "anh"),
        ("Hà Nội", "Hàm"),
        ("Nguyễn Văn An", "Nguyễn Văn Anh"),
        # tones, only when the letters are equal: none < huyền < hỏi < ngã < sắc < nặng
        *itertools.pairwise(["a", "à", "ả", "ã", "á", "ạ"]),
        *itertools.pairwise(["ma", "mà", "mả", "mã", "má", "mạ"]),
        ("anh", "Ánh"),
        ("mạ", "mai"),
        ("mà mạ", "mạ mà"),  # the first tone that differs decides
        ("Hội nghị", "hội nghị sơ kết"),
        # case last: lower case first, and only when letters and tones are equal
        ("bình", "Bình"),
        ("Bình", "bỉnh"),
        ("Ma", "mà"),
        # digits before letters, numbers by value
        ("2024", "an"),
        ("9", "10"),
        ("Top 9", "Top 10"),
        ("an 2024", "an ninh"),
        ("6 tháng", "12 tháng"),
        # letters Vietnamese does not use, and other scripts, after the Latin letters
        ("ê", "f"),
        ("zebra", "ß"),
        ("zebra", "Москва"),
        ("y", "漢字"),
        ("", "a"),
    ],
)
def test_sort_key_order(smaller: str, larger: str) -> None:
    assert sort_key(smaller) < sort_key(larger)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("\u00d0ào", "Đào"),  # Ð typed for Đ
        ("Hà-Nội", "Hà Nội"),  # punctuation only separates words
        ('"Anh"', "Anh"),
        ("Hội  nghị.", "Hội nghị"),
        ("Bắc Kạn", nfd("Bắc Kạn")),
        ("!!!", ""),
    ],
)
def test_sort_key_ignores(left: str, right: str) -> None:
    assert sort_key(left) == sort_key(right)


def test_sort_key_is_ascii_letters_digits_and_one_separator() -> None:
    texts = [*random_texts(2000, seed=5), *NAMES, "Hội nghị sơ kết 6 tháng đầu năm"]
    for text in texts:
        assert re.fullmatch(r"[a-z0-9.]*", sort_key(text)), text
    assert SORT_KEY_SEPARATOR == "."


def test_sort_key_is_cut_to_max_length() -> None:
    assert len(sort_key("Hội nghị sơ kết " * 40)) == 255
    assert len(sort_key("Hội nghị sơ kết", max_length=5)) == 5
    assert sort_key("Hội nghị sơ kết " * 40).startswith(sort_key("Hội nghị sơ kết", max_length=5))


def test_sort_key_agrees_with_a_reference_order_on_random_syllables() -> None:
    """A second, simpler definition of the order: (letters, tones, cases) compared as lists."""
    alphabet = list(ALPHABET)
    info = {c: (alphabet.index(c), 0) for c in alphabet}
    info |= {
        unicodedata.normalize("NFC", v + t): (alphabet.index(v), n)
        for v in VOWELS
        for n, t in enumerate(TONE_MARKS)
    }

    def reference(text: str) -> tuple[list[int], list[int], list[bool]]:
        return (
            [info[c.lower()][0] for c in text],
            [info[c.lower()][1] for c in text],
            [c.isupper() for c in text],
        )

    rng = random.Random(13)
    letters = list(info) + [c.upper() for c in info]
    for _ in range(3000):
        a, b = ("".join(rng.choices(letters, k=rng.randint(1, 4))) for _ in range(2))
        ra, rb = reference(a), reference(b)
        if ra != rb:
            assert (sort_key(a) < sort_key(b)) == (ra < rb), (a, b)
