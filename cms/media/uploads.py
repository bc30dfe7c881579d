"""Taking photos in: one pipeline for uploads, the importer and the demo.

A file arrives whole on this machine (a finished :class:`~cms.media.spool.Spool`, or a file
to import) and then, in a worker thread: its bytes say what it is (never its name or declared
type), Pillow decodes all of it within the pixel limit, its metadata (GPS, serial numbers, XMP,
comments) is removed without touching the pixels, and its placeholder is computed. The cleaned
file is stored under its SHA-256, so identical photos (after cleaning) are stored once and give
the same :class:`Image`: the hash is of the stored bytes, which name the stored file.

Files go to the store before their rows, and rows are written in one transaction with nothing
else awaited inside it: a crash in between leaves a stored file that no row names (harmless, and
reused by the next upload of the same photo), never a row without its file.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from cms.accounts import audit
from cms.accounts.permissions import WRITERS, require
from cms.core import metrics
from cms.core.errors import CmsError, ImageTooLarge, InvalidInput
from cms.core.viewer import Viewer
from cms.media.imaging.clean import Written, clean
from cms.media.imaging.inspect import Picture, inspect
from cms.media.spool import Spool, file_name, remove, temporary_path
from cms.media.storage import MediaStore
from cms.models import Image
from cms.text import normalize

if TYPE_CHECKING:
    from settings import Settings

MAX_ALT = 1000
"""The longest alternative text of an image, for screen readers (one line when edited)."""
MAX_CAPTION = 2000
"""The longest default caption of an image (used where a figure has none)."""
MAX_CREDIT = 255
"""The longest credit of an image (photographer or agency): the ``image.credit`` column."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How big a photo may be, and where files wait while they are checked."""

    max_bytes: int
    max_pixels: int
    tmp_dir: Path | None = None
    """Folder of temporary files (None: the system's)."""
    max_files: int = 10
    """Most files in one upload."""


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """Every limit an upload request is held to, made once from the settings (``create_app``
    makes it and hands it down): the whole request's bytes, counted by the HTTP edge as they
    arrive; its ``operations`` and ``map`` fields, read by the multipart reader (as large as a
    JSON body may be); and each photo's (:class:`Limits`: how many per request, their bytes and
    pixels, where they wait), checked as they arrive and again by the pipeline."""

    request_bytes: int
    field_bytes: int
    photos: Limits

    @classmethod
    def of(cls, settings: Settings) -> UploadLimits:
        return cls(
            request_bytes=settings.max_upload_request_bytes,
            field_bytes=settings.max_body_bytes,
            photos=Limits(
                max_bytes=settings.max_upload_bytes,
                max_pixels=settings.max_image_pixels,
                tmp_dir=settings.upload_tmp_dir,
                max_files=settings.max_upload_files,
            ),
        )


@dataclass(frozen=True, slots=True)
class Text:
    """A photo's default editorial text (at most :data:`MAX_ALT`, :data:`MAX_CAPTION` and
    :data:`MAX_CREDIT` characters: the one statement of these limits, for uploads,
    ``imageUpdate`` and the API's descriptions)."""

    alt: str = ""
    caption: str = ""
    credit: str = ""


@dataclass(frozen=True, slots=True)
class Incoming:
    """A file received whole: where it is, its size and SHA-256, and the name it came with."""

    path: Path
    size: int
    sha256: str
    filename: str
    field: str = "file"
    """The input it came in, for errors (``files.2.file``)."""


class UploadedFile:
    """A file part received whole: what an ``Upload`` argument holds."""

    def __init__(self, spool: Spool, filename: str, content_type: str) -> None:
        self.spool = spool
        self.filename = filename
        self.content_type = content_type
        """As the client declared it: shown, never believed (the bytes decide)."""

    def incoming(self, field: str) -> Incoming:
        """The file for the upload pipeline; ``field`` names its input in errors."""
        assert self.spool.path is not None
        return Incoming(self.spool.path, self.spool.size, self.spool.sha256, self.filename, field)


@dataclass(slots=True)
class Prepared:
    """A checked photo, ready to store: the cleaned copy (or the file itself, when it had
    nothing to remove), its hash and what decoding it showed."""

    incoming: Incoming
    picture: Picture
    path: Path
    size: int
    sha256: str
    _own: list[Path] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Where the store keeps it: named by content, so no client input reaches a path."""
        digest, ext = self.sha256, self.picture.format.extension
        return f"images/{digest[:2]}/{digest[2:4]}/{digest}.{ext}"


async def prepare(incoming: Incoming, limits: Limits) -> Prepared:
    """Check, decode and clean ``incoming`` in a worker thread (:class:`InvalidImage`,
    :class:`ImageTooLarge` if refused; nothing is left behind then)."""
    name = incoming.filename or "The file"
    if incoming.size > limits.max_bytes:
        raise ImageTooLarge(f"{name}: larger than {limits.max_bytes} bytes.", field=incoming.field)
    target = await asyncio.to_thread(temporary_path, limits.tmp_dir)
    try:
        picture, written = await asyncio.to_thread(_check, incoming, limits, target, name)
    except BaseException:
        await remove(target)
        raise
    if written is None:
        await remove(target)
        return Prepared(incoming, picture, incoming.path, incoming.size, incoming.sha256)
    return Prepared(incoming, picture, target, written.size, written.sha256, [target])


def _check(
    incoming: Incoming, limits: Limits, target: Path, name: str
) -> tuple[Picture, Written | None]:
    try:
        picture = inspect(incoming.path, limits.max_pixels, name)
        return picture, clean(incoming.path, picture.format, picture.orientation, target, name)
    except CmsError as error:
        error.field = incoming.field
        raise


async def discard(prepared: Sequence[Prepared]) -> None:
    """Remove the cleaned copies (the incoming files are their owners')."""
    for item in prepared:
        for path in item._own:
            await remove(path)


async def ingest(store: MediaStore, incoming: Incoming, limits: Limits, text: Text) -> Image:
    """Take one file in (the importer, the demo): the existing image for the same photo, or a
    new one with ``text``. No role check: callers are trusted commands."""
    prepared = await prepare(incoming, limits)
    try:
        await _store(store, [prepared])
        ((image, _),) = await _rows([prepared], [_cut_text(text)])
        return image
    finally:
        await discard([prepared])


async def ingest_bytes(
    store: MediaStore, data: bytes, filename: str, limits: Limits, text: Text = Text()
) -> Image:
    """:func:`ingest` for bytes in memory (tests, generated placeholders)."""
    spool = Spool(limits.tmp_dir, limits.max_bytes, file_name(filename))
    try:
        await spool.write(data)
        path = await spool.finish()
        incoming = Incoming(path, spool.size, spool.sha256, file_name(filename))
        return await ingest(store, incoming, limits, text)
    finally:
        await spool.discard()


async def ingest_path(store: MediaStore, path: Path, limits: Limits, text: Text = Text()) -> Image:
    """:func:`ingest` for a file on this machine, read in chunks (never whole)."""
    size, digest = await asyncio.to_thread(_hash_file, path)
    return await ingest(store, Incoming(path, size, digest, file_name(path.name)), limits, text)


def _hash_file(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


async def upload(
    viewer: Viewer,
    store: MediaStore,
    files: Sequence[tuple[Incoming, Text]],
    limits: Limits,
) -> list[Image]:
    """``imageUpload`` and ``imagesUpload``: editors, admins and authors.

    All or nothing: every file is checked before any is stored, so one refused file refuses the
    request (its error names it: ``files.2.file``). Each photo already stored gives its existing
    image, text unchanged; new ones get theirs.
    """
    require(viewer, WRITERS, "upload images")
    if not 1 <= len(files) <= limits.max_files:
        raise InvalidInput(f"Send 1 to {limits.max_files} files.", field="files")
    texts = [_clean_text(text, incoming.field.rsplit(".", 1)[0]) for incoming, text in files]
    prepared: list[Prepared] = []
    try:
        for incoming, _ in files:
            prepared.append(await prepare(incoming, limits))
        written = await _store(store, prepared)
        try:
            found = await _rows(prepared, texts, viewer)
        except BaseException:
            await _unstore(store, written)
            raise
        metrics.UPLOADS.inc(len(prepared))
        metrics.UPLOAD_BYTES.inc(sum(item.incoming.size for item in prepared))
        return [image for image, _ in found]
    finally:
        await discard(prepared)


async def _store(store: MediaStore, prepared: Sequence[Prepared]) -> list[str]:
    """Put each file in the store unless it is there already; the keys newly written."""
    written: list[str] = []
    for item in prepared:
        if item.key in written or await store.exists(item.key):
            continue
        await store.put(item.key, item.path)
        written.append(item.key)
    return written


async def _unstore(store: MediaStore, keys: Sequence[str]) -> None:
    """Take back files written for rows that were not (a file some row names stays)."""
    found = await Image.filter(store_key__in=list(keys)).values_list("store_key", flat=True)
    named = {str(key) for key in found}
    for key in keys:
        if key not in named:
            await store.delete(key)


async def _rows(
    prepared: Sequence[Prepared], texts: Sequence[Text], viewer: Viewer | None = None
) -> list[tuple[Image, bool]]:
    """Each photo's image, existing or created now (with the audit entry), in one transaction;
    tried again once when the same photo arrived concurrently."""
    try:
        return await _rows_once(prepared, texts, viewer)
    except IntegrityError:
        return await _rows_once(prepared, texts, viewer)


async def _rows_once(
    prepared: Sequence[Prepared], texts: Sequence[Text], viewer: Viewer | None
) -> list[tuple[Image, bool]]:
    found: list[tuple[Image, bool]] = []
    async with in_transaction():
        for item, text in zip(prepared, texts, strict=True):
            existing = await Image.get_or_none(content_hash=item.sha256)
            if existing is not None:
                found.append((existing, False))
                continue
            image = await Image.create(**_columns(item, text))
            if viewer is not None:
                summary = f"Uploaded {image.filename or image.store_key}"
                await audit.record(viewer, audit.Action.CREATE, "Image", image.id, summary)
            found.append((image, True))
    return found


def _columns(item: Prepared, text: Text) -> dict[str, Any]:
    picture = item.picture
    return {
        "store_key": item.key,
        "filename": item.incoming.filename,
        "mime_type": picture.format.mime_type,
        "size": item.size,
        "width": picture.width,
        "height": picture.height,
        "content_hash": item.sha256,
        "alt": text.alt,
        "caption": text.caption,
        "credit": text.credit,
        "placeholder": picture.placeholder.blurhash,
        "dominant_color": picture.placeholder.color,
    }


def _cut_text(text: Text) -> Text:
    """Imported text: NFC and trimmed; a credit longer than its column is cut."""
    return Text(
        normalize(text.alt).strip(),
        normalize(text.caption).strip(),
        normalize(text.credit).strip()[:MAX_CREDIT],
    )


def _clean_text(text: Text, prefix: str = "") -> Text:
    """NFC, trimmed, within the column limits (:class:`InvalidInput` naming the field)."""
    where = f"{prefix}." if prefix and prefix != "file" else ""
    values = []
    for name, value, limit in (
        ("alt", text.alt, MAX_ALT),
        ("caption", text.caption, MAX_CAPTION),
        ("credit", text.credit, MAX_CREDIT),
    ):
        cleaned = normalize(value or "").strip()
        if len(cleaned) > limit:
            raise InvalidInput(
                f"The {name} is {len(cleaned)} characters long; at most {limit}.",
                field=f"{where}{name}",
            )
        values.append(cleaned)
    return Text(*values)
