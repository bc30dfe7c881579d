"""Renditions in the API: ``Image.rendition``, ``Image.srcset`` and ``Image.focalPoint``.

Resolving them runs no Pillow and no SQL: a rendition's URL is worked out from the image's row
(already loaded) and signed; the file is made when the URL is first fetched.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from cms.core.errors import InvalidInput
from cms.media import renditions
from schema.context import Context

MAX_SRCSET_WIDTHS = 20
"""Most widths one ``srcset`` may ask for."""


@strawberry.enum(description="How a rendition fills a width and height of another shape.")
class Fit(Enum):
    COVER = strawberry.enum_value(
        "COVER",
        description="Fill the whole box, cropping what does not fit around the image's "
        "`focalPoint`.",
    )
    CONTAIN = strawberry.enum_value(
        "CONTAIN",
        description="Show the whole picture, as large as fits in the box (one side may come out "
        "shorter than asked).",
    )


@strawberry.enum(description="File format of a rendition.")
class ImageFormat(Enum):
    AUTO = strawberry.enum_value(
        "AUTO", description="The server's choice for the web: WebP (smaller than JPEG)."
    )
    WEBP = strawberry.enum_value("WEBP", description="WebP: small, with transparency.")
    JPEG = strawberry.enum_value("JPEG", description="JPEG: for old clients and e-mail.")
    PNG = strawberry.enum_value("PNG", description="PNG: lossless, large; for graphics.")
    AVIF = strawberry.enum_value(
        "AVIF",
        description="AVIF: the smallest files; WebP where the server cannot write AVIF "
        "(`Rendition.format` says which you got).",
    )


@strawberry.type(description="A resized copy of a picture, made the first time its URL is fetched.")
class Rendition:
    url: str = strawberry.field(
        description="Absolute, signed URL of the file. It never changes for a given picture, "
        "size and focal point, and may be cached for ever; altered, it answers 404."
    )
    width: int = strawberry.field(description="Width of the file in pixels.")
    height: int = strawberry.field(description="Height of the file in pixels.")
    format: ImageFormat = strawberry.field(description="Format of the file (never `AUTO`).")


@strawberry.type(
    description="The point of a picture that crops keep in view: 0..1 from the left and from "
    "the top; (0.5, 0.5), the centre, unless an editor set it."
)
class FocalPoint:
    x: float = strawberry.field(description="From 0 (left edge) to 1 (right edge).")
    y: float = strawberry.field(description="From 0 (top edge) to 1 (bottom edge).")


def rendition_of(
    context: Context,
    source: renditions.Source,
    width: int,
    height: int | None,
    fit: Fit,
    format: ImageFormat,
) -> Rendition:
    """The rendition a request gets (see :func:`cms.media.renditions.plan`), with its URL."""
    urls = context.renditions
    planned = renditions.plan(
        urls.policy,
        source,
        width,
        height,
        renditions.Fit[fit.name],
        renditions.Format[format.name],
    )
    return _typed(context, planned)


def srcset_of(
    context: Context, source: renditions.Source, widths: list[int] | None, format: ImageFormat
) -> str:
    """A ``srcset`` attribute: the whole picture at each width (snapped, each once)."""
    asked = context.renditions.policy.widths if widths is None else widths
    if not 1 <= len(asked) <= MAX_SRCSET_WIDTHS:
        raise InvalidInput(f"Give 1 to {MAX_SRCSET_WIDTHS} widths.", field="widths")
    policy, fmt = context.renditions.policy, renditions.Format[format.name]
    planned = {r.width: r for r in (renditions.plan(policy, source, w, format=fmt) for w in asked)}
    return ", ".join(f"{_typed(context, planned[w]).url} {w}w" for w in sorted(planned))


def _typed(context: Context, planned: renditions.Rendition) -> Rendition:
    return Rendition(
        url=context.media_url(context.renditions.path(planned)),
        width=planned.width,
        height=planned.height,
        format=ImageFormat[planned.format.name],
    )
