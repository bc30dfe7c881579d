"""The body's blocks in the API: every kind of the domain has an output type and an input field,
and both mappings carry each kind's values across unchanged."""

from __future__ import annotations

import dataclasses
from typing import get_args

import pytest
import strawberry

from cms.articles import body
from cms.core.errors import InvalidId
from schema.types import blocks
from schema.types.node import to_global_id

INPUTS: list[tuple[blocks.ArticleBlockInput, body.Block]] = [
    (
        blocks.ArticleBlockInput(paragraph=blocks.ParagraphInput(text="Đoạn.")),
        body.Paragraph("Đoạn."),
    ),
    (
        blocks.ArticleBlockInput(heading=blocks.HeadingInput(text="Tiêu đề", level=3)),
        body.Heading("Tiêu đề", 3),
    ),
    (
        blocks.ArticleBlockInput(quote=blocks.QuoteInput(text="Lời.", attribution="Ông A")),
        body.Quote("Lời.", "Ông A"),
    ),
    (
        blocks.ArticleBlockInput(
            figure=blocks.FigureInput(
                image_ids=[strawberry.ID(to_global_id("Image", 7))], caption="C", credit="Cr"
            )
        ),
        body.Figure((7,), "C", "Cr"),
    ),
]


def test_every_kind_has_an_input_field_named_for_its_stored_type() -> None:
    fields = {f.name for f in dataclasses.fields(blocks.ArticleBlockInput)}
    assert fields == {kind.TYPE for kind in body.KINDS}
    assert {type(block) for _, block in INPUTS} == set(body.KINDS)


@pytest.mark.parametrize(("given", "block"), INPUTS, ids=[b.TYPE for _, b in INPUTS])
def test_input_to_domain(given: blocks.ArticleBlockInput, block: body.Block) -> None:
    assert blocks.to_blocks([given]) == (block,)


def test_a_bad_image_id_names_its_place() -> None:
    figure = blocks.FigureInput(
        image_ids=[strawberry.ID(to_global_id("Image", 1)), strawberry.ID("not-an-id")]
    )
    given = [blocks.ArticleBlockInput(paragraph=blocks.ParagraphInput(text="a"))] * 3
    with pytest.raises(InvalidId) as error:
        blocks.to_blocks([*given, blocks.ArticleBlockInput(figure=figure)])
    assert error.value.field == "body.3.figure.imageIds.1"


def test_domain_to_output_covers_every_member_of_the_union() -> None:
    union = get_args(get_args(blocks.ArticleBlock)[0])
    shown = [blocks.block_type(block, 1) for _, block in INPUTS]
    assert [type(item) for item in shown] == list(union)
    paragraph, heading, quote, figure = shown
    assert paragraph == blocks.ParagraphBlock(text="Đoạn.")
    assert heading == blocks.HeadingBlock(text="Tiêu đề", level=3)
    assert quote == blocks.QuoteBlock(text="Lời.", attribution="Ông A")
    assert isinstance(figure, blocks.FigureBlock)
    assert figure._figure == body.Figure((7,), "C", "Cr")
    assert figure._article_id == 1
