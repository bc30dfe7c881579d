"""Data-driven tests for cms.importer.parser.

Each case in tests/fixtures/parser is a pair: NAME.txt, the exact input bytes (NBSP, NFD, CRLF and
BOM written as they are), and NAME.json, the expected article or
{"error": {"line": N, "message_contains": "..."}}.
"""

from __future__ import annotations

import json
import pickle
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from cms.importer import parser
from cms.importer.parser import Figure, Paragraph, ParsedArticle, ParseError, parse, parse_bytes

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "parser"
CASES = sorted(path.stem for path in FIXTURES.glob("*.txt"))
NBSP = "\u00a0"


def _input(name: str) -> bytes:
    return (FIXTURES / f"{name}.txt").read_bytes()


def _expected(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def _block(block: Paragraph | Figure) -> dict[str, Any]:
    if isinstance(block, Paragraph):
        return {"type": "paragraph", "text": block.text, "line": block.line}
    placeholders = list(block.placeholders)
    return {
        "type": "figure",
        "placeholders": placeholders,
        "caption": block.caption,
        "line": block.line,
    }


def _as_dict(article: ParsedArticle) -> dict[str, Any]:
    return {
        "title": article.title,
        "published_at": article.published_at.isoformat(),
        "blocks": [_block(block) for block in article.blocks],
        "byline": article.byline,
        "authors": list(article.authors),
        "placeholders": list(article.placeholders),
    }


def _strings(article: ParsedArticle) -> list[str]:
    found = [article.title, *article.authors, *article.placeholders]
    found += [article.byline] if article.byline is not None else []
    for block in article.blocks:
        if isinstance(block, Paragraph):
            found.append(block.text)
        else:
            found += [*block.placeholders, *([block.caption] if block.caption else [])]
    return found


def test_fixtures_exist_in_pairs() -> None:
    assert len(CASES) >= 20
    assert sorted(path.stem for path in FIXTURES.glob("*.json")) == CASES


@pytest.mark.parametrize("name", CASES)
def test_case(name: str) -> None:
    expected = _expected(name)
    if "error" in expected:
        with pytest.raises(ParseError) as caught:
            parse_bytes(_input(name))
        assert caught.value.line == expected["error"]["line"]
        assert expected["error"]["message_contains"] in caught.value.message
        return
    assert _as_dict(parse_bytes(_input(name))) == expected


@pytest.mark.parametrize("name", CASES)
def test_parse_text_agrees_with_parse_bytes(name: str) -> None:
    text = _input(name).decode("utf-8")  # keeps a BOM as U+FEFF: parse() must drop it too
    try:
        expected = parse_bytes(_input(name))
    except ParseError as error:
        with pytest.raises(ParseError) as caught:
            parse(text)
        assert (caught.value.line, caught.value.message) == (error.line, error.message)
        return
    assert parse(text) == expected


@pytest.mark.parametrize("name", [n for n in CASES if not n.startswith("error_")])
def test_every_returned_string_is_nfc(name: str) -> None:
    for value in _strings(parse_bytes(_input(name))):
        assert unicodedata.is_normalized("NFC", value), value
        assert "\u00d0" not in value and "\u00f0" not in value


def test_sample_key_facts() -> None:
    article = parse_bytes(_input("sample"))
    assert article.title.startswith("HỘI NGHỊ SƠ KẾT 6 THÁNG ĐẦU NĂM, GẶP MẶT DOANH NGHIỆP")
    assert article.published_at.isoformat() == "2023-07-19T22:51:06+07:00"
    assert str(article.published_at.tzinfo) == "Asia/Ho_Chi_Minh"
    figures = [block for block in article.blocks if isinstance(block, Figure)]
    assert len(figures) == 4
    assert article.placeholders == tuple(f"So-ket-{n}" for n in range(1, 6))
    caption = "Một số hình ảnh các đại diện các doanh nghiệp phát biểu thảo luận"
    assert figures[2] == Figure(("So-ket-3", "So-ket-4"), caption, 17)
    assert figures[3] == Figure(("So-ket-5",), "Hình ảnh các sở, ngành phát biểu", 21)
    body = " ".join(block.text for block in article.blocks if isinstance(block, Paragraph))
    assert "phướng hướng" in body and "sanh, sạch" in body and NBSP not in body
    assert (article.byline, article.authors) == ("Bích Liên!", ("Bích Liên",))


def test_nfd_input_equals_nfc_parse() -> None:
    text = _input("sample").decode("utf-8")
    assert parse(unicodedata.normalize("NFD", text)) == parse(text)


def test_eth_lookalike_becomes_d_with_stroke() -> None:
    article = parse(f"\u00d0ÀO TẠO\n2024-01-02 03:04:05\n{NBSP}\u00f0ào tạo\n")
    assert article.title == "ĐÀO TẠO"
    assert article.blocks == (Paragraph("đào tạo", 3),)


def test_placeholders_listed_once_but_kept_in_each_figure() -> None:
    article = parse("T\n2024-01-02 03:04:05\nA-1 B-2\nA-1\xa0lần hai\nB-2\n")
    assert [b.placeholders for b in article.blocks if isinstance(b, Figure)] == [
        ("A-1", "B-2"),
        ("A-1",),
        ("B-2",),
    ]
    assert article.placeholders == ("A-1", "B-2")


def test_invalid_utf8_names_line_of_first_bad_byte() -> None:
    data = "TIÊU ĐỀ\r\n2024-01-02 03:04:05\r\n\r\n  Đoạn ".encode() + b"\xff\xfe loi\n\xc3"
    with pytest.raises(ParseError) as caught:
        parse_bytes(data)
    assert caught.value.line == 4
    assert "invalid UTF-8" in caught.value.message and "0xff" in caught.value.message


def test_invalid_utf8_after_bom_and_truncated_sequence() -> None:
    with pytest.raises(ParseError) as caught:
        parse_bytes(b"\xef\xbb\xbfT\n2024-01-02 03:04:05\n body \xe1\xbb")
    assert caught.value.line == 3


def test_file_too_large() -> None:
    head = "T\n2024-01-02 03:04:05\n"
    text = head + "  x\n" * ((parser.MAX_FILE_CHARS - len(head)) // 4) + "  tràn\n"
    assert len(text) > parser.MAX_FILE_CHARS
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.line == text.count("\n")
    assert "too large" in caught.value.message


def test_file_at_size_limit_is_accepted() -> None:
    head = "T\n2024-01-02 03:04:05\n  x"
    article = parse(head + " " * (parser.MAX_FILE_CHARS - len(head)))
    assert article.blocks == (Paragraph("x", 3),)


def test_parse_error_format_and_pickling() -> None:
    error = ParseError("missing timestamp line", 7)
    assert str(error) == "line 7: missing timestamp line"
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.message, copy.line, str(copy)) == (error.message, error.line, str(error))


def test_limits_are_named_constants() -> None:
    assert parser.MAX_TITLE_LENGTH == 500
    assert parser.MAX_FILE_CHARS == 2_000_000
    assert parser.BYLINE_MIN_INDENT == 20
    assert parser.BYLINE_MAX_LENGTH == 80
