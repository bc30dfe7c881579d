"""The pipeline behind uploads, the importer and the demo: formats, metadata, placeholders."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import PIL.Image
import pytest
from PIL import ExifTags, PngImagePlugin, features

from cms import models
from cms.articles import body
from cms.core.errors import InvalidImage
from cms.importer.load import Options, import_file
from cms.media import uploads
from cms.media.backfill import backfill
from cms.media.storage import LocalMediaStore
from settings import Settings
from tests.uploads.helpers import SERIAL, camera_exif, files_in, picture

pytestmark = pytest.mark.database("sqlite", "postgres")

NBSP = "\u00a0"


@pytest.fixture
def store(settings: Settings) -> LocalMediaStore:
    return LocalMediaStore(settings.media_root)


@pytest.fixture
def limits(settings: Settings) -> uploads.Limits:
    return uploads.Limits(5_000_000, 40_000_000, settings.upload_tmp_dir)


async def take(store: LocalMediaStore, limits: uploads.Limits, data: bytes) -> models.Image:
    return await uploads.ingest_bytes(store, data, "photo", limits)


def pixels(data: bytes) -> bytes:
    with PIL.Image.open(io.BytesIO(data)) as image:
        return image.convert("RGBA").tobytes()


def png_with_metadata() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Chụp tại nhà riêng")
    info.add_itxt(
        "XML:com.adobe.xmp",
        f"<x:xmpmeta><exif:GPSLatitude>21,1N</exif:GPSLatitude>{SERIAL}</x:xmpmeta>",
    )
    return picture("PNG", exif=camera_exif(), pnginfo=info)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(png_with_metadata(), id="png-text-xmp-exif"),
        pytest.param(picture("WEBP", exif=camera_exif(), xmp=SERIAL.encode()), id="webp-exif-xmp"),
        pytest.param(picture("WEBP", lossless=True, exif=camera_exif()), id="webp-lossless"),
        pytest.param(picture("GIF", comment=SERIAL.encode()), id="gif-comment"),
        pytest.param(picture("JPEG", exif=camera_exif(), comment=SERIAL.encode()), id="jpeg"),
        pytest.param(picture("JPEG", progressive=True, exif=camera_exif()), id="jpeg-progressive"),
    ],
)
async def test_metadata_is_removed_and_the_pixels_kept(
    orm: None, store: LocalMediaStore, limits: uploads.Limits, data: bytes
) -> None:
    assert SERIAL.encode() in data or b"GPS" in data or b"Exif" in data
    image = await take(store, limits, data)

    stored = await store.get(image.store_key)
    assert SERIAL.encode() not in stored and "nhà riêng".encode() not in stored
    assert pixels(stored) == pixels(data)
    with PIL.Image.open(io.BytesIO(stored)) as kept:
        assert not kept.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert not {"comment", "xmp", "XML:com.adobe.xmp", "Comment"} & set(kept.info)
    assert image.content_hash == hashlib.sha256(stored).hexdigest()


async def test_what_follows_the_end_of_a_jpeg_is_dropped(
    orm: None, store: LocalMediaStore, limits: uploads.Limits
) -> None:
    data = picture()
    image = await take(store, limits, data + b"<html><script>alert(1)</script></html>")
    assert await store.get(image.store_key) == data


async def test_the_same_photo_with_other_metadata_is_one_image(
    orm: None, store: LocalMediaStore, limits: uploads.Limits
) -> None:
    plain = await take(store, limits, picture())
    tagged = await take(store, limits, picture(exif=camera_exif(), comment=b"x"))
    assert tagged.id == plain.id  # deduplicated by the stored (cleaned) bytes


async def test_an_animated_gif_is_taken_with_its_frames(
    orm: None, store: LocalMediaStore, limits: uploads.Limits
) -> None:
    frames = [PIL.Image.new("RGB", (40, 30), (n * 100, 50, 0)) for n in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], loop=0, duration=100)
    image = await take(store, limits, out.getvalue())
    with PIL.Image.open(io.BytesIO(await store.get(image.store_key))) as kept:
        assert (getattr(kept, "n_frames", 1), kept.info["loop"]) == (3, 0)


@pytest.mark.skipif(not features.check("avif"), reason="this Pillow reads no AVIF")
async def test_avif_with_exif_is_re_encoded_without_it(
    orm: None, store: LocalMediaStore, limits: uploads.Limits
) -> None:
    image = await take(store, limits, picture("AVIF", exif=camera_exif(orientation=6)))
    assert (image.mime_type, image.width, image.height) == ("image/avif", 80, 120)
    with PIL.Image.open(io.BytesIO(await store.get(image.store_key))) as kept:
        assert kept.size == (80, 120) and not kept.getexif()


async def test_placeholder_and_colour_follow_the_picture(
    orm: None, store: LocalMediaStore, limits: uploads.Limits
) -> None:
    blue = await take(store, limits, picture(color=(20, 40, 220)))
    turned = await take(store, limits, picture(exif=camera_exif(orientation=6)))
    assert blue.dominant_color is not None
    rgb = bytes.fromhex(blue.dominant_color.removeprefix("#"))
    assert all(abs(a - b) <= 4 for a, b in zip(rgb, (20, 40, 220), strict=True))  # JPEG's noise
    assert blue.placeholder and turned.placeholder and blue.placeholder != turned.placeholder
    assert turned.placeholder[0] != blue.placeholder[0]  # 3x4 components when upright, not 4x3


async def test_nothing_is_left_in_the_temporary_folder(
    orm: None, settings: Settings, store: LocalMediaStore, limits: uploads.Limits
) -> None:
    await take(store, limits, picture(exif=camera_exif()))
    with pytest.raises(InvalidImage):
        await take(store, limits, b"GIF89a broken")
    assert files_in(settings.upload_tmp_dir) == []  # type: ignore[arg-type]


async def test_imported_photos_go_through_the_same_pipeline(
    orm: None, settings: Settings, store: LocalMediaStore, limits: uploads.Limits, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "anh-1.jpg").write_bytes(picture(exif=camera_exif(orientation=6)))
    (folder / "anh-2.png").write_bytes(png_with_metadata())
    text = f"TIN ẢNH\n2024-05-02 09:30:00\nanh-1{NBSP}anh-2{NBSP}Hai ảnh một chú thích\n"
    (folder / "tin.txt").write_text(text, encoding="utf-8")

    await import_file(folder / "tin.txt", Options(store, limits))

    found = {i.filename: i for i in await models.Image.all()}
    assert set(found) == {"anh-1.jpg", "anh-2.png"}
    assert (found["anh-1.jpg"].width, found["anh-1.jpg"].height) == (80, 120)
    for image in found.values():
        assert image.placeholder and image.dominant_color
        assert image.caption == "Hai ảnh một chú thích"
        stored = await store.get(image.store_key)
        assert SERIAL.encode() not in stored
    blocks = body.from_json((await models.Article.get()).body)
    (figure,) = [b for b in blocks if isinstance(b, body.Figure)]
    assert len(figure.image_ids) == 2  # one figure with both photos


async def test_backfill_computes_missing_placeholders(
    orm: None, settings: Settings, store: LocalMediaStore, limits: uploads.Limits
) -> None:
    image = await take(store, limits, picture())
    expected = (image.placeholder, image.dominant_color)
    await models.Image.filter(id=image.id).update(placeholder=None, dominant_color=None)
    lost = await take(store, limits, picture(color=(0, 200, 0)))
    await models.Image.filter(id=lost.id).update(placeholder=None, dominant_color=None)
    await store.delete(lost.store_key)
    seen: list[Any] = []

    done = await backfill(store, limits, lambda i, problem: seen.append((i.id, problem)))

    assert done == 1
    again = await models.Image.get(id=image.id)
    assert (again.placeholder, again.dominant_color) == expected
    assert seen[0] == (image.id, None) and "no file" in seen[1][1]
    assert files_in(settings.upload_tmp_dir) == []  # type: ignore[arg-type]
