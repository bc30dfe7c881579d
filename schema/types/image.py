"""The ``Image`` type: a stored picture with its URL, size and editorial text."""

from __future__ import annotations

from typing import Annotated

import strawberry

from cms import models
from cms.articles.reads import ImageRow
from cms.core import surrogate
from cms.core.locales import Reading
from cms.media import renditions
from schema.context import Info
from schema.types.node import Node, to_global_id
from schema.types.rendition import Fit, FocalPoint, ImageFormat, Rendition, rendition_of, srcset_of
from schema.types.translation import (
    UNTRANSLATED,
    ImageTranslation,
    LocaleArgument,
    translation_of,
)


@strawberry.type(description="A picture in the media store, with its size and editorial text.")
class Image(Node):
    id: strawberry.ID = strawberry.field(description="Opaque, globally unique ID.")
    width: int = strawberry.field(description="Width in pixels, as displayed.")
    height: int = strawberry.field(description="Height in pixels, as displayed.")
    mime_type: str = strawberry.field(description="MIME type, e.g. `image/jpeg`.")
    size: int = strawberry.field(description="File size in bytes.")
    filename: str = strawberry.field(description="The file name it was uploaded with.")
    alt: str = strawberry.field(
        description="Alternative text for screen readers; read through an article, in the "
        "article's locale." + UNTRANSLATED
    )
    caption: str = strawberry.field(
        description="Caption for this use of the picture: inside an article, the caption of the "
        "figure that shows it; elsewhere (or when the figure has none) the picture's default, "
        "in the article's locale as `alt`."
    )
    credit: str = strawberry.field(
        description="Photographer or agency credit; may be empty. In the article's locale, as "
        "`alt`."
    )
    placeholder: str | None = strawberry.field(
        description="A BlurHash (https://blurha.sh) of the picture, about 30 characters: decode "
        "it to paint a blurred preview while the file loads. Null for an image taken in before "
        "placeholders existed, until `cms images backfill` has run."
    )
    dominant_color: str | None = strawberry.field(
        description="The picture's main colour, `#rrggbb`, to fill its box before anything "
        "else arrives. Null as `placeholder`."
    )
    _key: strawberry.Private[str]
    _source: strawberry.Private[renditions.Source]
    _row: strawberry.Private[ImageRow | None] = None

    @strawberry.field(
        description="Absolute URL of the file. It never changes for a given file and may be "
        "cached for ever."
    )
    def url(self, info: Info) -> str:
        return info.context.media_url(self._key)

    @strawberry.field(
        description="The point that crops keep in view (`rendition` with `fit: COVER`); set it "
        "with `imageUpdate`."
    )
    def focal_point(self) -> FocalPoint:
        return FocalPoint(x=self._source.focal_x, y=self._source.focal_y)

    @strawberry.field(
        description="A resized copy for a screen: `width` snaps up to the next allowed width "
        "(160, 320, 480, 640, 960, 1280, 1920 by default) but never past the picture's own; "
        "`height` gives the shape, snapped to the nearest allowed aspect ratio (1:1, 5:4, 4:3, "
        "3:2, 16:9, 2:1, 21:9 and their upright forms by default). Example: "
        "`rendition(width: 600, height: 338) { url width height }` gives a 640x360 WebP."
    )
    def rendition(
        self,
        info: Info,
        width: Annotated[
            int, strawberry.argument(description="The width wanted, in pixels (CSS px x DPR).")
        ],
        height: Annotated[
            int | None,
            strawberry.argument(
                description="The height wanted, for its shape (with `width`); omitted: the "
                "picture's own shape, uncropped."
            ),
        ] = None,
        fit: Annotated[
            Fit, strawberry.argument(description="Crop to the shape, or fit inside it.")
        ] = Fit.COVER,
        format: Annotated[
            ImageFormat, strawberry.argument(description="The file format wanted.")
        ] = ImageFormat.AUTO,
    ) -> Rendition:
        return rendition_of(info.context, self._source, width, height, fit, format)

    @strawberry.field(
        description="A ready `srcset` attribute for `<img>`: the whole picture at each width "
        "(snapped as in `rendition`, each once), e.g. `https://cms.example.org/media/r/…/"
        "320x213-….webp 320w, https://cms.example.org/media/r/…/640x427-….webp 640w`."
    )
    def srcset(
        self,
        info: Info,
        widths: Annotated[
            list[int] | None,
            strawberry.argument(
                description="The widths wanted (1 to 20); omitted: every allowed width."
            ),
        ] = None,
        format: Annotated[
            ImageFormat, strawberry.argument(description="The file format of every entry.")
        ] = ImageFormat.WEBP,
    ) -> str:
        return srcset_of(info.context, self._source, widths, format)

    @classmethod
    def from_row(
        cls, image: ImageRow, caption: str | None = None, reading: Reading | None = None
    ) -> Image:
        surrogate.record("image", image.id)
        alt, credit, default_caption = image.alt, image.credit, image.caption
        if reading is not None:
            alt = reading.text(image.alt, image.translations, "alt")
            credit = reading.text(image.credit, image.translations, "credit")
            default_caption = reading.text(image.caption, image.translations, "caption")
        return cls(
            id=to_global_id("Image", image.id),
            width=image.width,
            height=image.height,
            mime_type=image.mime_type,
            size=image.size,
            filename=image.filename,
            alt=alt,
            caption=caption or default_caption,
            credit=credit,
            placeholder=image.placeholder,
            dominant_color=image.dominant_color,
            _key=image.store_key,
            _source=source_of(image),
            _row=image,
        )

    @strawberry.field(
        description="Its default texts in one locale, as written: null when it has none."
    )
    def translation(self, info: Info, locale: LocaleArgument) -> ImageTranslation | None:
        row, locales = self._row, info.context.locales()
        if row is None:
            return None
        defaults = {"alt": row.alt, "caption": row.caption, "credit": row.credit}
        return translation_of(defaults, row.translations, locale, locales, ImageTranslation)

    @classmethod
    async def load(cls, info: Info, pk: int) -> Image | None:
        """The image with primary key ``pk`` if the viewer may see it."""
        loaders = info.context.loaders
        image = await loaders.image_by_id.load(pk)
        if image is None or not await loaders.image_is_public.load(pk):
            return None
        return cls.from_row(image)

    @classmethod
    def from_model(cls, image: models.Image) -> Image:
        """The picture a mutation just wrote (its row made from the model, no statement)."""
        return cls.from_row(ImageRow.of(image))


def source_of(image: ImageRow) -> renditions.Source:
    """What planning a rendition of ``image`` needs (see :func:`cms.media.renditions.plan`)."""
    return renditions.Source(
        image.content_hash, image.width, image.height, image.focal_x, image.focal_y
    )
