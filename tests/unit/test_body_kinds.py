"""The registry of body block kinds: each kind's stored form, text, HTML and one validation."""

from __future__ import annotations

import unicodedata
from typing import Any, get_args

import pytest

from cms.articles import body
from cms.core.errors import InvalidInput
from tests.unit.test_body import image

ONE_OF_EACH: list[tuple[body.Block, dict[str, Any]]] = [
    (body.Paragraph("Giá vàng tăng."), {"type": "paragraph", "text": "Giá vàng tăng."}),
    (body.Heading("Bối cảnh", 3), {"type": "heading", "text": "Bối cảnh", "level": 3}),
    (
        body.Quote("Dám nghĩ, dám làm", "Hoàng Văn Khởi"),
        {"type": "quote", "text": "Dám nghĩ, dám làm", "attribution": "Hoàng Văn Khởi"},
    ),
    (
        body.Figure((1, 2), "Hội nghị", "Ảnh: TTXVN"),
        {"type": "figure", "images": [1, 2], "caption": "Hội nghị", "credit": "Ảnh: TTXVN"},
    ),
]
KIND_IDS = [block.TYPE for block, _ in ONE_OF_EACH]


def test_every_kind_of_the_union_is_registered_once() -> None:
    assert set(body.KINDS) == set(get_args(body.Block))
    assert len({kind.TYPE for kind in body.KINDS}) == len(body.KINDS)
    assert {type(block) for block, _ in ONE_OF_EACH} == set(body.KINDS)  # these tests cover all


@pytest.mark.parametrize(("block", "stored"), ONE_OF_EACH, ids=KIND_IDS)
def test_stored_form_round_trips(block: body.Block, stored: dict[str, Any]) -> None:
    assert body.to_json([block]) == [stored]
    assert body.from_json([stored]) == [block]


@pytest.mark.parametrize(
    ("stored", "block"),
    [
        ({"type": "heading", "text": "H"}, body.Heading("H", 2)),
        ({"type": "quote", "text": "Q"}, body.Quote("Q", "")),
        ({"type": "figure", "images": [4]}, body.Figure((4,), "", "")),
    ],
    ids=["heading", "quote", "figure"],
)
def test_stored_fields_left_out_take_their_defaults(
    stored: dict[str, Any], block: body.Block
) -> None:
    assert body.from_json([stored]) == [block]


@pytest.mark.parametrize(
    "stored",
    [
        {"type": "gallery", "images": [1, 2], "caption": "x"},
        {"type": None, "images": [1]},
        {"images": [1], "caption": "no type at all"},
    ],
    ids=["unknown", "null", "missing"],
)
def test_a_stored_block_of_an_unknown_type_is_refused_not_taken_for_a_figure(
    stored: dict[str, Any],
) -> None:
    data = [{"type": "paragraph", "text": "Đoạn."}, stored]
    with pytest.raises(body.UnknownBlockType, match=r"Block 1 of a stored body has type") as error:
        body.from_json(data)
    assert repr(stored.get("type")) in str(error.value)
    assert "paragraph, heading, quote, figure" in str(error.value)


@pytest.mark.parametrize(
    ("block", "plain", "search"),
    [
        (body.Paragraph("Đoạn."), "Đoạn.", ("Đoạn.",)),
        (body.Heading("Tiêu đề", 2), "Tiêu đề", ("Tiêu đề",)),
        (body.Quote("Lời.", "Ông A"), "“Lời.” — Ông A", ("Lời.", "Ông A")),
        (body.Quote("Lời."), "“Lời.”", ("Lời.",)),
        (body.Figure((1,), "Chú thích", "Ảnh: B"), None, ("Chú thích",)),
        (body.Figure((1,), "", "Ảnh: B"), None, ()),
    ],
    ids=["paragraph", "heading", "quote", "quote-unattributed", "figure", "figure-uncaptioned"],
)
def test_text_for_readers_and_for_search(
    block: body.Block, plain: str | None, search: tuple[str, ...]
) -> None:
    assert block.plain_text() == plain
    assert block.search_text() == search
    assert body.render_text([block]) == (plain or "")
    assert body.search_text([block]) == list(search)


def _url(picture: body.Picture) -> str:
    return f"/media/{picture.store_key}"


IMG_1 = '<img src="/media/images/1.jpg" alt="" width="640" height="480" loading="lazy">'


@pytest.mark.parametrize(
    ("block", "html"),
    [
        (body.Paragraph("a < b"), "<p>a &lt; b</p>"),
        (body.Heading("<i>H</i>", 4), "<h4>&lt;i&gt;H&lt;/i&gt;</h4>"),
        (
            body.Quote("Q", "A & B"),
            "<blockquote><p>Q</p><footer>A &amp; B</footer></blockquote>",
        ),
        (body.Quote("Q"), "<blockquote><p>Q</p></blockquote>"),
        (
            body.Figure((1, 9), "Cap", "Cr"),
            f"<figure>{IMG_1}<figcaption>Cap <small>Cr</small></figcaption></figure>",
        ),
        (body.Figure((1,)), f"<figure>{IMG_1}</figure>"),
        (body.Figure((9,), "Gone"), None),
    ],
    ids=["paragraph", "heading", "quote", "quote-unattributed", "figure", "bare", "gone"],
)
def test_html_of_each_kind(block: body.Block, html: str | None) -> None:
    assert block.html({1: image(1)}, _url) == html
    assert body.render_html([block], {1: image(1)}, _url) == (html or "")


API = body.Sizes(chars=10)
API_WIDE = body.Sizes(chars=1000)


@pytest.mark.parametrize(
    ("block", "field", "message"),
    [
        (
            body.Paragraph(" \n "),
            "body.1.paragraph.text",
            "`body.1.paragraph.text` cannot be empty.",
        ),
        (body.Paragraph("x" * 11), "body.1.paragraph.text", "at most 10 are allowed"),
        (body.Heading("H", 1), "body.1.heading.level", "from 2 to 6 (h1 is the title), not 1."),
        (body.Heading("H", 7), "body.1.heading.level", "Heading levels go from 2 to 6"),
        (body.Heading(" ", 2), "body.1.heading.text", "cannot be empty"),
        (body.Quote(""), "body.1.quote.text", "cannot be empty"),
        (body.Quote("Q", "a" * 301), "body.1.quote.attribution", "at most 300 are allowed"),
        (body.Quote("x" * 8, "y" * 3), "body.1", "The block has 11 characters: at most 10."),
        (body.Figure(()), "body.1.figure.imageIds", "A figure shows 1 to 20 pictures."),
        (body.Figure(tuple(range(21))), "body.1.figure.imageIds", "1 to 20 pictures"),
        (body.Figure((1,), "c" * 11), "body.1.figure.caption", "at most 10 are allowed"),
        (body.Figure((1,), "", "c" * 301), "body.1.figure.credit", "at most 300 are allowed"),
        (body.Figure((1,), "x" * 6, "y" * 5), "body.1", "The block has 11 characters"),
    ],
)
def test_the_one_validation_names_the_path_of_the_value(
    block: body.Block, field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        body.checked([body.Paragraph("Trước."), block], API)
    assert error.value.field == field
    assert message in error.value.message


def test_checked_blocks_are_nfc_and_trimmed_headings_and_credits_on_one_line() -> None:
    nfd = unicodedata.normalize("NFD", "Hội nghị")
    given: list[body.Block] = [
        body.Paragraph(f"  {nfd}\ndòng hai  "),
        body.Heading(f" {nfd}\n  tiếp ", 2),
        body.Quote(f" {nfd} ", " Ông\tA "),
        body.Figure((1,), f" {nfd} ", " Ảnh:\n TTXVN "),
    ]
    assert body.checked(given, API_WIDE) == [
        body.Paragraph("Hội nghị\ndòng hai"),
        body.Heading("Hội nghị tiếp", 2),
        body.Quote("Hội nghị", "Ông A"),
        body.Figure((1,), "Hội nghị", "Ảnh: TTXVN"),
    ]
    assert body.to_json(given) == [block.to_json() for block in body.checked(given, API_WIDE)]


def test_the_store_checks_shape_not_size() -> None:
    """What is written without the API's sizes (the importer) keeps its size, but no block is
    stored empty, at the wrong level or without a picture."""
    big: list[body.Block] = [
        body.Paragraph("x" * 20_000),
        body.Figure(tuple(range(1, 30)), "c" * 20_000),
    ]
    assert body.from_json(body.to_json(big)) == big
    with pytest.raises(InvalidInput) as error:
        body.to_json([*big, body.Heading("H", 1)])
    assert error.value.field == "body.2.heading.level"
