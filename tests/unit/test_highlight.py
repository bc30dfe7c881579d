from __future__ import annotations

import html
import random
import re
from html.parser import HTMLParser

import pytest

from cms.search.highlight import highlight
from cms.search.query import parse

TITLE = "Hội nghị sơ kết 6 tháng đầu năm"
PARAGRAPH = (
    "Chiều ngày 19/7/2023, Ban Quản lý các khu công nghiệp tỉnh Bắc Kạn tổ chức Hội nghị sơ kết "
    "công tác 6 tháng đầu năm, gặp mặt doanh nghiệp, nhà đầu tư; triển khai nhiệm vụ 6 tháng cuối "
    "năm 2023."
)
MOTTO = 'thực hiện theo phương châm "6 dám" Dám nghĩ, dám nói, dám làm, dám chịu trách nhiệm'


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        # a query without accents marks the accented words as written
        (TITLE, "hoi nghi", "<mark>Hội nghị</mark> sơ kết 6 tháng đầu năm"),
        (TITLE, "HỘI", "<mark>Hội</mark> nghị sơ kết 6 tháng đầu năm"),
        (TITLE, "6 thang", "Hội nghị sơ kết <mark>6 tháng</mark> đầu năm"),
        ("HỘI NGHỊ SƠ KẾT", "hội nghị", "<mark>HỘI NGHỊ</mark> SƠ KẾT"),
        ("tỉnh Bắc Kạn tổ chức", "bac kan", "tỉnh <mark>Bắc Kạn</mark> tổ chức"),
        ("Bắc\u00a0Kạn", "Bac Kan", "<mark>Bắc\u00a0Kạn</mark>"),
        (
            "Chủ trì Hội nghị đồng chí Hoàng Văn Khởi",
            "Ðồng chi",  # Ð (eth) typed for Đ
            "Chủ trì Hội nghị <mark>đồng chí</mark> Hoàng Văn Khởi",
        ),
        # a phrase is one mark, punctuation inside it included
        (TITLE, '"hoi nghi so ket"', "<mark>Hội nghị sơ kết</mark> 6 tháng đầu năm"),
        (
            "dám nghĩ, dám nói, dám làm",
            '"dam nghi dam noi"',
            "<mark>dám nghĩ, dám nói</mark>, dám làm",
        ),
        # overlapping matches are merged, never nested
        (
            "dám nghĩ, dám nói, dám làm",
            '"dam nghi" dam',
            "<mark>dám nghĩ</mark>, <mark>dám</mark> nói, <mark>dám</mark> làm",
        ),
        (
            "dám nghĩ, dám nói, dám làm",
            '"dam nghi dam" "dam noi"',
            "<mark>dám nghĩ, dám nói</mark>, dám làm",
        ),
        # the last bare word is a prefix: the whole word is marked; other words must be whole
        (
            "doanh nghiệp, nhà đầu tư",
            "doanh ngh",
            "<mark>doanh nghiệp</mark>, nhà đầu tư",
        ),
        (
            "doanh nghiệp; hội nghị",
            "nghi doanh",
            "<mark>doanh</mark> nghiệp; hội <mark>nghị</mark>",
        ),
        ("doanh nghiệp; hội nghị", '"nghi"', "doanh nghiệp; hội <mark>nghị</mark>"),
        # any term that occurs is marked
        (TITLE, "hoi kan", "<mark>Hội</mark> nghị sơ kết 6 tháng đầu năm"),
        # everything outside the marks is escaped
        ("Phòng CS PCCC&CHCN <b>", "pccc", "Phòng CS <mark>PCCC</mark>&amp;CHCN &lt;b&gt;"),
        (
            MOTTO,
            "6 dam",
            "thực hiện theo phương châm &quot;<mark>6 dám</mark>&quot; "
            "<mark>Dám</mark> nghĩ, <mark>dám</mark> nói, <mark>dám</mark> làm, "
            "<mark>dám</mark> chịu trách nhiệm",
        ),
        (
            "<mark>an</mark> & 'an'",
            "an",
            "&lt;mark&gt;<mark>an</mark>&lt;/mark&gt; &amp; &#x27;<mark>an</mark>&#x27;",
        ),
        # without max_length the text is kept as it is, line breaks and all
        ("Hội nghị\n\n   Bắc Kạn", "kan", "Hội nghị\n\n   Bắc <mark>Kạn</mark>"),
        # no match
        (TITLE, "bac kan", None),
        (TITLE, "nghiep", None),
        ("", "an", None),
    ],
)
def test_highlight(text: str, query: str, expected: str | None) -> None:
    assert highlight(text, parse(query)) == expected


@pytest.mark.parametrize(
    ("query", "max_length", "expected"),
    [
        # the text fits: only whitespace is collapsed
        ("kan", 1000, None),
        # cut at the end after the first match at the start
        ("chieu", 40, "<mark>Chiều</mark> ngày 19/7/2023, Ban Quản lý các…"),
        # a little context before the first match, cut at words, … on both sides
        (
            "bac kan",
            80,
            "…công nghiệp tỉnh <mark>Bắc Kạn</mark> tổ chức Hội nghị sơ kết công tác "
            "6 tháng đầu năm, gặp…",
        ),
        (
            "hoi nghi",  # "nghi" is a prefix: "nghiệp" is the first match
            60,
            "…các khu công <mark>nghiệp</mark> tỉnh Bắc Kạn tổ chức <mark>Hội nghị</mark> sơ kết…",
        ),
        # near the end, the snippet begins early enough to fill max_length
        ('"6 thang cuoi nam"', 30, "…vụ <mark>6 tháng cuối năm</mark> 2023."),
        # a first match longer than max_length is kept whole
        ("bac kan", 10, "…<mark>Bắc Kạn</mark>…"),
        ('"cong tac 6 thang dau nam"', 12, "…<mark>công tác 6 tháng đầu năm</mark>…"),
        ("xyz", 50, "-"),
    ],
)
def test_snippet(query: str, max_length: int, expected: str | None) -> None:
    text = "  " + PARAGRAPH.replace(" Ban ", "\n\n    Ban ").replace(" tổ ", "\u00a0 tổ ") + "\n"
    found = highlight(text, parse(query), max_length=max_length)
    if expected is None:  # the whole paragraph, whitespace collapsed
        expected = PARAGRAPH.replace("Kạn", "<mark>Kạn</mark>")
    assert found == (None if expected == "-" else expected)


class _Marks(HTMLParser):
    """Checks that the only tags are <mark> and </mark>, balanced and not nested."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert (tag, self.depth) == ("mark", 0)
        self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        assert (tag, self.depth) == ("mark", 1)
        self.depth -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible(marked: str) -> str:
    parser = _Marks()
    parser.feed(marked)
    parser.close()
    assert parser.depth == 0
    return "".join(parser.text)


PIECES = ["Hội", "nghị", "hội", "nghiệp", "Bắc", "Kạn", "<", ">", "&", '"', "'", "<mark>", "—"]
PIECES += [" ", "  ", "\n", ", ", "\u00a0", "\u200b", "&amp;", "6", "đồng", "chí"]
QUERIES = ["hoi", "hoi nghi", '"hoi nghi"', "bac kan", "ngh", "6 dong", '"dong chi" hoi', "mark"]


def test_highlight_never_breaks_html_or_loses_text() -> None:
    rng = random.Random(19)
    for _ in range(2000):
        text = "".join(rng.choices(PIECES, k=rng.randint(0, 60)))
        query = parse(rng.choice(QUERIES))
        marked = highlight(text, query)
        if marked is not None:
            assert visible(marked) == text
            assert "<mark></mark>" not in marked
        snippet = highlight(text, query, max_length=rng.randint(5, 80))
        assert (snippet is None) == (marked is None)
        if snippet is not None:
            shown = visible(snippet)
            assert shown.strip("…") in " ".join(text.split())


def test_snippet_length_of_a_real_article() -> None:
    body = "\n\n".join([PARAGRAPH, MOTTO] * 5)
    for query in ["dam noi", '"dam nghi dam noi"', "hoi nghi", "nam 2023", "trach nhiem"]:
        for max_length in (40, 120, 200):
            snippet = highlight(body, parse(query), max_length=max_length)
            assert snippet is not None
            shown = visible(snippet)
            assert len(shown) <= max_length
            assert shown.startswith("…") or " ".join(body.split()).startswith(shown.rstrip("…"))
            assert re.search(r"<mark>[^<]+</mark>", snippet)
            assert html.unescape(re.sub("</?mark>", "", snippet)) == shown
