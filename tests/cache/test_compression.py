"""Compressed answers: the encoding the client prefers, kept per encoding, not re-made per hit."""

from __future__ import annotations

import gzip

import brotli
import httpx
import pytest
import zstandard

from cms.models import Role
from cms.web import compression
from cms.web.compression import choose, tagged
from tests.cache.conftest import app_client
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

BODIES = "{ articles(first: 5) { nodes { title bodyText } } }"
SMALL = "{ articles(first: 1) { totalCount } }"
LONG = ("Tại hội nghị, nhiều doanh nghiệp đề xuất tháo gỡ khó khăn về mặt bằng sản xuất. ",) * 12

DECODERS = {
    "br": brotli.decompress,
    "gzip": gzip.decompress,
    "zstd": lambda data: zstandard.ZstdDecompressor().decompress(data),
}


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("gzip, deflate", "gzip"),
        ("zstd, gzip", "zstd"),
        ("gzip;q=1.0, br;q=0.5", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("BR", "br"),
        ("*", "br"),
        ("*;q=0.5, gzip", "gzip"),
        ("identity", None),
        ("", None),
        ("br;q=nonsense", None),
        ("deflate, compress", None),
    ],
)
def test_the_client_s_preference_wins_then_ours(header, chosen):
    assert choose(header.encode()) == chosen


def test_each_encoding_has_its_own_etag():
    assert tagged(b'"abc"', "br") == b'"abc-br"'
    assert tagged(b'W/"abc"', "gzip") == b'W/"abc-gzip"'


def varies(response: httpx.Response) -> set[str]:
    """What the answer says it varies on (``Vary``, however many times it is given)."""
    return {v.strip() for value in response.headers.get_list("vary") for v in value.split(",")}


async def raw(
    client: httpx.AsyncClient, coding: str, **headers: str
) -> tuple[httpx.Response, bytes]:
    """A GET of ``BODIES`` accepting ``coding``; the answer, and its body as it came."""
    request = client.build_request(
        "GET", "/graphql", params={"query": BODIES}, headers={"accept-encoding": coding, **headers}
    )
    response = await client.send(request, stream=True)
    data = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    return response, data


async def test_kept_answers_are_compressed_once_per_encoding(client, settings, monkeypatch):
    for n in range(3):
        await Factory(settings.media_root).article(f"Bài số {n}", paragraphs=LONG)
    for _ in range(3):
        plain, original = await raw(client, "identity")
    assert len(original) > 1024 and "content-encoding" not in plain.headers
    assert "Accept-Encoding" in varies(plain)
    made: list[str] = []
    encode = compression.encode

    def counted(body: bytes, coding: str) -> bytes:
        made.append(coding)
        return encode(body, coding)

    monkeypatch.setattr(compression, "encode", counted)
    for coding, decode in DECODERS.items():
        for _ in range(3):
            answer, data = await raw(client, coding)
            assert answer.headers["content-encoding"] == coding
            assert answer.headers["x-cms-cache"] == "hit"
            assert "Accept-Encoding" in varies(answer)
            assert answer.headers["etag"] == plain.headers["etag"][:-1] + f'-{coding}"'
            assert int(answer.headers["content-length"]) == len(data)
            assert decode(data) == original
            assert len(data) < len(original) / 3
        again, _ = await raw(client, coding, **{"if-none-match": answer.headers["etag"]})
        assert again.status_code == 304
    assert made == list(DECODERS)  # once each: hits send what was kept


async def test_answers_never_kept_are_compressed_too(client, settings):
    await Factory(settings.media_root).article("Bài dài", paragraphs=LONG)
    editor = await Factory(settings.media_root).token(Role.EDITOR)
    answer = await client.post(
        "/graphql",
        json={"query": BODIES},
        headers={"accept-encoding": "gzip", "authorization": f"Bearer {editor}"},
    )
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.headers["cache-control"] == "private, no-store"
    assert answer.json()["data"]["articles"]["nodes"][0]["title"] == "Bài dài"  # httpx decodes


async def test_small_answers_go_as_they_are(client, settings):
    await Factory(settings.media_root).article("Bài ngắn")
    for _ in range(3):
        answer = await client.post(
            "/graphql", json={"query": SMALL}, headers={"accept-encoding": "br"}
        )
        assert "content-encoding" not in answer.headers
        assert "Accept-Encoding" not in varies(answer)


async def test_without_the_response_cache_answers_are_compressed_all_the_same(settings):
    async with app_client(settings, response_cache_bytes=0) as client:
        await Factory(settings.media_root).article("Bài dài", paragraphs=LONG)
        answer, data = await raw(client, "br")
        assert answer.headers["content-encoding"] == "br"
        assert "Bài dài".encode() in brotli.decompress(data)
        assert "etag" not in answer.headers and "x-cms-cache" not in answer.headers
