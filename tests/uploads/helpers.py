"""Upload requests as the GraphQL multipart request spec has them, and real image files."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import orjson
import PIL.Image
from PIL import ExifTags

CSRF = {"apollo-require-preflight": "true"}

UPLOAD = """
mutation ($input: ImageUploadInput!) {
  imageUpload(input: $input) {
    __typename
    ... on ImageUploadSuccess {
      image { id url width height mimeType size filename alt caption credit placeholder
              dominantColor }
    }
    ... on UserError { code message field }
  }
}
"""

UPLOAD_MANY = """
mutation ($input: ImagesUploadInput!) {
  imagesUpload(input: $input) {
    __typename
    ... on ImagesUploadSuccess { images { id url width height mimeType filename caption } }
    ... on UserError { code message field }
  }
}
"""

File = tuple[str, bytes, str]
"""A file part: its name, bytes and declared content type."""


def auth(token: str | None, csrf: bool = True) -> dict[str, str]:
    headers = dict(CSRF) if csrf else {}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return headers


def multipart(query: str, variables: dict[str, Any], paths: dict[str, File]) -> dict[str, Any]:
    """httpx's ``data`` and ``files`` for a spec request: ``paths`` maps each variable path
    (``variables.input.file``) to its file; parts are named 0, 1, ... in that order."""
    mapping = {str(n): [path] for n, path in enumerate(paths)}
    files = {str(n): file for n, file in enumerate(paths.values())}
    operations = {"query": query, "variables": variables}
    return {
        "data": {
            "operations": orjson.dumps(operations).decode(),
            "map": orjson.dumps(mapping).decode(),
        },
        "files": files,
    }


async def upload(
    client: httpx.AsyncClient,
    token: str | None,
    file: File,
    *,
    csrf: bool = True,
    **text: str,
) -> httpx.Response:
    """``imageUpload`` of one file with its text, as a multipart POST."""
    parts = multipart(UPLOAD, {"input": {"file": None, **text}}, {"variables.input.file": file})
    return await client.post("/graphql", headers=auth(token, csrf), **parts)


async def upload_many(
    client: httpx.AsyncClient, token: str, files: list[File], **extra: str
) -> httpx.Response:
    inputs = [{"file": None, **extra} for _ in files]
    paths = {f"variables.input.files.{n}.file": file for n, file in enumerate(files)}
    parts = multipart(UPLOAD_MANY, {"input": {"files": inputs}}, paths)
    return await client.post("/graphql", headers=auth(token), **parts)


def answer(response: httpx.Response, name: str = "imageUpload") -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"][name]
    return found


def picture(
    fmt: str = "JPEG",
    size: tuple[int, int] = (120, 80),
    color: tuple[int, int, int] = (200, 40, 40),
    **options: Any,
) -> bytes:
    """A real image file: one colour with a white band (so it has a dominant colour)."""
    image = PIL.Image.new("RGB", size, color)
    image.paste((255, 255, 255), (0, 0, size[0], size[1] // 5))
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


SERIAL = "SN-4815162342"


def camera_exif(orientation: int = 1) -> PIL.Image.Exif:
    """EXIF as a phone writes it: orientation, make, serial numbers, and where (GPS)."""
    exif = PIL.Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Camera Maker"
    exif[ExifTags.Base.Artist] = "Nguyễn Văn A"
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.BodySerialNumber] = SERIAL
    details[ExifTags.Base.LensSerialNumber] = SERIAL + "-L"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (21.0, 1.0, 42.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (105.0, 51.0, 12.0)
    return exif


def files_in(folder: Path) -> list[str]:
    """Every file below ``folder`` (none if it does not exist), temporary ones included."""
    if not folder.exists():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
