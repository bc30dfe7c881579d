"""The body's blocks in the API: for every kind of :mod:`cms.articles.body`, side by side, its
output type (``ParagraphBlock``), its input type (``ParagraphInput``, one field of
``ArticleBlockInput``) and the two mappings: input to domain (each input's ``to_block``, the
whole body by :func:`to_blocks`) and domain to output (:func:`block_type`, a ``match`` that
mypy holds to every kind).

A new kind gets its four pieces here; ``tests/unit/test_blocks.py`` checks that every kind of
the domain has an output type in ``ArticleBlock`` and an input field in ``ArticleBlockInput``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar, assert_never

import strawberry

from cms.articles import body as body_
from cms.articles.reads import ImageRow
from cms.core.bounds import holds
from schema.context import Info, Resolved, resolved
from schema.types.image import Image
from schema.types.node import pk_of

T = TypeVar("T")

__all__ = [
    "ArticleBlock",
    "ArticleBlockInput",
    "FigureBlock",
    "FigureInput",
    "HeadingBlock",
    "HeadingInput",
    "ParagraphBlock",
    "ParagraphInput",
    "QuoteBlock",
    "QuoteInput",
    "block_type",
    "to_blocks",
]

# Paragraph


@strawberry.type(description="A paragraph of running text.")
class ParagraphBlock:
    text: str = strawberry.field(description="The paragraph's text, plain (no markup).")


@strawberry.input(description="A paragraph of running text.")
class ParagraphInput:
    text: str = strawberry.field(
        description="Plain text, no markup: `<b>` is shown as typed, never as bold."
    )

    def to_block(self, path: str) -> body_.Paragraph:
        return body_.Paragraph(self.text)


# Heading


@strawberry.type(description="A sub-heading inside the body.")
class HeadingBlock:
    text: str = strawberry.field(description="The heading's text.")
    level: int = strawberry.field(description="2 to 6, as in HTML's h2..h6 (h1 is the title).")


@strawberry.input(description="A sub-heading inside the body.")
class HeadingInput:
    text: str = strawberry.field(description="The heading's text, on one line.")
    level: int = strawberry.field(default=2, description="2 to 6, as HTML's h2..h6 (default 2).")

    def to_block(self, path: str) -> body_.Heading:
        return body_.Heading(self.text, self.level)


# Quote


@strawberry.type(description="A quotation set apart from the running text.")
class QuoteBlock:
    text: str = strawberry.field(description="The quoted words.")
    attribution: str = strawberry.field(description="Who said it; may be empty.")


@strawberry.input(description="A quotation set apart from the running text.")
class QuoteInput:
    text: str = strawberry.field(description="The quoted words.")
    attribution: str = strawberry.field(default="", description="Who said it; may be empty.")

    def to_block(self, path: str) -> body_.Quote:
        return body_.Quote(self.text, self.attribution)


# Figure


@strawberry.type(
    description="One or more pictures shown together with one caption, as placed in the article."
)
class FigureBlock:
    _figure: strawberry.Private[body_.Figure]
    _article_id: strawberry.Private[int]

    @strawberry.field(
        description="The pictures, in order. Each `caption` is this figure's.",
        graphql_type=list[Image],
        metadata=holds(body_.MAX_FIGURE_IMAGES),
    )
    def images(self, info: Info) -> Resolved[list[Image]]:
        return self._used(info, self._typed)

    @strawberry.field(
        description="Caption of this figure in this article; falls back to the pictures' own "
        "default caption when the article gives none.",
        graphql_type=str,
    )
    def caption(self, info: Info) -> Resolved[str]:
        return self._used(info, self._caption)

    @strawberry.field(description="Credit for the pictures; may be empty.", graphql_type=str)
    def credit(self, info: Info) -> Resolved[str]:
        if self._figure.credit:
            return self._figure.credit
        return self._used(info, self._credit)

    def _used(self, info: Info, then: Callable[[list[ImageRow]], T]) -> Resolved[T]:
        """``then`` of the figure's pictures, from the article's pictures (one batched statement
        for every figure of every article in the request, or primed by the planner)."""
        ids = self._figure.image_ids

        def pictures(used: list[ImageRow]) -> T:
            by_id = {image.id: image for image in used}
            return then([by_id[i] for i in ids if i in by_id])

        return resolved(info.context.loaders.images_by_article_id, self._article_id, pictures)

    def _typed(self, found: list[ImageRow]) -> list[Image]:
        caption = body_.figure_caption(self._figure, found)
        return [Image.from_row(image, caption) for image in found]

    def _caption(self, found: list[ImageRow]) -> str:
        return body_.figure_caption(self._figure, found)

    @staticmethod
    def _credit(found: list[ImageRow]) -> str:
        return next((image.credit for image in found if image.credit), "")


@strawberry.input(description="One or more pictures shown together with one caption.")
class FigureInput:
    image_ids: list[strawberry.ID] = strawberry.field(
        description="The pictures (Image IDs), in order: 1 to 20 of them."
    )
    caption: str = strawberry.field(
        default="", description="Caption in this article; empty: the pictures' own caption."
    )
    credit: str = strawberry.field(default="", description="Photographer or agency credit.")

    def to_block(self, path: str) -> body_.Figure:
        """The figure; its Image IDs become keys (a bad one names its place)."""
        ids = tuple(
            pk_of(value, "Image", f"{path}.figure.imageIds.{m}")
            for m, value in enumerate(self.image_ids)
        )
        return body_.Figure(ids, self.caption, self.credit)


# Every kind


ArticleBlock = Annotated[
    ParagraphBlock | HeadingBlock | QuoteBlock | FigureBlock,
    strawberry.union("ArticleBlock", description="One block of an article's body."),
]


@strawberry.input(
    one_of=True,
    description="One block of an article's body: give exactly one of its fields, e.g. "
    '`{ paragraph: { text: "…" } }` or `{ figure: { imageIds: ["…"], caption: "…" } }`.',
)
class ArticleBlockInput:
    paragraph: ParagraphInput | None = strawberry.field(
        default=strawberry.UNSET, description="A paragraph."
    )
    heading: HeadingInput | None = strawberry.field(
        default=strawberry.UNSET, description="A sub-heading."
    )
    quote: QuoteInput | None = strawberry.field(
        default=strawberry.UNSET, description="A quotation."
    )
    figure: FigureInput | None = strawberry.field(
        default=strawberry.UNSET, description="One or more pictures."
    )

    def to_block(self, path: str) -> body_.Block:
        given = self.paragraph or self.heading or self.quote or self.figure
        assert given  # @oneOf: GraphQL checked that exactly one field is given
        return given.to_block(path)


def to_blocks(blocks: list[ArticleBlockInput]) -> tuple[body_.Block, ...]:
    """The body's blocks as the services take them (a bad Image ID names its place)."""
    return tuple(block.to_block(f"body.{n}") for n, block in enumerate(blocks))


def block_type(
    block: body_.Block, article_id: int
) -> ParagraphBlock | HeadingBlock | QuoteBlock | FigureBlock:
    """A block of ``article_id``'s body as the API shows it."""
    match block:
        case body_.Paragraph():
            return ParagraphBlock(text=block.text)
        case body_.Heading():
            return HeadingBlock(text=block.text, level=block.level)
        case body_.Quote():
            return QuoteBlock(text=block.text, attribution=block.attribution)
        case body_.Figure():
            return FigureBlock(_figure=block, _article_id=article_id)
        case _:
            assert_never(block)
