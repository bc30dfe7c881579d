"""The ``Image`` type: a stored picture with its URL, size and editorial text."""

from __future__ import annotations

import strawberry

from cms import models
from schema.context import Info
from schema.types.node import Node, to_global_id


@strawberry.type(description="A picture in the media store, with its size and editorial text.")
class Image(Node):
    id: strawberry.ID = strawberry.field(description="Opaque, globally unique ID.")
    width: int = strawberry.field(description="Width in pixels, as displayed.")
    height: int = strawberry.field(description="Height in pixels, as displayed.")
    mime_type: str = strawberry.field(description="MIME type, e.g. `image/jpeg`.")
    size: int = strawberry.field(description="File size in bytes.")
    filename: str = strawberry.field(description="The file name it was uploaded with.")
    alt: str = strawberry.field(description="Alternative text for screen readers.")
    caption: str = strawberry.field(
        description="Caption for this use of the picture: inside an article, the caption of the "
        "figure that shows it; elsewhere (or when the figure has none) the picture's default."
    )
    credit: str = strawberry.field(description="Photographer or agency credit; may be empty.")
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

    @strawberry.field(
        description="Absolute URL of the file. It never changes for a given file and may be "
        "cached for ever."
    )
    def url(self, info: Info) -> str:
        return info.context.media_url(self._key)

    @classmethod
    def from_model(cls, image: models.Image, caption: str | None = None) -> Image:
        return cls(
            id=to_global_id("Image", image.id),
            width=image.width,
            height=image.height,
            mime_type=image.mime_type,
            size=image.size,
            filename=image.filename,
            alt=image.alt,
            caption=caption or image.caption,
            credit=image.credit,
            placeholder=image.placeholder,
            dominant_color=image.dominant_color,
            _key=image.store_key,
        )

    @classmethod
    async def load(cls, info: Info, pk: int) -> Image | None:
        """The image with primary key ``pk`` if the viewer may see it."""
        loaders = info.context.loaders
        image = await loaders.image_by_id.load(pk)
        if image is None or not await loaders.image_is_public.load(pk):
            return None
        return cls.from_model(image)
