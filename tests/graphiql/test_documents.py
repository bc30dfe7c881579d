"""Every ready-made document of the workbench, run against the API as an editor's day uses them,
so a renamed field or argument breaks this test rather than an editor's morning. The *Photos*
panel's upload goes over the multipart request with a caption typed partly in NFD. English is
configured beside Vietnamese (``CMS_LOCALES=vi,en``): the day includes a translation."""

from __future__ import annotations

import unicodedata
from typing import Any

import httpx
import orjson
import pytest

from cms.models import Role
from cms.web.workbench import documents
from cms.web.workbench.documents import DOCUMENTS, Document
from settings import Settings
from tests.factories import Factory, jpeg

pytestmark = pytest.mark.database("sqlite", "postgres")

CAPTION = "Toàn cảnh " + unicodedata.normalize("NFD", "Hội nghị sơ kết") + " tại Bắc Kạn"


@pytest.fixture
async def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"locales": ["vi", "en"]})


class Editor:
    """Runs documents with an editor's token; remembers which it ran."""

    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client = client
        self.headers = {"authorization": f"Bearer {token}"}
        self.ran: set[str] = set()

    async def run(self, document: Document, **variables: Any) -> dict[str, Any]:
        self.ran.add(document.name)
        response = await self.client.post(
            "/graphql",
            json={"query": document.query, "variables": {**document.variables, **variables}},
            headers=self.headers,
        )
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def upload(self, caption: str) -> dict[str, Any]:
        """The Photos panel's request: ``imagesUpload`` with the CSRF header."""
        operations = {
            "query": documents.UPLOAD,
            "variables": {"input": {"files": [{"file": None, "caption": caption, "alt": "Ảnh"}]}},
        }
        response = await self.client.post(
            "/graphql",
            headers={**self.headers, "apollo-require-preflight": "true"},
            data={
                "operations": orjson.dumps(operations).decode(),
                "map": orjson.dumps({"0": ["variables.input.files.0.file"]}).decode(),
            },
            files={"0": ("Hội nghị.jpg", jpeg(800, 600), "image/jpeg")},
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()["data"]["imagesUpload"]
        return answer


def success(data: dict[str, Any]) -> dict[str, Any]:
    (answer,) = data.values()
    assert "code" not in answer, answer
    result: dict[str, Any] = answer
    return result


async def test_every_document_runs_in_an_editors_day(client, settings):
    factory = Factory(settings.media_root)
    news = await factory.section("Tin tức", slug="tin-tuc")
    board = await factory.section("Hoạt động của Ban", news, slug="hoat-dong-cua-ban")
    meeting = await factory.article(
        "Hội nghị gặp mặt doanh nghiệp", section=board, tags=["Khu công nghiệp"], cover=True
    )
    await factory.collection("Trang chủ", [meeting], slug="trang-chu")
    editor = Editor(client, await factory.token(Role.EDITOR, "lan@example.org"))

    (photo,) = (await editor.upload(CAPTION))["images"]
    assert photo["caption"] == unicodedata.normalize("NFC", CAPTION)
    assert photo["thumbnail"]["width"] == 320

    created = success(await editor.run(documents.CREATE, title="Bài mới"))["article"]
    assert created["status"] == "DRAFT"
    drafts = (await editor.run(documents.DRAFTS))["articles"]["nodes"]
    assert [(d["id"], d["version"]) for d in drafts] == [(created["id"], 1)]
    figure = {"figure": {"imageIds": [photo["id"]], "caption": photo["caption"]}}
    body = [documents.CREATE.variables["body"][0], figure]
    updated = success(
        await editor.run(documents.ADD_FIGURE, id=created["id"], version=1, body=body)
    )["article"]
    assert updated["body"][1]["images"] == [{"id": photo["id"]}]
    published = success(
        await editor.run(documents.PUBLISH, id=created["id"], version=updated["version"])
    )["article"]
    assert published["status"] == "PUBLISHED"

    slug = published["slug"]
    revisions = (await editor.run(documents.REVISIONS, slug=slug))["article"]["revisions"]
    assert [r["number"] for r in revisions["nodes"]] == [3, 2, 1]
    restored = success(
        await editor.run(documents.RESTORE, id=created["id"], revision=1, version=3)
    )["article"]
    assert restored["version"] == 4
    preview = success(await editor.run(documents.PREVIEW, id=created["id"]))
    assert preview["token"]
    english = success(await editor.run(documents.TRANSLATE, id=created["id"]))["article"]
    assert (english["locale"], english["status"], english["title"]) == ("en", "DRAFT", "Bài mới")
    assert english["translations"] == [{"locale": "vi", "title": "Bài mới", "status": "PUBLISHED"}]
    read = (await editor.run(documents.IN_ENGLISH, slug=english["slug"]))["article"]
    assert (read["id"], read["locale"]) == (english["id"], "en")
    assert [(t["locale"], t["title"]) for t in read["translations"]] == [("vi", "Bài mới")]

    article = (await editor.run(documents.ARTICLE, slug=slug))["article"]
    assert article["title"] == "Bài mới"
    found = (await editor.run(documents.SEARCH, query="hoi nghi"))["search"]
    assert found["totalCount"] >= 1
    feed = (await editor.run(documents.FEED))["articles"]
    assert [n["title"] for n in feed["nodes"]] == ["Bài mới", "Hội nghị gặp mặt doanh nghiệp"]
    structure = await editor.run(documents.STRUCTURE)
    assert structure["sections"][0]["children"][0]["path"] == "tin-tuc/hoat-dong-cua-ban"
    assert [t["name"] for t in structure["tags"]["nodes"]] == ["Khu công nghiệp"]
    assert [c["slug"] for c in structure["collections"]["nodes"]] == ["trang-chu"]
    listed = (await editor.run(documents.COLLECTION))["collection"]["items"]["nodes"]
    assert [(i["title"], i["section"]) for i in listed] == [
        ("Hội nghị gặp mặt doanh nghiệp", {"name": "Hoạt động của Ban"})
    ]
    seo = (await editor.run(documents.SEO, slug=meeting.slug))["article"]
    assert seo["jsonLd"]["@type"] == "NewsArticle" and seo["socialImage"]["url"]
    assert seo["related"] == []  # "Bài mới" shares no tag, section or word of the title
    me = (await editor.run(documents.VIEWER))["viewer"]
    assert (me["email"], me["role"]) == ("lan@example.org", "EDITOR")

    assert editor.ran == {d.name for d in DOCUMENTS}


async def test_the_example_variables_fit_the_documents(client, settings):
    """Each document with its own example variables is valid GraphQL for the schema: a run
    reaches the resolvers (a missing example article is a typed error or null, never a
    validation failure)."""
    editor = Editor(client, await Factory(settings.media_root).token(Role.EDITOR))
    for document in DOCUMENTS:
        response = await client.post(
            "/graphql",
            json={"query": document.query, "variables": document.variables},
            headers=editor.headers,
        )
        body = response.json()
        assert "errors" not in body, (document.name, body)
