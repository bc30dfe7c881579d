"""Media stores: where image files live. One backend per module, one contract for all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cms.media.storage.base import (
    Data,
    InvalidKey,
    MediaNotFound,
    MediaStat,
    MediaStore,
    StorageError,
    media_type,
    validate_key,
)
from cms.media.storage.local import LocalMediaStore

if TYPE_CHECKING:
    from settings import Settings

__all__ = [
    "Data",
    "InvalidKey",
    "LocalMediaStore",
    "MediaNotFound",
    "MediaStat",
    "MediaStore",
    "StorageError",
    "media_type",
    "store_from_settings",
    "validate_key",
]


def store_from_settings(settings: Settings) -> MediaStore:
    """The store ``CMS_MEDIA_STORE`` names, configured from the settings (not yet opened)."""
    if settings.media_store == "local":
        return LocalMediaStore(settings.media_root)
    from cms.media.storage.s3 import S3MediaStore  # aiobotocore loads only where it is used

    if not settings.s3_bucket:
        raise StorageError("CMS_MEDIA_STORE=s3 needs CMS_S3_BUCKET")
    secret = settings.s3_secret_access_key
    return S3MediaStore(
        settings.s3_bucket,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=secret.get_secret_value() if secret else None,
        public_url=settings.s3_public_url,
    )
