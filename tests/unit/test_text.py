from __future__ import annotations

import unicodedata

import pytest

from cms.text import SLUG_MAX_LENGTH, excerpt, fold, normalize, slugify


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
