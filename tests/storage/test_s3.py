"""What only the S3 store has: its settings, its start-up checks, its objects' metadata, multipart
uploads and public URLs. Against moto's server, as the contract tests; no database."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from pydantic import ValidationError

from cms.app import create_app
from cms.media.storage import InvalidKey, LocalMediaStore, StorageError, store_from_settings
from cms.media.storage.s3 import MIN_PART_BYTES, S3MediaStore
from settings import Settings
from tests.s3 import S3Server, s3_server_fixture  # noqa: F401 (a fixture)

KEY = "images/ab/cd/abcdef.webp"


def make_settings(tmp_path: Path, **fields: Any) -> Settings:
    return Settings(_env_file=None, media_root=tmp_path / "media", **fields)


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    return s3_server.new_bucket()


@pytest.fixture
async def store(s3_server: S3Server, bucket: str, tmp_path: Path) -> AsyncIterator[S3MediaStore]:
    settings = make_settings(tmp_path, **s3_server.settings(bucket))
    made = store_from_settings(settings)
    assert isinstance(made, S3MediaStore)
    async with made:
        yield made


# --- settings and start-up -----------------------------------------------------------------


def test_the_local_folder_is_the_default(tmp_path: Path) -> None:
    store = store_from_settings(make_settings(tmp_path))
    assert isinstance(store, LocalMediaStore)
    assert store.root == (tmp_path / "media").resolve()


def test_s3_settings_make_an_s3_store(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        media_store="s3",
        s3_bucket="news-media",
        s3_endpoint_url="https://s3.example.org/",
        s3_region="eu-central-1",
        s3_access_key_id="id",
        s3_secret_access_key="hunter2-s3-secret",
        s3_public_url="https://cdn.example.org/media/",
    )
    store = store_from_settings(settings)
    assert isinstance(store, S3MediaStore)
    assert (store.bucket, store.endpoint_url, store.region) == (
        "news-media",
        "https://s3.example.org",
        "eu-central-1",
    )
    assert store.public_url(KEY) == f"https://cdn.example.org/media/{KEY}"
    assert "hunter2" not in repr(settings)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"media_store": "s3"}, "s3_bucket\n.*required with CMS_MEDIA", id="no-bucket"),
        pytest.param({"media_store": "ftp"}, "local", id="unknown-store"),
        pytest.param({"s3_access_key_id": "id"}, "CMS_S3_SECRET_ACCESS_KEY", id="key-alone"),
        pytest.param({"s3_secret_access_key": "x"}, "CMS_S3_ACCESS_KEY_ID", id="secret-alone"),
        pytest.param({"s3_endpoint_url": "s3.example.org"}, "absolute", id="endpoint-no-scheme"),
        pytest.param({"s3_public_url": "ftp://cdn.example.org"}, "absolute", id="public-not-http"),
    ],
)
def test_bad_s3_settings_are_refused(tmp_path: Path, fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make_settings(tmp_path, **fields)


async def test_a_missing_bucket_fails_at_open(s3_server: S3Server, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, **s3_server.settings("no-such-bucket"))
    with pytest.raises(StorageError, match="no-such-bucket"):
        await store_from_settings(settings).open()


async def test_an_unreachable_server_fails_at_open(s3_server: S3Server, tmp_path: Path) -> None:
    fields = {**s3_server.settings("media"), "s3_endpoint_url": "http://127.0.0.1:9"}
    started = time.monotonic()
    with pytest.raises(StorageError, match=re.escape("127.0.0.1:9")):
        await store_from_settings(make_settings(tmp_path, **fields)).open()
    assert time.monotonic() - started < 30


async def test_the_app_does_not_start_with_a_store_it_cannot_use(
    s3_server: S3Server, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, **s3_server.settings("no-such-bucket"))
    with pytest.raises(StorageError, match="no-such-bucket"):
        async with LifespanManager(create_app(settings)):
            pass


async def test_a_store_that_is_not_open_says_so(s3_server: S3Server, bucket: str) -> None:
    store = S3MediaStore(bucket, endpoint_url=s3_server.endpoint_url)
    with pytest.raises(StorageError, match="not open"):
        await store.exists(KEY)


async def test_a_store_opens_again_after_closing(store: S3MediaStore) -> None:
    await store.put(KEY, b"x")
    await store.close()
    with pytest.raises(StorageError, match="not open"):
        await store.get(KEY)
    await store.open()
    assert await store.get(KEY) == b"x"


def test_parts_below_the_s3_minimum_are_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        S3MediaStore("media", part_bytes=MIN_PART_BYTES - 1)


# --- objects -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "content_type"),
    [
        pytest.param(KEY, "image/webp", id="webp"),
        pytest.param("images/x.JPG", "image/jpeg", id="upper-case-jpg"),
        pytest.param("images/x.avif", "image/avif", id="avif"),
        pytest.param("images/x", "application/octet-stream", id="no-extension"),
    ],
)
async def test_objects_carry_their_type_and_caching(
    store: S3MediaStore, s3_server: S3Server, bucket: str, key: str, content_type: str
) -> None:
    """What a bucket served directly (``CMS_S3_PUBLIC_URL``) sends to clients."""
    await store.put(key, b"x")
    head = s3_server.client.head_object(Bucket=bucket, Key=key)
    assert head["ContentType"] == content_type
    assert head["CacheControl"] == "public, max-age=31536000, immutable"


async def test_a_large_file_goes_up_in_parts(
    store: S3MediaStore, s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    store.part_bytes = MIN_PART_BYTES
    source = tmp_path / "big"
    source.write_bytes(b"\x00" * (2 * MIN_PART_BYTES + 1))
    await store.put(KEY, source)
    head = s3_server.client.head_object(Bucket=bucket, Key=KEY)
    assert head["ETag"].endswith('-3"')  # a multipart object's ETag counts its parts
    assert head["ContentType"] == "image/webp"
    assert s3_server.objects(bucket) == {KEY}


async def test_a_file_of_one_part_goes_up_whole(
    store: S3MediaStore, s3_server: S3Server, bucket: str
) -> None:
    await store.put(KEY, b"\x00" * 1000)
    assert "-" not in s3_server.client.head_object(Bucket=bucket, Key=KEY)["ETag"]


# --- public URLs ---------------------------------------------------------------------------


def test_without_a_public_url_the_cms_serves_the_files() -> None:
    assert S3MediaStore("media").public_url(KEY) is None


@pytest.mark.parametrize("base", ["https://cdn.example.org", "https://cdn.example.org/"])
def test_with_a_public_url_keys_are_fetched_there(base: str) -> None:
    store = S3MediaStore("media", public_url=base)
    assert store.public_url(KEY) == f"https://cdn.example.org/{KEY}"


@pytest.mark.parametrize("key", ["../x", "a//b", "%2e%2e/x", "a\\b"])
def test_a_public_url_is_never_made_for_a_hostile_key(key: str) -> None:
    with pytest.raises(InvalidKey):
        S3MediaStore("media", public_url="https://cdn.example.org").public_url(key)
