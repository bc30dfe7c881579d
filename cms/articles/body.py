"""An article's body: an ordered list of typed blocks, stored as JSON, rendered to HTML and text.

Each kind of block is declared here once, with everything the domain does with it: its ``TYPE``
(the tag of its stored form), :meth:`parse` and :meth:`to_json` (the stored form), :meth:`checked`
(the one validation, whose messages name the value's path in the API's input, such as
``body.3.figure.imageIds``), :meth:`plain_text` (``bodyText``), :meth:`search_text` (what the
search index holds) and :meth:`html` (``bodyHtml``). :data:`Block` is the union of the kinds and
:data:`KINDS` lists them: a new kind goes into both, and mypy then names every method it lacks
(each is called on the union) and every ``match`` over the union that forgets it
(``assert_never``), such as the GraphQL mapping in :mod:`schema.types.blocks`.

A figure is one or more images with one caption. The caption belongs to this use of the images in
this article; an image's own default caption is only the fallback when a figure has none.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, ClassVar

from cms.articles.reads import ImageRow
from cms.core.errors import InvalidInput
from cms.core.fields import line, text
from cms.models import Image

HEADING_LEVELS = range(2, 7)
"""h1 is the article's title, so body headings are h2..h6."""
ATTRIBUTION_MAX = 300
CREDIT_MAX = 300
MAX_FIGURE_IMAGES = 20

Picture = Image | ImageRow
"""A picture as the HTML of a figure reads it: a model or a row of the read API."""
Url = Callable[[Picture], str]
"""The public address of a picture."""


@dataclass(frozen=True, slots=True)
class Sizes:
    """How large a block may be. The API checks what writers send against its sizes (the
    defaults, and ``chars`` from the settings); what is written to the store is checked again
    for its shape only (:data:`UNSIZED`), so that imported content keeps the sizes it has."""

    chars: int
    """A block's text, its fields together (the setting ``max_block_chars``)."""
    attribution: int = ATTRIBUTION_MAX
    credit: int = CREDIT_MAX
    images: int = MAX_FIGURE_IMAGES


UNSIZED = Sizes(sys.maxsize, sys.maxsize, sys.maxsize, sys.maxsize)
"""No size limit: shape only (text not empty, a heading's level, a figure has a picture)."""


class UnknownBlockType(ValueError):
    """A stored block of a type this code does not know: written by a newer version, or by hand.

    Reading it is refused, loudly: guessing (once, anything unknown was taken for a figure) shows
    readers something else, and skipping it would let the next edit save the body without it.
    """


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str

    TYPE: ClassVar[str] = "paragraph"

    @classmethod
    def parse(cls, item: Mapping[str, Any]) -> Paragraph:
        return cls(item["text"])

    def to_json(self) -> dict[str, Any]:
        return {"type": self.TYPE, "text": self.text}

    def checked(self, path: str, sizes: Sizes) -> Paragraph:
        return Paragraph(text(self.text, f"{path}.paragraph.text", sizes.chars, required=True))

    def plain_text(self) -> str | None:
        return self.text

    def search_text(self) -> tuple[str, ...]:
        return (self.text,)

    def html(self, images: Mapping[int, Picture], url: Url) -> str | None:
        return f"<p>{escape(self.text)}</p>"


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int = 2

    TYPE: ClassVar[str] = "heading"

    @classmethod
    def parse(cls, item: Mapping[str, Any]) -> Heading:
        return cls(item["text"], item.get("level", 2))

    def to_json(self) -> dict[str, Any]:
        return {"type": self.TYPE, "text": self.text, "level": self.level}

    def checked(self, path: str, sizes: Sizes) -> Heading:
        if self.level not in HEADING_LEVELS:
            raise InvalidInput(
                f"Heading levels go from 2 to 6 (h1 is the title), not {self.level}.",
                field=f"{path}.heading.level",
            )
        return Heading(
            line(self.text, f"{path}.heading.text", sizes.chars, required=True), self.level
        )

    def plain_text(self) -> str | None:
        return self.text

    def search_text(self) -> tuple[str, ...]:
        return (self.text,)

    def html(self, images: Mapping[int, Picture], url: Url) -> str | None:
        return f"<h{self.level}>{escape(self.text)}</h{self.level}>"


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    attribution: str = ""

    TYPE: ClassVar[str] = "quote"

    @classmethod
    def parse(cls, item: Mapping[str, Any]) -> Quote:
        return cls(item["text"], item.get("attribution", ""))

    def to_json(self) -> dict[str, Any]:
        return {"type": self.TYPE, "text": self.text, "attribution": self.attribution}

    def checked(self, path: str, sizes: Sizes) -> Quote:
        quoted = text(self.text, f"{path}.quote.text", sizes.chars, required=True)
        who = line(self.attribution, f"{path}.quote.attribution", sizes.attribution)
        _within(len(quoted) + len(who), path, sizes)
        return Quote(quoted, who)

    def plain_text(self) -> str | None:
        return f"“{self.text}”" + (f" — {self.attribution}" if self.attribution else "")

    def search_text(self) -> tuple[str, ...]:
        return (self.text, self.attribution) if self.attribution else (self.text,)

    def html(self, images: Mapping[int, Picture], url: Url) -> str | None:
        cite = f"<footer>{escape(self.attribution)}</footer>" if self.attribution else ""
        return f"<blockquote><p>{escape(self.text)}</p>{cite}</blockquote>"


@dataclass(frozen=True, slots=True)
class Figure:
    image_ids: tuple[int, ...]
    caption: str = ""
    credit: str = ""

    TYPE: ClassVar[str] = "figure"

    @classmethod
    def parse(cls, item: Mapping[str, Any]) -> Figure:
        return cls(tuple(item["images"]), item.get("caption", ""), item.get("credit", ""))

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.TYPE,
            "images": list(self.image_ids),
            "caption": self.caption,
            "credit": self.credit,
        }

    def checked(self, path: str, sizes: Sizes) -> Figure:
        if not 1 <= len(self.image_ids) <= sizes.images:
            raise InvalidInput(
                f"A figure shows 1 to {MAX_FIGURE_IMAGES} pictures.",
                field=f"{path}.figure.imageIds",
            )
        caption = text(self.caption, f"{path}.figure.caption", sizes.chars)
        credit = line(self.credit, f"{path}.figure.credit", sizes.credit)
        _within(len(caption) + len(credit), path, sizes)
        return Figure(tuple(self.image_ids), caption, credit)

    def plain_text(self) -> str | None:
        return None  # pictures have no place in plain text, and neither has their caption

    def search_text(self) -> tuple[str, ...]:
        return (self.caption,) if self.caption else ()

    def html(self, images: Mapping[int, Picture], url: Url) -> str | None:
        """Images that no longer exist are left out; with none left, so is the figure."""
        found = [images[i] for i in self.image_ids if i in images]
        if not found:
            return None
        imgs = "".join(_img_html(image, url) for image in found)
        caption = figure_caption(self, found)
        credit = f" <small>{escape(self.credit)}</small>" if self.credit else ""
        figcaption = (
            f"<figcaption>{escape(caption)}{credit}</figcaption>" if caption or credit else ""
        )
        return f"<figure>{imgs}{figcaption}</figure>"


Block = Paragraph | Heading | Quote | Figure
KINDS: tuple[type[Block], ...] = (Paragraph, Heading, Quote, Figure)
"""Every kind of :data:`Block`, by which :func:`from_json` reads the stored form."""
_PARSERS: dict[str, Callable[[Mapping[str, Any]], Block]] = {k.TYPE: k.parse for k in KINDS}


def checked(blocks: Iterable[Block], sizes: Sizes) -> list[Block]:
    """The blocks NFC-normalised and trimmed; :class:`InvalidInput` on the first one that breaks
    a rule, its ``field`` the path of the value in the API's input (``body.3.quote.text``)."""
    return [block.checked(f"body.{n}", sizes) for n, block in enumerate(blocks)]


def to_json(blocks: Iterable[Block]) -> list[dict[str, Any]]:
    """The stored form, its blocks checked for their shape (see :data:`UNSIZED`)."""
    return [block.to_json() for block in checked(blocks, UNSIZED)]


def from_json(data: Sequence[Mapping[str, Any]]) -> list[Block]:
    """Blocks from their stored form (trusted: it was written by :func:`to_json`);
    :class:`UnknownBlockType` for a block of a type this code does not know."""
    return [_parsed(n, item) for n, item in enumerate(data)]


def image_ids(blocks: Iterable[Block]) -> list[int]:
    """Every image a body uses, in reading order, each once."""
    ids = (i for block in blocks if isinstance(block, Figure) for i in block.image_ids)
    return list(dict.fromkeys(ids))


def figure_caption(figure: Figure, images: Sequence[Picture | None]) -> str:
    """The figure's own caption, else the first non-empty default caption of its images."""
    if figure.caption:
        return figure.caption
    return next((image.caption for image in images if image is not None and image.caption), "")


def figure_captions(data: Sequence[Mapping[str, Any]]) -> dict[int, str]:
    """Image id -> caption of the first figure that shows it with a caption, read from the
    stored form (a feed's covers need no other block: the paragraphs are not built)."""
    captions: dict[int, str] = {}
    for item in data:
        if item["type"] == Figure.TYPE and item.get("caption"):
            for image_id in item["images"]:
                captions.setdefault(image_id, item["caption"])
    return captions


def render_text(blocks: Iterable[Block]) -> str:
    """Plain text: one paragraph per text block, separated by blank lines; figures left out."""
    return "\n\n".join(t for block in blocks if (t := block.plain_text()) is not None)


def search_text(blocks: Iterable[Block]) -> list[str]:
    """What the search index holds of a body, in reading order: the text of paragraphs, headings
    and quotes, the quotes' attributions and the figures' own captions."""
    return [part for block in blocks for part in block.search_text()]


def render_html(blocks: Iterable[Block], images: Mapping[int, Picture], url: Url) -> str:
    """Escaped HTML: <p>, <h2>-<h6>, <blockquote>, and <figure> with <img> and <figcaption>.

    Images that no longer exist are left out; a figure left with no image is left out entirely.
    """
    return "\n".join(html for block in blocks if (html := block.html(images, url)) is not None)


def _parsed(n: int, item: Mapping[str, Any]) -> Block:
    parse = _PARSERS.get(item.get("type", ""))
    if parse is None:
        known = ", ".join(_PARSERS)
        raise UnknownBlockType(
            f"Block {n} of a stored body has type {item.get('type')!r}: not one of {known}."
        )
    return parse(item)


def _within(size: int, path: str, sizes: Sizes) -> None:
    if size > sizes.chars:
        raise InvalidInput(f"The block has {size} characters: at most {sizes.chars}.", field=path)


def _img_html(image: Picture, url: Url) -> str:
    return (
        f'<img src="{escape(url(image))}" alt="{escape(image.alt)}" '
        f'width="{image.width}" height="{image.height}" loading="lazy">'
    )
