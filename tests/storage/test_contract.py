"""The media store contract, run against every backend.

A new backend joins by adding one ``pytest.param`` to ``BACKENDS``. Tests that only make sense on
a local disk (symlinks, a folder in the way of a file) ask the ``on_disk`` capability and skip,
naming the reason, for backends without it. The S3 backend runs against a real S3-compatible
server (moto's, started by ``tests/s3.py``); it skips, saying why, where that cannot start.
"""

from __future__ import annotations

import asyncio
import os
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import anyio
import pytest

from cms.media.storage import InvalidKey, LocalMediaStore, MediaNotFound, MediaStore
from cms.media.storage.base import MAX_KEY_LENGTH, READ_CHUNK_BYTES
from cms.media.storage.s3 import MIN_PART_BYTES, S3MediaStore
from tests.s3 import KEY_ID, REGION, SECRET, S3Server, s3_server_fixture  # noqa: F401 (a fixture)

KEY = "images/ab/cd/abcdef.jpg"


@dataclass(frozen=True)
class Backend:
    """A store under test and what the tests need to look behind its back."""

    store: MediaStore
    objects: Callable[[], set[str]]
    """Every object the backend holds, temporary files included (as keys)."""
    root: Path | None = None
    """The folder on this machine's disk, for backends that have one (capability ``on_disk``)."""
    keeps_content_type: bool = False
    """Whether ``stat`` gives the type a file was stored with (from its key's extension)."""

    @property
    def on_disk(self) -> bool:
        return self.root is not None


def _local(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    root = tmp_path / "media"
    root.mkdir()

    def objects() -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir()}

    return Backend(LocalMediaStore(root), objects, root)


def _s3(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """A bucket of its own on the test server; the smallest parts S3 takes, so that a few MiB
    already make a multipart upload."""
    server: S3Server = request.getfixturevalue("s3_server")
    bucket = server.new_bucket()
    store = S3MediaStore(
        bucket,
        endpoint_url=server.endpoint_url,
        region=REGION,
        access_key_id=KEY_ID,
        secret_access_key=SECRET,
        part_bytes=MIN_PART_BYTES,
    )
    return Backend(store, lambda: server.objects(bucket), keeps_content_type=True)


BACKENDS = [pytest.param(_local, id="local"), pytest.param(_s3, id="s3")]


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    factory: Callable[[pytest.FixtureRequest, Path], Backend] = request.param
    made = factory(request, tmp_path)
    async with made.store:
        yield made


@pytest.fixture
def disk(backend: Backend) -> Path:
    """The backend's folder; skips for backends that do not keep files on a local disk."""
    if backend.root is None:
        pytest.skip("needs the on_disk capability (symlinks, folders)")
    return backend.root


# --- reading and writing ---------------------------------------------------------------------


async def test_put_then_get_round_trips(backend: Backend) -> None:
    data = bytes(range(256)) * 41
    await backend.store.put(KEY, data)
    assert await backend.store.get(KEY) == data
    assert backend.objects() == {KEY}


async def test_put_replaces_old_content(backend: Backend) -> None:
    await backend.store.put(KEY, b"old content, rather long " * 100)
    await backend.store.put(KEY, b"new")
    assert await backend.store.get(KEY) == b"new"
    assert backend.objects() == {KEY}


async def test_empty_file_round_trips(backend: Backend) -> None:
    await backend.store.put(KEY, b"")
    assert await backend.store.get(KEY) == b""
    assert await backend.store.exists(KEY)


async def test_exists(backend: Backend) -> None:
    assert not await backend.store.exists(KEY)
    await backend.store.put(KEY, b"x")
    assert await backend.store.exists(KEY)
    assert not await backend.store.exists("images/ab/cd/other.jpg")


async def test_delete_removes_the_file(backend: Backend) -> None:
    await backend.store.put(KEY, b"x")
    await backend.store.delete(KEY)
    assert not await backend.store.exists(KEY)
    with pytest.raises(MediaNotFound):
        await backend.store.get(KEY)


async def test_delete_of_a_missing_key_is_fine(backend: Backend) -> None:
    await backend.store.delete(KEY)
    await backend.store.delete("never/was/here.jpg")
    assert backend.objects() == set()


async def test_get_of_a_missing_key_raises_media_not_found(backend: Backend) -> None:
    with pytest.raises(MediaNotFound):
        await backend.store.get(KEY)


async def test_a_prefix_of_stored_keys_is_not_a_file(backend: Backend) -> None:
    """``images/ab`` holds other keys (a folder on disk) but no file of its own."""
    await backend.store.put(KEY, b"x")
    assert not await backend.store.exists("images/ab")
    with pytest.raises(MediaNotFound):
        await backend.store.get("images/ab")
    await backend.store.delete("images/ab")
    assert await backend.store.get(KEY) == b"x"


async def test_a_key_below_a_file_is_missing(backend: Backend) -> None:
    await backend.store.put("images/a", b"x")
    assert not await backend.store.exists("images/a/b")
    with pytest.raises(MediaNotFound):
        await backend.store.get("images/a/b")
    await backend.store.delete("images/a/b")
    assert await backend.store.get("images/a") == b"x"


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("a", id="one-letter"),
        pytest.param("A-b_c.d", id="punctuation"),
        pytest.param("images/ab/cd/" + "f" * 64 + ".webp", id="content-key"),
        pytest.param("a" * MAX_KEY_LENGTH, id="longest"),
        pytest.param("v1..2", id="double-dot-inside-a-name"),
    ],
)
async def test_safe_keys_are_taken(backend: Backend, key: str) -> None:
    await backend.store.put(key, b"ok")
    assert await backend.store.get(key) == b"ok"
    assert backend.objects() == {key}


# --- hostile keys ----------------------------------------------------------------------------

HOSTILE_KEYS = [
    pytest.param("..", id="dot-dot"),
    pytest.param(".", id="dot"),
    pytest.param("../x", id="parent"),
    pytest.param("a/../../b", id="parent-in-the-middle"),
    pytest.param("a/..", id="parent-at-the-end"),
    pytest.param("/abs", id="absolute"),
    pytest.param("/etc/passwd", id="absolute-system-file"),
    pytest.param("a//b", id="empty-segment"),
    pytest.param(".hidden", id="hidden"),
    pytest.param("a/.x", id="hidden-in-a-folder"),
    pytest.param("a\\b", id="backslash"),
    pytest.param("..\\..\\x", id="windows-parent"),
    pytest.param("C:\\x", id="windows-drive"),
    pytest.param("%2e%2e", id="percent-encoded-dots"),
    pytest.param("images/%2e%2e/x", id="percent-encoded-parent"),
    pytest.param("a\x00b", id="nul-byte"),
    pytest.param("a\nb", id="newline"),
    pytest.param("a\n", id="trailing-newline"),
    pytest.param("ảnh.jpg", id="unicode-nfc"),
    pytest.param(unicodedata.normalize("NFD", "ảnh.jpg"), id="unicode-nfd"),
    pytest.param("a\u2024\u2024/x", id="one-dot-leader"),
    pytest.param("", id="empty"),
    pytest.param("a" * (MAX_KEY_LENGTH + 1), id="too-long"),
    pytest.param("images/", id="trailing-slash"),
    pytest.param("/", id="slash"),
    pytest.param(" a", id="leading-space"),
    pytest.param("-rf", id="leading-dash"),
    pytest.param("a b", id="space"),
]


@pytest.mark.parametrize("key", HOSTILE_KEYS)
async def test_hostile_keys_are_refused_by_put(backend: Backend, key: str) -> None:
    with pytest.raises(InvalidKey):
        await backend.store.put(key, b"pwned")
    assert backend.objects() == set()


@pytest.mark.parametrize("key", HOSTILE_KEYS)
async def test_hostile_keys_are_refused_by_get(backend: Backend, key: str) -> None:
    with pytest.raises(InvalidKey):
        await backend.store.get(key)


@pytest.mark.parametrize("key", HOSTILE_KEYS)
async def test_hostile_keys_are_refused_by_exists(backend: Backend, key: str) -> None:
    with pytest.raises(InvalidKey):
        await backend.store.exists(key)


@pytest.mark.parametrize("key", HOSTILE_KEYS)
async def test_hostile_keys_are_refused_by_delete(backend: Backend, key: str) -> None:
    await backend.store.put("x", b"keep me")
    with pytest.raises(InvalidKey):
        await backend.store.delete(key)
    assert await backend.store.get("x") == b"keep me"


async def test_a_parent_key_writes_nothing_beside_the_root(disk: Path, backend: Backend) -> None:
    with pytest.raises(InvalidKey):
        await backend.store.put("../escaped", b"pwned")
    assert not (disk.parent / "escaped").exists()


# --- symlinks (local disk only) ------------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the store's root, with a secret in it."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_bytes(b"secret")
    return folder


async def test_a_symlinked_file_pointing_outside_is_not_read(
    disk: Path, backend: Backend, outside: Path
) -> None:
    (disk / "link.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(InvalidKey):
        await backend.store.get("link.txt")
    with pytest.raises(InvalidKey):
        await backend.store.exists("link.txt")


async def test_a_symlinked_folder_pointing_outside_is_not_read(
    disk: Path, backend: Backend, outside: Path
) -> None:
    (disk / "images").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InvalidKey):
        await backend.store.get("images/secret.txt")


async def test_a_symlinked_file_pointing_outside_is_not_written_or_deleted(
    disk: Path, backend: Backend, outside: Path
) -> None:
    (disk / "link.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(InvalidKey):
        await backend.store.put("link.txt", b"pwned")
    with pytest.raises(InvalidKey):
        await backend.store.delete("link.txt")
    assert (outside / "secret.txt").read_bytes() == b"secret"


async def test_a_symlinked_folder_pointing_outside_is_not_written(
    disk: Path, backend: Backend, outside: Path
) -> None:
    (disk / "images").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InvalidKey):
        await backend.store.put("images/new.txt", b"pwned")
    with pytest.raises(InvalidKey):
        await backend.store.put("images/secret.txt", b"pwned")
    assert not (outside / "new.txt").exists()
    assert (outside / "secret.txt").read_bytes() == b"secret"


async def test_a_dangling_symlink_pointing_outside_is_not_written(
    disk: Path, backend: Backend, outside: Path
) -> None:
    (disk / "link.txt").symlink_to(outside / "not-yet.txt")
    with pytest.raises(InvalidKey):
        await backend.store.put("link.txt", b"pwned")
    assert not (outside / "not-yet.txt").exists()


# --- atomic writes -------------------------------------------------------------------------


def _failing_data() -> bytes:
    """A buffer that fails when the store reads it: a write that breaks off midway."""
    view = memoryview(b"new content")
    view.release()
    return cast(bytes, view)


async def test_a_successful_put_leaves_no_temporary_file(backend: Backend) -> None:
    for n in range(3):
        await backend.store.put(KEY, b"version %d" % n)
    assert backend.objects() == {KEY}


async def test_a_failed_put_keeps_the_old_content(backend: Backend) -> None:
    await backend.store.put(KEY, b"old")
    with pytest.raises(ValueError, match="released"):
        await backend.store.put(KEY, _failing_data())
    assert await backend.store.get(KEY) == b"old"
    assert backend.objects() == {KEY}


async def test_a_failed_first_put_leaves_nothing(backend: Backend) -> None:
    with pytest.raises(ValueError, match="released"):
        await backend.store.put(KEY, _failing_data())
    assert not await backend.store.exists(KEY)
    assert backend.objects() == set()


async def test_a_put_that_cannot_replace_leaves_no_temporary_file(
    disk: Path, backend: Backend
) -> None:
    """A folder where the file should go: the final rename fails, after the data was written."""
    await backend.store.put("images/a/inner.jpg", b"old")
    with pytest.raises(IsADirectoryError):
        await backend.store.put("images/a", b"new")
    assert await backend.store.get("images/a/inner.jpg") == b"old"
    assert backend.objects() == {"images/a/inner.jpg"}


async def test_concurrent_puts_leave_one_whole_content(backend: Backend) -> None:
    contents = [bytes([n]) * (64 * 1024 + n) for n in range(20)]
    await asyncio.gather(*(backend.store.put(KEY, data) for data in contents))
    assert await backend.store.get(KEY) in contents
    assert backend.objects() == {KEY}


async def test_concurrent_puts_of_different_keys_all_land(backend: Backend) -> None:
    keys = [f"images/{n:02d}/file.bin" for n in range(20)]
    await asyncio.gather(*(backend.store.put(key, key.encode()) for key in keys))
    assert [await backend.store.get(key) for key in keys] == [key.encode() for key in keys]
    assert backend.objects() == set(keys)


# --- streaming writes ----------------------------------------------------------------------

BIG = 2 * MIN_PART_BYTES + 123_457
"""Big enough for three parts of a multipart upload, odd enough to end mid-part."""


def _noise(size: int) -> bytes:
    return os.urandom(size)


async def _chunks(data: bytes, *sizes: int) -> AsyncIterator[bytes]:
    """``data`` in chunks of the given sizes, round and round (an empty chunk now and then)."""
    offset, n = 0, 0
    while offset < len(data):
        size = sizes[n % len(sizes)]
        yield data[offset : offset + size]
        offset, n = offset + size, n + 1


async def test_put_from_a_file_round_trips(backend: Backend, tmp_path: Path) -> None:
    data = _noise(BIG)
    source = tmp_path / "upload.part"
    source.write_bytes(data)

    await backend.store.put(KEY, source)

    assert await backend.store.get(KEY) == data
    assert backend.objects() == {KEY}
    assert source.read_bytes() == data  # the caller's file is read, not taken


async def test_put_from_a_small_file_round_trips(backend: Backend, tmp_path: Path) -> None:
    source = tmp_path / "small"
    source.write_bytes(b"small")
    await backend.store.put(KEY, source)
    assert await backend.store.get(KEY) == b"small"


async def test_put_from_a_missing_file_stores_nothing(backend: Backend, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await backend.store.put(KEY, tmp_path / "not-there")
    assert backend.objects() == set()


@pytest.mark.parametrize(
    "sizes",
    [
        pytest.param((1,), id="bytewise"),
        pytest.param((1000, 0, 7), id="uneven-with-empty"),
    ],
)
async def test_put_from_chunks_round_trips(backend: Backend, sizes: tuple[int, ...]) -> None:
    data = _noise(5000)
    await backend.store.put(KEY, _chunks(data, *sizes))
    assert await backend.store.get(KEY) == data
    assert backend.objects() == {KEY}


async def test_a_large_put_from_chunks_round_trips(backend: Backend) -> None:
    data = _noise(BIG)
    await backend.store.put(KEY, _chunks(data, 3 * 1024 * 1024 + 1, 777))
    assert await backend.store.get(KEY) == data
    assert backend.objects() == {KEY}


async def test_a_put_of_exactly_one_part_round_trips(backend: Backend) -> None:
    data = _noise(MIN_PART_BYTES)
    await backend.store.put(KEY, _chunks(data, 1024 * 1024))
    assert await backend.store.get(KEY) == data
    assert backend.objects() == {KEY}


async def test_no_chunks_store_an_empty_file(backend: Backend) -> None:
    await backend.store.put(KEY, _chunks(b"", 1))
    assert await backend.store.get(KEY) == b""
    assert backend.objects() == {KEY}


async def _breaking(data: bytes) -> AsyncIterator[bytes]:
    """Two parts' worth of ``data``, then the connection drops."""
    yield data
    yield data
    raise ConnectionResetError("client went away")


@pytest.mark.parametrize("before", [None, b"old"], ids=["first", "replacing"])
async def test_chunks_that_break_off_leave_the_old_content(
    backend: Backend, before: bytes | None
) -> None:
    if before is not None:
        await backend.store.put(KEY, before)
    with pytest.raises(ConnectionResetError):
        await backend.store.put(KEY, _breaking(_noise(MIN_PART_BYTES + 1)))
    assert backend.objects() == ({KEY} if before else set())
    if before is not None:
        assert await backend.store.get(KEY) == before


Put = Callable[[], Coroutine[Any, Any, None]]
"""A ``put`` to run (and cancel) as a task."""


async def _cancel_with_a_task(put: Put, ready: asyncio.Event) -> None:
    task = asyncio.create_task(put())
    await ready.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def _cancel_with_a_scope(put: Put, ready: asyncio.Event) -> None:
    """As Starlette cancels a request's work: anyio's cancellation hits every later ``await`` in
    the scope too, so clean-up must shield itself to run at all."""
    async with anyio.create_task_group() as group:
        group.start_soon(put)
        await ready.wait()
        group.cancel_scope.cancel()


@pytest.mark.parametrize("cancel", [_cancel_with_a_task, _cancel_with_a_scope])
@pytest.mark.parametrize("before", [None, b"old"], ids=["first", "replacing"])
async def test_a_cancelled_put_leaves_the_old_content(
    backend: Backend,
    before: bytes | None,
    cancel: Callable[[Put, asyncio.Event], Awaitable[None]],
) -> None:
    """Cancelled while waiting for more bytes, after whole parts went up (a multipart upload is
    under way on S3)."""
    if before is not None:
        await backend.store.put(KEY, before)
    waiting = asyncio.Event()

    async def stalling() -> AsyncIterator[bytes]:
        yield _noise(MIN_PART_BYTES + 1)
        yield _noise(MIN_PART_BYTES + 1)
        waiting.set()
        await asyncio.Event().wait()  # the client stops sending
        yield b"never"

    await cancel(lambda: backend.store.put(KEY, stalling()), waiting)

    assert backend.objects() == ({KEY} if before else set())
    if before is not None:
        assert await backend.store.get(KEY) == before


# --- ranged and streaming reads ------------------------------------------------------------

DATA = bytes(range(256)) * 41
SIZE = len(DATA)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param(0, None, id="whole"),
        pytest.param(0, 10, id="first-ten"),
        pytest.param(100, 200, id="middle"),
        pytest.param(SIZE - 16, None, id="last-sixteen"),
        pytest.param(SIZE - 1, SIZE, id="last-byte"),
        pytest.param(0, SIZE + 100, id="end-past-the-end"),
        pytest.param(SIZE, None, id="start-at-the-end"),
        pytest.param(SIZE + 5, SIZE + 10, id="all-past-the-end"),
        pytest.param(5, 5, id="empty"),
    ],
)
async def test_a_range_gives_those_bytes(backend: Backend, start: int, end: int | None) -> None:
    await backend.store.put(KEY, DATA)
    assert await backend.store.get(KEY, start=start, end=end) == DATA[start:end]
    streamed = [chunk async for chunk in backend.store.stream(KEY, start=start, end=end)]
    assert b"".join(streamed) == DATA[start:end]


@pytest.mark.parametrize(("start", "end"), [(0, None), (0, 10), (3, 3)])
async def test_a_range_of_an_empty_file_is_empty(
    backend: Backend, start: int, end: int | None
) -> None:
    await backend.store.put(KEY, b"")
    assert await backend.store.get(KEY, start=start, end=end) == b""


@pytest.mark.parametrize(("start", "end"), [(-1, None), (10, 9), (-5, -1)])
async def test_a_backwards_or_negative_range_is_refused(
    backend: Backend, start: int, end: int | None
) -> None:
    await backend.store.put(KEY, DATA)
    with pytest.raises(ValueError, match="not a byte range"):
        await backend.store.get(KEY, start=start, end=end)


async def test_stream_gives_a_large_file_in_chunks(backend: Backend) -> None:
    data = _noise(5 * READ_CHUNK_BYTES + 17)
    await backend.store.put(KEY, data)
    chunks = [chunk async for chunk in backend.store.stream(KEY)]
    assert b"".join(chunks) == data
    assert len(chunks) > 1
    assert max(map(len, chunks)) <= READ_CHUNK_BYTES


@pytest.mark.parametrize(("start", "end"), [(0, None), (0, 10), (5, 5)])
async def test_stream_of_a_missing_key_raises_media_not_found(
    backend: Backend, start: int, end: int | None
) -> None:
    with pytest.raises(MediaNotFound):
        await anext(backend.store.stream(KEY, start=start, end=end))
    with pytest.raises(MediaNotFound):
        await backend.store.get(KEY, start=start, end=end)


async def test_stream_of_a_prefix_of_stored_keys_raises_media_not_found(backend: Backend) -> None:
    await backend.store.put(KEY, b"x")
    with pytest.raises(MediaNotFound):
        await anext(backend.store.stream("images/ab"))


async def test_a_stream_left_early_lets_the_file_be_replaced(backend: Backend) -> None:
    """A reader that goes away mid-file (a client hanging up) holds nothing open."""
    await backend.store.put(KEY, _noise(4 * READ_CHUNK_BYTES))
    stream = backend.store.stream(KEY)
    await anext(stream)
    await stream.aclose()
    await backend.store.put(KEY, b"new")
    assert await backend.store.get(KEY) == b"new"


# --- stat ----------------------------------------------------------------------------------


async def test_stat_gives_size_time_and_kept_type(backend: Backend) -> None:
    before = datetime.now(UTC) - timedelta(seconds=2)  # S3 keeps whole seconds
    await backend.store.put(KEY, DATA)

    found = await backend.store.stat(KEY)

    assert found.size == SIZE
    assert found.modified.tzinfo is not None
    assert before <= found.modified <= datetime.now(UTC) + timedelta(seconds=1)
    assert found.content_type == ("image/jpeg" if backend.keeps_content_type else None)


async def test_stat_follows_a_replacement(backend: Backend) -> None:
    await backend.store.put(KEY, DATA)
    await backend.store.put(KEY, b"new")
    assert (await backend.store.stat(KEY)).size == 3


@pytest.mark.parametrize("key", [KEY, "images/ab", "images/ab/cd/abcdef.jpg/below"])
async def test_stat_of_a_missing_file_raises_media_not_found(backend: Backend, key: str) -> None:
    await backend.store.put("images/ab/cd/other.jpg", b"x")
    with pytest.raises(MediaNotFound):
        await backend.store.stat(key)


@pytest.mark.parametrize("key", HOSTILE_KEYS)
async def test_hostile_keys_are_refused_by_stat_and_stream(backend: Backend, key: str) -> None:
    with pytest.raises(InvalidKey):
        await backend.store.stat(key)
    with pytest.raises(InvalidKey):
        await anext(backend.store.stream(key))
    with pytest.raises(InvalidKey):
        backend.store.public_url(key)


async def test_a_store_without_public_address_is_served_by_the_cms(backend: Backend) -> None:
    assert backend.store.public_url(KEY) is None


# --- listing ---------------------------------------------------------------------------------


async def _keys(store: MediaStore, prefix: str) -> set[str]:
    return {key async for key in store.keys(prefix)}


async def test_keys_lists_the_files_below_a_folder(backend: Backend) -> None:
    below = {"renditions/ab12/320x160.webp", "renditions/ab12/deeper/640x320-f500-300.jpg"}
    for key in [*below, "renditions/ab123/320x160.webp", "renditions/ab1", KEY]:
        await backend.store.put(key, b"x")
    assert await _keys(backend.store, "renditions/ab12") == below  # not ab123, not ab1 itself
    assert await _keys(backend.store, "renditions") == {
        *below,
        "renditions/ab123/320x160.webp",
        "renditions/ab1",
    }


async def test_keys_of_an_empty_or_missing_folder_are_none(backend: Backend) -> None:
    assert await _keys(backend.store, "renditions/none") == set()
    await backend.store.put(KEY, b"x")
    assert await _keys(backend.store, KEY) == set()  # a file is no folder


async def test_keys_and_delete_empty_a_folder(backend: Backend) -> None:
    for n in range(5):
        await backend.store.put(f"renditions/ab12/{n}.webp", b"x")
    async for key in backend.store.keys("renditions/ab12"):
        await backend.store.delete(key)
    assert backend.objects() == set()
    assert await _keys(backend.store, "renditions/ab12") == set()


async def test_keys_skip_temporary_files(disk: Path, backend: Backend) -> None:
    await backend.store.put("renditions/ab12/1.webp", b"x")
    (disk / "renditions" / "ab12" / ".1.webp.0123.part").write_bytes(b"half")
    assert await _keys(backend.store, "renditions/ab12") == {"renditions/ab12/1.webp"}


@pytest.mark.parametrize("key", HOSTILE_KEYS)
async def test_hostile_keys_are_refused_by_keys(backend: Backend, key: str) -> None:
    with pytest.raises(InvalidKey):
        await anext(backend.store.keys(key))
