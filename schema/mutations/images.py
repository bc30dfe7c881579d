"""``imageDelete``: removing a picture nothing uses, with its file and every rendition of it.

The rule (editors and admins; ``IN_USE`` while an article or author uses it) lives in
:mod:`cms.media.files`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from cms.media import files as image_files
from schema.context import Info
from schema.mutations.errors import (
    SIGNED_IN,
    InUseError,
    NotFoundError,
    Refusals,
    UserError,
    ValidationError,
    attempt,
    result,
)
from schema.types.node import pk_of


@strawberry.input(description="The image to delete.")
class ImageDeleteInput:
    id: strawberry.ID = strawberry.field(description="The image's ID.")


@strawberry.type(description="The image, its file and its renditions were deleted.")
class ImageDeleteSuccess:
    deleted_id: strawberry.ID = strawberry.field(description="The ID the image had.")


REFUSALS: dict[str, Refusals] = {
    "imageDelete": (*SIGNED_IN, ValidationError, NotFoundError, InUseError),
}
"""The errors ``imageDelete`` can answer, traced from :mod:`cms.media.files`."""

if TYPE_CHECKING:  # what mypy sees; strawberry reads the union named below
    ImageDeleteResult = ImageDeleteSuccess | UserError
else:
    ImageDeleteResult = result("imageDelete", ImageDeleteSuccess, REFUSALS)


@strawberry.type
class ImageMutations:
    @strawberry.mutation(
        description="Delete an image with its file and every rendition of it. Editors and "
        "admins only. Refused with `IN_USE` (`count`: the articles and author profiles) while "
        "an article (as cover or in a figure, whatever its status) or an author (as portrait) "
        "uses it."
    )
    async def image_delete(
        self,
        info: Info,
        input: Annotated[ImageDeleteInput, strawberry.argument(description="The image to delete.")],
    ) -> ImageDeleteResult:
        async def run() -> ImageDeleteSuccess:
            pk = pk_of(input.id, "Image", "id")
            await image_files.delete(info.context.viewer, pk, info.context.store)
            return ImageDeleteSuccess(deleted_id=input.id)

        return await attempt(info, run)
