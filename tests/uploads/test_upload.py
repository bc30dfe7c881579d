"""imageUpload and imagesUpload over real multipart requests: what is stored and served."""

from __future__ import annotations

import hashlib
import io
import unicodedata

import httpx
import PIL.Image
import pytest
from PIL import ExifTags

from cms import models
from cms.models import Role
from settings import Settings
from tests.factories import Factory
from tests.uploads.helpers import (
    SERIAL,
    UPLOAD,
    answer,
    auth,
    camera_exif,
    files_in,
    multipart,
    picture,
    upload,
    upload_many,
)

pytestmark = pytest.mark.database("sqlite", "postgres")

CAPTION = "Đồng chí Hoàng Văn Khởi phát biểu khai mạc Hội nghị sơ kết 6 tháng đầu năm"


async def served(client: httpx.AsyncClient, url: str) -> httpx.Response:
    response = await client.get(url.removeprefix("http://cms.test"))
    assert response.status_code == 200
    return response


async def test_an_editor_uploads_a_jpeg_with_a_vietnamese_caption(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    token = await factory.token(Role.EDITOR)
    data = picture(size=(300, 200))
    response = await upload(
        client, token, ("hoi-nghi.jpg", data, "image/jpeg"), caption=CAPTION, alt="Hội nghị"
    )

    image = answer(response)["image"]
    assert (image["width"], image["height"], image["mimeType"]) == (300, 200, "image/jpeg")
    assert (image["caption"], image["alt"], image["filename"]) == (
        CAPTION,
        "Hội nghị",
        "hoi-nghi.jpg",
    )
    assert len(image["placeholder"]) == 28  # a 4x3 BlurHash
    assert image["dominantColor"] == "#c82828"
    file = await served(client, image["url"])
    assert file.content == data and file.headers["content-type"] == "image/jpeg"
    assert image["size"] == len(data)
    row = await models.Image.get()
    assert row.content_hash == hashlib.sha256(data).hexdigest()
    assert files_in(settings.upload_tmp_dir) == []  # type: ignore[arg-type]


async def test_authors_upload_too(client: httpx.AsyncClient, factory: Factory) -> None:
    token = await factory.token(Role.AUTHOR)
    response = await upload(client, token, ("a.png", picture("PNG"), "image/png"))
    assert answer(response)["__typename"] == "ImageUploadSuccess"


async def test_every_upload_is_in_the_audit_log(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    token = await factory.token(Role.EDITOR)
    image = answer(await upload(client, token, ("a.jpg", picture(), "image/jpeg")))["image"]
    entry = await models.AuditEntry.get(object_type="Image")
    assert (entry.action, entry.summary) == ("create", "Uploaded a.jpg")
    assert image["id"]


async def test_a_png_named_jpg_and_declared_jpeg_is_stored_and_served_as_png(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    token = await factory.token(Role.EDITOR)
    data = picture("PNG")
    image = answer(await upload(client, token, ("photo.jpg", data, "image/jpeg")))["image"]

    assert image["mimeType"] == "image/png"
    assert image["url"].endswith(".png")
    file = await served(client, image["url"])
    assert file.headers["content-type"] == "image/png"
    assert file.content == data


async def test_gps_serial_numbers_and_comments_are_removed_before_storing(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    token = await factory.token(Role.EDITOR)
    data = picture(size=(120, 80), exif=camera_exif(orientation=6), comment=b"Nha rieng, so 12")
    with PIL.Image.open(io.BytesIO(data)) as original:  # the test file does carry it all
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert SERIAL.encode() in data

    image = answer(await upload(client, token, ("phone.jpg", data, "image/jpeg")))["image"]

    assert (image["width"], image["height"]) == (80, 120)  # turned as the phone said
    stored = (await served(client, image["url"])).content
    assert SERIAL.encode() not in stored and b"Nha rieng" not in stored
    assert b"Camera Maker" not in stored and "Nguyễn".encode() not in stored
    with PIL.Image.open(io.BytesIO(stored)) as kept:
        exif = kept.getexif()
        assert dict(exif) == {ExifTags.Base.Orientation: 6}  # still displayed upright
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert "comment" not in kept.info
        with PIL.Image.open(io.BytesIO(data)) as original:  # the pixels are untouched
            assert kept.tobytes() == original.tobytes()
    row = await models.Image.get()
    assert (
        row.content_hash == hashlib.sha256(stored).hexdigest() != hashlib.sha256(data).hexdigest()
    )
    assert row.size == len(stored)


async def test_the_same_file_twice_is_stored_once(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    token = await factory.token(Role.EDITOR)
    data = picture(exif=camera_exif())
    first = answer(await upload(client, token, ("a.jpg", data, "image/jpeg"), caption="Một"))
    second = answer(await upload(client, token, ("b.jpg", data, "image/jpeg"), caption="Hai"))

    assert second["image"]["id"] == first["image"]["id"]
    assert second["image"]["caption"] == "Một"  # the first upload's text stays
    assert await models.Image.all().count() == 1
    assert len(files_in(settings.media_root)) == 1


async def test_an_nfd_file_name_is_kept_in_nfc_and_never_used_as_a_path(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    token = await factory.token(Role.EDITOR)
    name = unicodedata.normalize("NFD", "../Ảnh Đà Nẵng.jpg")
    image = answer(await upload(client, token, (name, picture(), "image/jpeg")))["image"]

    assert image["filename"] == "Ảnh Đà Nẵng.jpg"
    assert unicodedata.is_normalized("NFC", image["filename"])
    (key,) = files_in(settings.media_root)
    assert key.startswith("images/") and "Nẵng" not in key and ".." not in key


async def test_several_files_in_one_request(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    token = await factory.token(Role.EDITOR)
    files = [
        ("1.jpg", picture(color=(10, 120, 10)), "image/jpeg"),
        ("2.webp", picture("WEBP"), "image/webp"),
        ("3.gif", picture("GIF"), "image/gif"),
    ]
    found = answer(await upload_many(client, token, files, caption="Ảnh"), "imagesUpload")

    assert [i["mimeType"] for i in found["images"]] == ["image/jpeg", "image/webp", "image/gif"]
    assert [i["filename"] for i in found["images"]] == ["1.jpg", "2.webp", "3.gif"]
    assert len(files_in(settings.media_root)) == 3


async def test_one_bad_file_refuses_the_whole_request(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    token = await factory.token(Role.EDITOR)
    files = [
        ("1.jpg", picture(), "image/jpeg"),
        ("2.jpg", b"<svg onload=alert(1)>", "image/jpeg"),
    ]
    found = answer(await upload_many(client, token, files), "imagesUpload")

    assert (found["code"], found["field"]) == ("INVALID_IMAGE", "files.1.file")
    assert "2.jpg" in found["message"] and "SVG" in found["message"]
    assert await models.Image.all().count() == 0
    assert files_in(settings.media_root) == []
    assert files_in(settings.upload_tmp_dir) == []  # type: ignore[arg-type]


async def test_text_over_its_limit_is_a_validation_error(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    token = await factory.token(Role.EDITOR)
    response = await upload(client, token, ("a.jpg", picture(), "image/jpeg"), credit="x" * 300)
    found = answer(response)
    assert (found["code"], found["field"]) == ("VALIDATION", "credit")
    assert files_in(settings.media_root) == []


async def test_a_file_must_be_a_part_of_the_request_not_a_string(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    token = await factory.token(Role.EDITOR)
    variables = {"input": {"file": "/etc/passwd"}}
    response = await client.post(
        "/graphql", json={"query": UPLOAD, "variables": variables}, headers=auth(token)
    )
    found = answer(response)
    assert (found["code"], found["field"]) == ("VALIDATION", "file")


async def test_an_upload_is_never_cached(client: httpx.AsyncClient, factory: Factory) -> None:
    token = await factory.token(Role.EDITOR)
    parts = multipart(
        UPLOAD,
        {"input": {"file": None}},
        {"variables.input.file": ("a.jpg", picture(), "image/jpeg")},
    )
    response = await client.post("/graphql", headers=auth(token), **parts)
    assert answer(response)["__typename"] == "ImageUploadSuccess"
    assert "x-cms-cache" not in response.headers
