"""Taking image files in (real Pillow, real files, real database) and which images readers see."""

from __future__ import annotations

import hashlib
import io
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import PIL.Image
import pytest
from tortoise.transactions import in_transaction

from cms import models
from cms.articles import body
from cms.articles import store as articles
from cms.core.errors import ImageTooLarge, InvalidImage
from cms.media import images
from cms.media.storage import LocalMediaStore
from cms.models import ArticleStatus
from settings import Settings
from tests.factories import LIMITS, T0, Factory, jpeg

pytestmark = pytest.mark.database("sqlite", "postgres")


def encode(fmt: str, size: tuple[int, int] = (40, 30), mode: str = "RGB", **options: Any) -> bytes:
    """A real image file in ``fmt``, of one colour."""
    out = io.BytesIO()
    PIL.Image.new(mode, size, "teal").save(out, format=fmt, **options)
    return out.getvalue()


def noisy_jpeg() -> bytes:
    """A JPEG whose pixel data is most of the file, so that cutting it leaves the header whole."""
    out = io.BytesIO()
    PIL.Image.effect_noise((160, 120), 80).convert("RGB").save(out, format="JPEG", quality=95)
    return out.getvalue()


def rotated_jpeg(orientation: int) -> bytes:
    """A 64x48 JPEG whose EXIF says how to turn it for display."""
    exif = PIL.Image.Exif()
    exif[0x0112] = orientation
    return encode("JPEG", (64, 48), exif=exif)


def stored_files(root: Path) -> list[str]:
    """Every file under the media root, temporary ones included."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def store(settings: Settings) -> LocalMediaStore:
    return LocalMediaStore(settings.media_root)


async def assert_nothing_stored(settings: Settings) -> None:
    assert await models.Image.all().count() == 0
    assert stored_files(settings.media_root) == []


# --- accepted files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "mime_type", "extension"),
    [
        pytest.param(jpeg(64, 48), "image/jpeg", "jpg", id="jpeg"),
        pytest.param(encode("PNG", (64, 48), "RGBA"), "image/png", "png", id="png"),
        pytest.param(encode("WEBP", (64, 48)), "image/webp", "webp", id="webp"),
        pytest.param(encode("WEBP", (64, 48), lossless=True), "image/webp", "webp", id="webp-ll"),
        pytest.param(encode("GIF", (64, 48)), "image/gif", "gif", id="gif"),
    ],
)
async def test_accepted_formats_are_stored_by_content_hash(
    orm: None,
    settings: Settings,
    store: LocalMediaStore,
    data: bytes,
    mime_type: str,
    extension: str,
) -> None:
    image = await images.ingest(store, data, "Ảnh gốc.bin", LIMITS)

    digest = hashlib.sha256(data).hexdigest()
    key = f"images/{digest[:2]}/{digest[2:4]}/{digest}.{extension}"
    assert (image.mime_type, image.width, image.height) == (mime_type, 64, 48)
    assert (image.size, image.content_hash, image.store_key) == (len(data), digest, key)
    assert image.filename == "Ảnh gốc.bin"
    assert stored_files(settings.media_root) == [key]
    assert (settings.media_root / key).read_bytes() == data
    assert await models.Image.get(id=image.id) == image


async def test_the_format_comes_from_the_bytes_not_the_file_name(
    orm: None, store: LocalMediaStore
) -> None:
    image = await images.ingest(store, encode("PNG"), "photo.jpg", LIMITS)
    assert image.mime_type == "image/png"
    assert image.store_key.endswith(".png")


async def test_the_file_name_keeps_only_its_last_part(orm: None, store: LocalMediaStore) -> None:
    image = await images.ingest(store, jpeg(), "../../uploads/photo.jpg", LIMITS)
    assert image.filename == "photo.jpg"


async def test_the_same_bytes_twice_give_one_row_and_one_file(
    orm: None, settings: Settings, store: LocalMediaStore
) -> None:
    data = jpeg()
    first = await images.ingest(store, data, "a.jpg", LIMITS, caption="Lần đầu")
    second = await images.ingest(store, data, "b.jpg", LIMITS, caption="Lần hai")

    assert second.id == first.id
    assert (second.filename, second.caption) == ("a.jpg", "Lần đầu")
    assert await models.Image.all().count() == 1
    assert stored_files(settings.media_root) == [first.store_key]


async def test_ingesting_again_restores_a_file_lost_from_the_store(
    orm: None, settings: Settings, store: LocalMediaStore
) -> None:
    data = jpeg()
    image = await images.ingest(store, data, "a.jpg", LIMITS)
    await store.delete(image.store_key)
    again = await images.ingest(store, data, "a.jpg", LIMITS)
    assert again.id == image.id
    assert await store.get(image.store_key) == data


async def test_a_long_credit_is_cut_to_the_column(orm: None, store: LocalMediaStore) -> None:
    image = await images.ingest(store, jpeg(), "a.jpg", LIMITS, credit="Ảnh: " + "x" * 400)
    assert len(image.credit) == 255


async def test_different_bytes_give_different_rows(orm: None, store: LocalMediaStore) -> None:
    red = await images.ingest(store, jpeg(color=(255, 0, 0)), "red.jpg", LIMITS)
    blue = await images.ingest(store, jpeg(color=(0, 0, 255)), "blue.jpg", LIMITS)
    assert red.id != blue.id
    assert red.store_key != blue.store_key


@pytest.mark.parametrize(
    ("orientation", "width", "height"),
    [
        pytest.param(1, 64, 48, id="upright"),
        pytest.param(3, 64, 48, id="upside-down"),
        pytest.param(6, 48, 64, id="turned-right"),
        pytest.param(8, 48, 64, id="turned-left"),
    ],
)
async def test_exif_orientation_gives_the_displayed_size(
    orm: None, store: LocalMediaStore, orientation: int, width: int, height: int
) -> None:
    image = await images.ingest(store, rotated_jpeg(orientation), "phone.jpg", LIMITS)
    assert (image.width, image.height) == (width, height)


async def test_texts_are_stored_in_nfc(orm: None, store: LocalMediaStore) -> None:
    def nfd(text: str) -> str:
        return unicodedata.normalize("NFD", text)

    image = await images.ingest(
        store,
        jpeg(),
        nfd("Ảnh Đà Nẵng.jpg"),
        LIMITS,
        alt=nfd("  Cầu Rồng về đêm "),
        caption=nfd("Cầu Rồng phun lửa cuối tuần"),
        credit=nfd("Ảnh: Nguyễn Thị Ánh"),
    )

    saved = await models.Image.get(id=image.id)
    assert saved.filename == "Ảnh Đà Nẵng.jpg"
    assert saved.alt == "Cầu Rồng về đêm"
    assert saved.caption == "Cầu Rồng phun lửa cuối tuần"
    assert saved.credit == "Ảnh: Nguyễn Thị Ánh"
    for text in (saved.filename, saved.alt, saved.caption, saved.credit):
        assert unicodedata.is_normalized("NFC", text)


# --- refused files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(encode("BMP"), id="bmp"),
        pytest.param(encode("TIFF"), id="tiff"),
        pytest.param("Xin chào, tôi không phải là ảnh.".encode(), id="text"),
        pytest.param(b"", id="empty"),
        pytest.param(jpeg()[:20], id="jpeg-header-only"),
        pytest.param(noisy_jpeg()[: len(noisy_jpeg()) * 2 // 3], id="truncated-jpeg"),
        pytest.param(jpeg()[:-2], id="jpeg-without-end-marker"),
        pytest.param(encode("PNG")[:-20], id="truncated-png"),
        pytest.param(encode("WEBP")[:-10], id="truncated-webp"),
    ],
)
async def test_unreadable_or_unwanted_files_are_refused_and_nothing_is_stored(
    orm: None, settings: Settings, store: LocalMediaStore, data: bytes
) -> None:
    with pytest.raises(InvalidImage) as refused:
        await images.ingest(store, data, "upload.jpg", LIMITS)
    assert type(refused.value) is InvalidImage
    assert refused.value.field == "file"
    await assert_nothing_stored(settings)


async def test_over_the_byte_limit_is_refused(
    orm: None, settings: Settings, store: LocalMediaStore
) -> None:
    data = jpeg()
    with pytest.raises(ImageTooLarge):
        await images.ingest(store, data, "big.jpg", images.Limits(len(data) - 1, 10_000))
    await assert_nothing_stored(settings)


async def test_at_the_byte_limit_is_taken(orm: None, store: LocalMediaStore) -> None:
    data = jpeg()
    image = await images.ingest(store, data, "exact.jpg", images.Limits(len(data), 10_000))
    assert image.size == len(data)


@pytest.mark.parametrize(
    "size",
    [
        pytest.param((11, 10), id="jpeg-11x10"),
        pytest.param((101, 1), id="jpeg-101x1"),
        pytest.param((1, 101), id="jpeg-1x101"),
    ],
)
async def test_over_the_pixel_limit_is_refused(
    orm: None, settings: Settings, store: LocalMediaStore, size: tuple[int, int]
) -> None:
    with pytest.raises(ImageTooLarge):
        await images.ingest(store, encode("JPEG", size), "wide.jpg", images.Limits(10**6, 100))
    await assert_nothing_stored(settings)


async def test_at_the_pixel_limit_is_taken(orm: None, store: LocalMediaStore) -> None:
    image = await images.ingest(store, encode("PNG", (10, 10)), "ok.png", images.Limits(10**6, 100))
    assert (image.width, image.height) == (10, 10)


# --- placeholders --------------------------------------------------------------------------


def test_placeholder_png_is_deterministic_and_of_the_asked_size() -> None:
    first = images.placeholder_png("Ảnh minh hoạ 1", 320, 200)
    assert images.placeholder_png("Ảnh minh hoạ 1", 320, 200) == first
    assert images.placeholder_png("Ảnh minh hoạ 2", 320, 200) != first
    with PIL.Image.open(io.BytesIO(first)) as picture:
        picture.verify()
    with PIL.Image.open(io.BytesIO(first)) as picture:
        assert (picture.format, picture.size) == ("PNG", (320, 200))
        picture.load()


def test_placeholder_png_default_size() -> None:
    with PIL.Image.open(io.BytesIO(images.placeholder_png("x"))) as picture:
        assert picture.size == (1200, 800)


async def test_placeholder_png_can_be_ingested(orm: None, store: LocalMediaStore) -> None:
    image = await images.ingest(store, images.placeholder_png("thiếu ảnh", 300, 200), "p", LIMITS)
    assert (image.mime_type, image.width, image.height) == ("image/png", 300, 200)


# --- which images readers may see ----------------------------------------------------------


async def _article(
    title: str, status: ArticleStatus, published_at: datetime | None, *image_ids: int
) -> models.Article:
    """An article with ``image_ids[0]`` as its cover and the rest as figures."""
    cover, *figures = image_ids
    blocks: list[body.Block] = [body.Paragraph("Nội dung.")]
    blocks += [body.Figure((i,), "Chú thích") for i in figures]
    data = articles.ArticleData(
        title=title, blocks=blocks, status=status, published_at=published_at, cover_id=cover
    )
    async with in_transaction():
        return await articles.save(data)


async def test_visible_ids_are_images_of_public_articles_and_avatars(
    orm: None, settings: Settings
) -> None:
    factory = Factory(settings.media_root)
    now = T0 + timedelta(hours=1)
    later = now + timedelta(days=1)
    made = {
        name: (await factory.image()).id
        for name in (
            "published",
            "shared",
            "draft",
            "scheduled_due",
            "scheduled_later",
            "published_later",
            "archived",
            "avatar",
            "unused",
        )
    }
    await _article("Đã đăng", ArticleStatus.PUBLISHED, T0, made["published"], made["shared"])
    await _article("Bản nháp", ArticleStatus.DRAFT, None, made["draft"], made["shared"])
    await _article("Hẹn giờ đã đến", ArticleStatus.SCHEDULED, T0, made["scheduled_due"])
    await _article("Hẹn giờ", ArticleStatus.SCHEDULED, later, made["scheduled_later"])
    await _article("Đăng sau", ArticleStatus.PUBLISHED, later, made["published_later"])
    await _article("Lưu trữ", ArticleStatus.ARCHIVED, T0, made["archived"])
    author = await factory.author("Bích Liên")
    author.avatar_id = made["avatar"]
    await author.save()
    ids = list(made.values())

    visible = await images.visible_ids(ids, now)

    names = {made[n]: n for n in made}
    assert sorted(names[i] for i in visible) == ["avatar", "published", "scheduled_due", "shared"]
    assert await images.visible_ids([made["draft"], made["avatar"]], now) == {made["avatar"]}
    assert await images.visible_ids([], now) == set()
    assert sorted(names[i] for i in await images.visible_ids(ids, later)) == [
        "avatar",
        "published",
        "published_later",
        "scheduled_due",
        "scheduled_later",
        "shared",
    ]


async def test_an_image_only_in_a_draft_figure_is_not_visible(
    orm: None, settings: Settings
) -> None:
    factory = Factory(settings.media_root)
    cover, figure = (await factory.image()).id, (await factory.image()).id
    await _article("Bản nháp có ảnh", ArticleStatus.DRAFT, T0, cover, figure)
    assert await images.visible_ids([cover, figure], T0 + timedelta(days=1)) == set()
