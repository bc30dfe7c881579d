from __future__ import annotations

import pytest

from cms.articles import body
from cms.core.errors import InvalidInput
from cms.models import Image


def image(pk: int, caption: str = "", alt: str = "") -> Image:
    return Image(
        id=pk,
        store_key=f"images/{pk}.jpg",
        filename=f"{pk}.jpg",
        mime_type="image/jpeg",
        size=1,
        width=640,
        height=480,
        content_hash=str(pk),
        alt=alt,
        caption=caption,
    )


BLOCKS: list[body.Block] = [
    body.Heading("Bối cảnh <b>", 2),
    body.Paragraph('Giá "vàng" tăng & <script>alert(1)</script>'),
    body.Quote("Dám nghĩ, dám làm", "Hoàng Văn Khởi"),
    body.Figure((1, 2), "Một số hình ảnh"),
    body.Figure((3,)),
]


def test_json_round_trip() -> None:
    assert body.from_json(body.to_json(BLOCKS)) == BLOCKS


def test_html_escapes_text_and_renders_figures() -> None:
    images = {1: image(1, alt='A "quoted" alt'), 2: image(2), 3: image(3, caption="Mặc định")}
    html = body.render_html(BLOCKS, images, lambda i: f"https://cdn.test/{i.store_key}?a=1&b=2")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<h2>Bối cảnh &lt;b&gt;</h2>" in html
    quote = "<blockquote><p>Dám nghĩ, dám làm</p><footer>Hoàng Văn Khởi</footer></blockquote>"
    assert quote in html
    assert html.count("<figure>") == 2
    assert 'src="https://cdn.test/images/1.jpg?a=1&amp;b=2"' in html
    assert 'alt="A &quot;quoted&quot; alt"' in html
    assert 'width="640" height="480" loading="lazy"' in html
    assert "<figcaption>Một số hình ảnh</figcaption>" in html
    assert "<figcaption>Mặc định</figcaption>" in html  # the image's default caption as fallback


def test_html_leaves_out_figures_whose_images_are_gone() -> None:
    html = body.render_html([body.Figure((9,), "x")], {}, lambda i: "")
    assert html == ""


def test_text_has_paragraphs_and_no_figures() -> None:
    text = body.render_text(BLOCKS)
    assert text.split("\n\n") == [
        "Bối cảnh <b>",
        'Giá "vàng" tăng & <script>alert(1)</script>',
        "“Dám nghĩ, dám làm” — Hoàng Văn Khởi",
    ]


@pytest.mark.parametrize(
    "block",
    [body.Paragraph("  "), body.Heading("x", 1), body.Heading("x", 7), body.Figure(())],
    ids=["blank", "h1", "h7", "no-images"],
)
def test_invalid_blocks_are_refused(block: body.Block) -> None:
    with pytest.raises(InvalidInput):
        body.to_json([block])


def test_image_ids_in_reading_order_each_once() -> None:
    assert body.image_ids([*BLOCKS, body.Figure((2, 4))]) == [1, 2, 3, 4]
