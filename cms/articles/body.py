"""An article's body: an ordered list of typed blocks, stored as JSON, rendered to HTML and text.

A figure is one or more images with one caption. The caption belongs to this use of the images in
this article; an image's own default caption is only the fallback when a figure has none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from cms.articles.reads import ImageRow
from cms.core.errors import InvalidInput
from cms.models import Image
from cms.text import normalize

HEADING_LEVELS = range(2, 7)
"""h1 is the article's title, so body headings are h2..h6."""


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    attribution: str = ""


@dataclass(frozen=True, slots=True)
class Figure:
    image_ids: tuple[int, ...]
    caption: str = ""
    credit: str = ""


Block = Paragraph | Heading | Quote | Figure


def to_json(blocks: Iterable[Block]) -> list[dict[str, Any]]:
    """The stored form, validated and NFC-normalised."""
    return [_block_json(_checked(block)) for block in blocks]


def from_json(data: Sequence[Mapping[str, Any]]) -> list[Block]:
    """Blocks from their stored form (trusted: it was written by :func:`to_json`)."""
    return [_block_from(item) for item in data]


def image_ids(blocks: Iterable[Block]) -> list[int]:
    """Every image a body uses, in reading order, each once."""
    ids = (i for block in blocks if isinstance(block, Figure) for i in block.image_ids)
    return list(dict.fromkeys(ids))


def figure_caption(figure: Figure, images: Sequence[Image | ImageRow | None]) -> str:
    """The figure's own caption, else the first non-empty default caption of its images."""
    if figure.caption:
        return figure.caption
    return next((image.caption for image in images if image is not None and image.caption), "")


def render_text(blocks: Iterable[Block]) -> str:
    """Plain text: one paragraph per text block, separated by blank lines; figures left out."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph | Heading):
            parts.append(block.text)
        elif isinstance(block, Quote):
            parts.append(
                f"“{block.text}”" + (f" — {block.attribution}" if block.attribution else "")
            )
    return "\n\n".join(parts)


def render_html(
    blocks: Iterable[Block],
    images: Mapping[int, Image | ImageRow],
    url: Callable[[Image | ImageRow], str],
) -> str:
    """Escaped HTML: <p>, <h2>-<h6>, <blockquote>, and <figure> with <img> and <figcaption>.

    Images that no longer exist are left out; a figure left with no image is left out entirely.
    """
    return "\n".join(
        html for block in blocks if (html := _block_html(block, images, url)) is not None
    )


def _block_html(
    block: Block, images: Mapping[int, Image | ImageRow], url: Callable[[Image | ImageRow], str]
) -> str | None:
    if isinstance(block, Paragraph):
        return f"<p>{escape(block.text)}</p>"
    if isinstance(block, Heading):
        return f"<h{block.level}>{escape(block.text)}</h{block.level}>"
    if isinstance(block, Quote):
        cite = f"<footer>{escape(block.attribution)}</footer>" if block.attribution else ""
        return f"<blockquote><p>{escape(block.text)}</p>{cite}</blockquote>"
    found = [images[i] for i in block.image_ids if i in images]
    if not found:
        return None
    imgs = "".join(_img_html(image, url) for image in found)
    caption = figure_caption(block, found)
    credit = f" <small>{escape(block.credit)}</small>" if block.credit else ""
    figcaption = f"<figcaption>{escape(caption)}{credit}</figcaption>" if caption or credit else ""
    return f"<figure>{imgs}{figcaption}</figure>"


def _img_html(image: Image | ImageRow, url: Callable[[Image | ImageRow], str]) -> str:
    return (
        f'<img src="{escape(url(image))}" alt="{escape(image.alt)}" '
        f'width="{image.width}" height="{image.height}" loading="lazy">'
    )


def _checked(block: Block) -> Block:
    if isinstance(block, Figure):
        if not block.image_ids:
            raise InvalidInput("A figure needs at least one image.", field="body")
        return Figure(block.image_ids, normalize(block.caption).strip(), normalize(block.credit))
    if not block.text.strip():
        raise InvalidInput("A text block cannot be empty.", field="body")
    if isinstance(block, Heading):
        if block.level not in HEADING_LEVELS:
            raise InvalidInput("Heading levels go from 2 to 6.", field="body")
        return Heading(normalize(block.text).strip(), block.level)
    if isinstance(block, Quote):
        return Quote(normalize(block.text).strip(), normalize(block.attribution).strip())
    return Paragraph(normalize(block.text).strip())


def _block_json(block: Block) -> dict[str, Any]:
    if isinstance(block, Paragraph):
        return {"type": "paragraph", "text": block.text}
    if isinstance(block, Heading):
        return {"type": "heading", "text": block.text, "level": block.level}
    if isinstance(block, Quote):
        return {"type": "quote", "text": block.text, "attribution": block.attribution}
    return {
        "type": "figure",
        "images": list(block.image_ids),
        "caption": block.caption,
        "credit": block.credit,
    }


def figure_captions(data: Sequence[Mapping[str, Any]]) -> dict[int, str]:
    """Image id -> caption of the first figure that shows it with a caption, read from the
    stored form (a feed's covers need no other block: the paragraphs are not built)."""
    captions: dict[int, str] = {}
    for item in data:
        if item["type"] == "figure" and item.get("caption"):
            for image_id in item["images"]:
                captions.setdefault(image_id, item["caption"])
    return captions


def _block_from(item: Mapping[str, Any]) -> Block:
    kind = item["type"]
    if kind == "paragraph":
        return Paragraph(item["text"])
    if kind == "heading":
        return Heading(item["text"], item.get("level", 2))
    if kind == "quote":
        return Quote(item["text"], item.get("attribution", ""))
    return Figure(tuple(item["images"]), item.get("caption", ""), item.get("credit", ""))
