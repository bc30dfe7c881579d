"""Vietnamese renders right in the workbench: every font family its style sheets use, as served,
covers every Vietnamese letter (the union of the character maps of the family's files).

The style sheets are read as a browser gets them (the page's ``<link>`` elements, in order), the
font files too (``data:`` URLs decoded, the CMS's own files fetched), and each file's character
map read with fontTools.
"""

from __future__ import annotations

import base64
import io
import re
import string
import unicodedata
from collections import defaultdict

import httpx
import pytest
from fontTools.ttLib import TTFont

from tests.graphiql.test_workbench import HTML, links

pytestmark = pytest.mark.database("sqlite", reason="pages and files: no database involved")

_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")  # ngang huyền sắc ngã hỏi nặng
_VOWELS = "aăâeêioôơuưy"
_FORMS = {unicodedata.normalize("NFC", vowel + tone) for vowel in _VOWELS for tone in _TONES}
LETTERS = sorted(letter for letter in _FORMS | {"đ"} if not letter.isascii())
VIETNAMESE = "".join(LETTERS) + "".join(LETTERS).upper()
"""Every Vietnamese letter beyond a-z, lower and upper case, with every tone."""

GENERIC = {"serif", "sans-serif", "monospace", "system-ui", "cursive", "fantasy", "inherit"}
_FONT_FACE = re.compile(r"@font-face\s*{([^}]*)}")
_FAMILY = re.compile(r"font-family\s*:\s*([^;}]+)")
_VARIABLE = re.compile(r"(--font-family[\w-]*)\s*:\s*([^;}]+)")
_SOURCE = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def test_the_letters_are_the_134_of_the_alphabet() -> None:
    assert len(VIETNAMESE) == 134
    assert all(not letter.isascii() for letter in VIETNAMESE)
    beyond_latin1 = [letter for letter in VIETNAMESE if ord(letter) > 0xFF]
    assert len(beyond_latin1) == 102  # the count: what Fira Code lacks 92 of


async def test_every_family_the_workbench_uses_covers_vietnamese(client: httpx.AsyncClient) -> None:
    sheets = await _style_sheets(client)
    faces = await _faces(client, sheets)
    used = _families_used(sheets)
    assert "JetBrains Mono" in used and "Roboto" in used
    assert "Fira Code" not in used  # GraphiQL's own rules remain, nothing names it any more
    served = sorted(used & faces.keys())
    assert served == ["JetBrains Mono", "Roboto"]
    for family in served:
        wanted = VIETNAMESE + string.ascii_letters
        missing = [letter for letter in wanted if ord(letter) not in faces[family]]
        assert missing == [], f"{family} lacks {''.join(missing)}"
    # The check can fail: GraphiQL's Fira Code, still in its style sheet, lacks most letters.
    lacking = [letter for letter in VIETNAMESE if ord(letter) not in faces["Fira Code"]]
    assert len(lacking) >= 90


async def test_the_mono_variable_names_jetbrains_mono_last(client: httpx.AsyncClient) -> None:
    sheets = await _style_sheets(client)
    variables = _variables(sheets)
    assert variables["--font-family-mono"].startswith('"JetBrains Mono"')
    assert variables["--font-family"].startswith('"Roboto"')


async def test_font_files_are_served_as_they_are(client: httpx.AsyncClient) -> None:
    sheets = await _style_sheets(client)
    urls = [url for css in sheets for url in _SOURCE.findall(css) if url.startswith("/")]
    assert len(urls) == 3  # vietnamese, latin-ext and latin subsets
    for url in urls:
        answer = await client.get(url, headers={"accept-encoding": "gzip"})
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "font/woff2"
        assert "content-encoding" not in answer.headers  # woff2 is compressed already
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert answer.content[:4] == b"wOF2"


async def _style_sheets(client: httpx.AsyncClient) -> list[str]:
    page = await client.get("/graphql", headers=HTML)
    sheets = [url for url in links(page.text).urls if url.endswith(".css")]
    assert len(sheets) >= 4
    return [(await client.get(url)).text for url in sheets]


async def _faces(client: httpx.AsyncClient, sheets: list[str]) -> dict[str, set[int]]:
    """Each family with a ``@font-face`` rule: the union of its files' character maps."""
    cmaps: dict[str, set[int]] = defaultdict(set)
    for css in sheets:
        for rule in _FONT_FACE.findall(css):
            family = _names(_FAMILY.findall(rule)[0])[0]
            for url in _SOURCE.findall(rule):
                cmaps[family] |= _cmap(await _font_bytes(client, url))
    return dict(cmaps)


async def _font_bytes(client: httpx.AsyncClient, url: str) -> bytes:
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        assert header.endswith(";base64"), header
        return base64.b64decode(data)
    answer = await client.get(url)
    assert answer.status_code == 200, url
    return answer.content


def _cmap(data: bytes) -> set[int]:
    font = TTFont(io.BytesIO(data))
    try:
        return set(font.getBestCmap())
    finally:
        font.close()


def _variables(sheets: list[str]) -> dict[str, str]:
    """The font variables as the cascade leaves them: GraphiQL and the workbench set them on the
    same selectors, so the last definition in page order wins."""
    found: dict[str, str] = {}
    for css in sheets:
        for name, value in _VARIABLE.findall(css):
            found[name] = value.strip()
    return found


def _families_used(sheets: list[str]) -> set[str]:
    """The named families of every ``font-family`` declaration outside ``@font-face`` rules,
    ``var(--font-family…)`` resolved; generic families left out."""
    variables = _variables(sheets)
    used: set[str] = set()
    for css in sheets:
        for value in _FAMILY.findall(_FONT_FACE.sub("", css)):
            value = re.sub(r"var\((--[\w-]+)\)", lambda m: variables.get(m[1], ""), value)
            used |= {name for name in _names(value) if name.lower() not in GENERIC}
    return used


def _names(value: str) -> list[str]:
    return [name.strip().strip("'\"") for name in value.split(",") if name.strip()]
