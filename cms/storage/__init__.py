"""Media stores: where image files live. One backend per module, one contract for all."""

from cms.storage.base import InvalidKey, MediaNotFound, MediaStore, StorageError, validate_key
from cms.storage.local import LocalMediaStore

__all__ = [
    "InvalidKey",
    "LocalMediaStore",
    "MediaNotFound",
    "MediaStore",
    "StorageError",
    "validate_key",
]
