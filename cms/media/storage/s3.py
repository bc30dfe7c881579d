"""A media store in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2, …) through aiobotocore.

Objects are written whole or not at all: a file that fits in one part goes up in one
``PutObject``; a larger one as a multipart upload that is completed at the end or aborted on any
error (cancellation included), so no partial object and no unfinished upload is left behind.

The credentials need ``s3:GetObject``, ``s3:PutObject``, ``s3:DeleteObject``,
``s3:AbortMultipartUpload`` and ``s3:ListBucket`` on the bucket: without ``ListBucket`` S3 answers
a missing key with 403, not 404, and the start-up check (``HeadBucket``) fails.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AsyncExitStack, aclosing
from typing import TYPE_CHECKING, Any

import anyio
from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession
from botocore.exceptions import BotoCoreError, ClientError

from cms.media.storage.base import (
    IMMUTABLE,
    READ_CHUNK_BYTES,
    Data,
    MediaNotFound,
    MediaStat,
    MediaStore,
    StorageError,
    check_range,
    chunks_of,
    media_type,
    validate_key,
)

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client
    from types_aiobotocore_s3.type_defs import CompletedPartTypeDef, GetObjectOutputTypeDef

PART_BYTES = 8 * 1024 * 1024
"""Size of a multipart upload's parts, and so the most a ``put`` holds in memory."""

MIN_PART_BYTES = 5 * 1024 * 1024
"""S3's smallest part (all but the last)."""

_MISSING = {"NoSuchKey", "NotFound", "404"}
"""Error codes for "no object under this key" (HEAD answers carry only the status)."""

_log = logging.getLogger(__name__)


@functools.cache
def _session() -> AioSession:
    """One botocore session per process: it loads the S3 service description once."""
    return AioSession()


class S3MediaStore(MediaStore):
    """Objects in one bucket, under the same keys as the local store's files.

    Every object is written with its ``Content-Type`` (from its key) and an immutable
    ``Cache-Control``, so that a bucket served directly to clients (``public_url``) answers as the
    CMS's own media route does.
    """

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        public_url: str | None = None,
        part_bytes: int = PART_BYTES,
    ) -> None:
        if part_bytes < MIN_PART_BYTES:
            raise ValueError(f"S3 parts are at least {MIN_PART_BYTES} bytes, not {part_bytes}")
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self.part_bytes = part_bytes
        self._credentials = (access_key_id, secret_access_key)
        self._public_url = public_url.rstrip("/") if public_url else None
        self._client: S3Client | None = None
        self._stack: AsyncExitStack | None = None

    def __repr__(self) -> str:
        return f"S3MediaStore(bucket={self.bucket!r}, endpoint_url={self.endpoint_url!r})"

    async def open(self) -> None:
        """Connect and check that the bucket answers: a wrong endpoint, bucket or key fails here,
        at start-up, not on the first upload."""
        if self._client is not None:
            raise StorageError(f"{self!r} is already open")
        stack = AsyncExitStack()
        try:
            client = await stack.enter_async_context(self._create_client())
            await client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as error:
            await stack.aclose()
            raise StorageError(f"{self!r} cannot be used: {error}") from error
        self._client, self._stack = client, stack

    async def close(self) -> None:
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    def _create_client(self) -> Any:
        key_id, secret = self._credentials
        config = AioConfig(
            request_checksum_calculation="when_required",  # S3-compatible servers
            response_checksum_validation="when_required",
            retries={"mode": "standard"},  # 3 attempts with jittered back-off (legacy makes 5)
        )
        return _session().create_client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            config=config,
        )

    @property
    def _s3(self) -> S3Client:
        if self._client is None:
            raise StorageError(f"{self!r} is not open: use `async with store:` or `open()`")
        return self._client

    def public_url(self, key: str) -> str | None:
        validate_key(key)
        return f"{self._public_url}/{key}" if self._public_url else None

    async def put(self, key: str, data: Data) -> None:
        validate_key(key)
        async with aclosing(_parts(chunks_of(data), self.part_bytes)) as parts:
            first = await anext(parts, b"")
            second = await anext(parts, None)
            if second is None:
                await self._s3.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=first,
                    ContentType=media_type(key),
                    CacheControl=IMMUTABLE,
                )
                return
            await self._put_multipart(key, _chain([first, second], parts))

    async def _put_multipart(self, key: str, parts: AsyncIterator[bytes]) -> None:
        """Upload ``parts`` and complete the upload, or abort it: all or nothing."""
        started = await self._s3.create_multipart_upload(
            Bucket=self.bucket, Key=key, ContentType=media_type(key), CacheControl=IMMUTABLE
        )
        upload_id = started["UploadId"]
        try:
            done: list[CompletedPartTypeDef] = []
            async for part in parts:
                number = len(done) + 1
                answer = await self._s3.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=part
                )
                done.append({"ETag": answer["ETag"], "PartNumber": number})
            await self._s3.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": done}
            )
        except BaseException:
            await self._abort(key, upload_id)
            raise

    async def _abort(self, key: str, upload_id: str) -> None:
        """Drop an unfinished upload's parts, even while the uploading task is being cancelled."""
        with anyio.CancelScope(shield=True):
            try:
                await self._s3.abort_multipart_upload(
                    Bucket=self.bucket, Key=key, UploadId=upload_id
                )
            except (BotoCoreError, ClientError) as error:  # the upload's own error matters more
                _log.warning(
                    "multipart upload %s of %s not aborted (the bucket keeps its parts until a "
                    "lifecycle rule removes them): %s",
                    upload_id,
                    key,
                    error,
                )

    async def stream(
        self, key: str, *, start: int = 0, end: int | None = None
    ) -> AsyncGenerator[bytes, None]:
        validate_key(key)
        check_range(start, end)
        if end == start:  # S3 has no way to ask for no bytes: just check that the object is there
            await self.stat(key)
            return
        try:
            answer = await self._get_object(key, start, end)
        except ClientError as error:
            if _code(error) == "InvalidRange":
                return  # ``start`` at or past the end of an existing object: no bytes
            if _code(error) in _MISSING:
                raise MediaNotFound(key) from None
            raise
        async with answer["Body"] as body:
            async for chunk in body.iter_chunks(READ_CHUNK_BYTES):
                yield chunk

    async def _get_object(self, key: str, start: int, end: int | None) -> GetObjectOutputTypeDef:
        if start == 0 and end is None:
            return await self._s3.get_object(Bucket=self.bucket, Key=key)
        return await self._s3.get_object(Bucket=self.bucket, Key=key, Range=_range(start, end))

    async def stat(self, key: str) -> MediaStat:
        validate_key(key)
        try:
            head = await self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _code(error) in _MISSING:
                raise MediaNotFound(key) from None
            raise
        return MediaStat(head["ContentLength"], head["LastModified"], head.get("ContentType"))

    async def exists(self, key: str) -> bool:
        try:
            await self.stat(key)
        except MediaNotFound:
            return False
        return True

    async def delete(self, key: str) -> None:
        validate_key(key)
        await self._s3.delete_object(Bucket=self.bucket, Key=key)

    async def keys(self, prefix: str) -> AsyncGenerator[str, None]:
        validate_key(prefix)
        pages = self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{prefix}/"
        )
        async for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"]


def _range(start: int, end: int | None) -> str:
    """An HTTP ``Range`` (inclusive ends) for the bytes ``start`` to ``end`` (exclusive)."""
    return f"bytes={start}-{'' if end is None else end - 1}"


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


async def _parts(chunks: AsyncGenerator[bytes, None], size: int) -> AsyncGenerator[bytes, None]:
    """Regroup ``chunks`` into parts of ``size`` bytes (the last one shorter; none for no bytes)."""
    buffer = bytearray()
    async with aclosing(chunks):
        async for chunk in chunks:
            buffer += chunk
            while len(buffer) >= size:
                with memoryview(buffer) as view:
                    part = bytes(view[:size])
                del buffer[:size]
                yield part
    if buffer:
        yield bytes(buffer)


async def _chain(first: list[bytes], rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    for part in first:
        yield part
    async for part in rest:
        yield part
