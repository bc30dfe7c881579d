"""Photo uploads: ``imageUpload`` and ``imagesUpload``, over the GraphQL multipart request spec.

The files arrive as parts of a multipart request (see :mod:`cms.web.graphql.multipart`: CSRF header,
limits, temporary files); the rules (roles, formats, privacy, deduplication, all or nothing)
live in :mod:`cms.media.uploads`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.file_uploads import Upload

from cms.core.bounds import PAGE, holds
from cms.core.errors import InvalidInput
from cms.media import uploads
from cms.media.uploads import UploadedFile
from cms.models import Image as ImageModel
from schema.context import Info
from schema.mutations.errors import (
    Refusals,
    UnauthenticatedError,
    UserError,
    ValidationError,
    attempt,
    result,
)
from schema.types.image import Image

_FILE = (
    "The photo: a file part of the multipart request (the GraphQL multipart request spec), "
    "mapped to this variable. JPEG, PNG, WebP, GIF or AVIF, as its bytes say (never its name or "
    "declared type); GPS, serial numbers and other metadata are removed before it is stored."
)
_ALT = f"Alternative text for screen readers (one line, at most {uploads.MAX_ALT:,} characters)."
_CAPTION = (
    f"Default caption, used where a figure has none (at most {uploads.MAX_CAPTION:,} characters)."
)
_CREDIT = f"Photographer or agency (at most {uploads.MAX_CREDIT:,} characters)."


@strawberry.input(description="One photo to upload, with its default text.")
class ImageUploadInput:
    file: Upload = strawberry.field(description=_FILE)
    alt: str = strawberry.field(default="", description=_ALT)
    caption: str = strawberry.field(default="", description=_CAPTION)
    credit: str = strawberry.field(default="", description=_CREDIT)


@strawberry.input(description="One of several photos uploaded together, with its default text.")
class ImageFileInput:
    file: Upload = strawberry.field(description=_FILE)
    alt: str = strawberry.field(default="", description=_ALT)
    caption: str = strawberry.field(default="", description=_CAPTION)
    credit: str = strawberry.field(default="", description=_CREDIT)


@strawberry.input(description="Several photos uploaded in one request, all or none.")
class ImagesUploadInput:
    files: list[ImageFileInput] = strawberry.field(
        description="The photos, 1 to `CMS_MAX_UPLOAD_FILES` (10 by default)."
    )


@strawberry.type(description="The photo is stored (or was already: the same image is returned).")
class ImageUploadSuccess:
    image: Image = strawberry.field(description="The image, with its size and placeholder.")


@strawberry.type(description="Every photo is stored (or already was).")
class ImagesUploadSuccess:
    images: list[Image] = strawberry.field(
        description="The images, in the order of the files.",
        metadata=holds(PAGE),  # CMS_MAX_UPLOAD_FILES, below a page
    )


REFUSALS: dict[str, Refusals] = {
    "imageUpload": (UnauthenticatedError, ValidationError),
    "imagesUpload": (UnauthenticatedError, ValidationError),
}
"""The errors each upload can answer, traced from :mod:`cms.media.uploads`: every role may
upload (never ``FORBIDDEN``), and a file that is no image we take is a ``ValidationError`` with
the code ``INVALID_IMAGE`` or ``TOO_LARGE``."""

if TYPE_CHECKING:
    ImageUploadResult = ImageUploadSuccess | UserError
    ImagesUploadResult = ImagesUploadSuccess | UserError
else:
    ImageUploadResult = result("imageUpload", ImageUploadSuccess, REFUSALS)
    ImagesUploadResult = result("imagesUpload", ImagesUploadSuccess, REFUSALS)

_Given = ImageUploadInput | ImageFileInput


@strawberry.type
class UploadMutations:
    @strawberry.mutation(
        description="Upload a photo (a multipart request with an `Apollo-Require-Preflight` "
        "header). Editors, admins and authors. Refused with `INVALID_IMAGE` when the bytes are "
        "not a whole JPEG, PNG, WebP, GIF or AVIF, `TOO_LARGE` over the pixel limit; over the "
        "byte limits the request itself is refused (413). The same photo uploaded again gives "
        "the image stored the first time, its text unchanged."
    )
    async def image_upload(
        self,
        info: Info,
        input: Annotated[ImageUploadInput, strawberry.argument(description="The photo.")],
    ) -> ImageUploadResult:
        async def run() -> ImageUploadSuccess:
            (image,) = await _upload(info, [(input, "file")])
            return ImageUploadSuccess(image=image)

        return await attempt(info, run)

    @strawberry.mutation(
        description="Upload several photos in one multipart request: all or none. One refused "
        "file refuses them all, its error naming it (`files.2.file`); nothing is stored then."
    )
    async def images_upload(
        self,
        info: Info,
        input: Annotated[ImagesUploadInput, strawberry.argument(description="The photos.")],
    ) -> ImagesUploadResult:
        async def run() -> ImagesUploadSuccess:
            given = [(item, f"files.{n}.file") for n, item in enumerate(input.files)]
            return ImagesUploadSuccess(images=await _upload(info, given))

        return await attempt(info, run)


async def _upload(info: Info, given: Sequence[tuple[_Given, str]]) -> list[Image]:
    ctx = info.context
    files = [(_incoming(item.file, field), _text(item)) for item, field in given]
    stored: list[ImageModel] = await uploads.upload(ctx.viewer, ctx.store, files, ctx.upload_limits)
    return [Image.from_model(image) for image in stored]


def _incoming(value: object, field: str) -> uploads.Incoming:
    """The uploaded file behind an ``Upload`` value: only a part of this multipart request."""
    if not isinstance(value, UploadedFile):
        raise InvalidInput(
            "Send the file as a part of a multipart request (the GraphQL multipart request "
            "spec), mapped to this variable.",
            field=field,
        )
    return value.incoming(field)


def _text(item: _Given) -> uploads.Text:
    return uploads.Text(item.alt, item.caption, item.credit)
