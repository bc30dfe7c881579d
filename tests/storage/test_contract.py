"""The media store contract, run against every backend.

A new backend joins by adding one ``pytest.param`` to ``BACKENDS``. Tests that only make sense on
a local disk (symlinks, a folder in the way of a file) ask the ``on_disk`` capability and skip,
naming the reason, for backends without it.
"""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest

from cms.storage import InvalidKey, LocalMediaStore, MediaNotFound, MediaStore
from cms.storage.base import MAX_KEY_LENGTH

KEY = "images/ab/cd/abcdef.jpg"


@dataclass(frozen=True)
class Backend:
    """A store under test and what the tests need to look behind its back."""

    store: MediaStore
    objects: Callable[[], set[str]]
    """Every object the backend holds, temporary files included (as keys)."""
    root: Path | None = None
    """The folder on this machine's disk, for backends that have one (capability ``on_disk``)."""

    @property
    def on_disk(self) -> bool:
        return self.root is not None


def _local(tmp_path: Path) -> Backend:
    root = tmp_path / "media"
    root.mkdir()

    def objects() -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir()}

    return Backend(LocalMediaStore(root), objects, root)


BACKENDS = [pytest.param(_local, id="local")]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    factory: Callable[[Path], Backend] = request.param
    return factory(tmp_path)


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
