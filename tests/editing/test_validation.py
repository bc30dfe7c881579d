"""What an article may hold: normalisation, limits, references, and hostile input."""

from __future__ import annotations

import unicodedata

import pytest

from cms.models import Role
from schema.types.node import to_global_id
from tests.editing.helpers import (
    created,
    document,
    dump,
    figure,
    headers,
    mutate,
    paragraph,
    post,
    refused,
)

pytestmark = pytest.mark.database("sqlite", "postgres")

HOSTILE = 'Robert\'); DROP TABLE article;-- <script>alert(1)</script> & "x" <b>đậm</b>'
"""SQL and HTML that must come back exactly as typed, and be escaped in HTML."""
ESCAPED = (
    "Robert&#x27;); DROP TABLE article;-- &lt;script&gt;alert(1)&lt;/script&gt; &amp; "
    "&quot;x&quot; &lt;b&gt;đậm&lt;/b&gt;"
)


async def test_text_is_nfc_and_trimmed(client, editor):
    decomposed = unicodedata.normalize("NFD", "Hội nghị sơ kết")
    article = await created(
        client,
        editor,
        f"  {decomposed}\n ",
        summary=f" {decomposed} ",
        byline="  Đức Anh \t- Thu Trang ",
        body=[paragraph(f"  {decomposed}  "), {"heading": {"text": " Mục\n một ", "level": 3}}],
    )
    assert article["title"] == article["summary"] == "Hội nghị sơ kết"
    assert unicodedata.is_normalized("NFC", article["title"])
    assert article["byline"] == "Đức Anh - Thu Trang"
    assert article["body"][0]["text"] == "Hội nghị sơ kết"
    assert article["body"][1] == {"__typename": "HeadingBlock", "text": "Mục một", "level": 3}
    assert article["slug"] == "hoi-nghi-so-ket"


async def test_sql_and_html_in_every_text_field_are_stored_as_text(client, editor, factory):
    photo = await factory.image()
    article = await created(
        client,
        editor,
        HOSTILE,
        summary=HOSTILE,
        byline=HOSTILE,
        body=[
            paragraph(HOSTILE),
            {"heading": {"text": HOSTILE, "level": 2}},
            {"quote": {"text": HOSTILE, "attribution": HOSTILE}},
            {
                "figure": {
                    "imageIds": [to_global_id("Image", photo.id)],
                    "caption": HOSTILE,
                    "credit": HOSTILE,
                }
            },
        ],
    )
    assert article["title"] == article["summary"] == article["byline"] == HOSTILE
    paragraph_, heading, quote, figure_ = article["body"]
    assert paragraph_["text"] == heading["text"] == quote["text"] == HOSTILE
    assert quote["attribution"] == figure_["caption"] == figure_["credit"] == HOSTILE
    html = article["bodyHtml"]
    assert "<script>" not in html and "<b>" not in html
    assert html.count(ESCAPED) == 6  # paragraph, heading, quote and its author, caption, credit
    again = await post(
        client,
        "query ($id: ID!) { node(id: $id) { ... on Article { title } } }",
        {"id": article["id"]},
        editor,
    )
    assert again["data"]["node"]["title"] == HOSTILE
    feed = await post(
        client, "{ articles(filter: {status: [DRAFT]}) { totalCount } }", None, editor
    )
    assert feed["data"]["articles"]["totalCount"] == 1  # the table is still there


@pytest.mark.parametrize(
    ("input_", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 501}, "title"),
        ({"title": "Bài", "summary": "x" * 2001}, "summary"),
        ({"title": "Bài", "byline": "x" * 301}, "byline"),
        ({"title": "Bài", "slug": "Hoi-Nghi"}, "slug"),
        ({"title": "Bài", "slug": "hội-nghị"}, "slug"),
        ({"title": "Bài", "slug": "hoi--nghi"}, "slug"),
        ({"title": "Bài", "slug": "a" * 121}, "slug"),
        (
            {"title": "Bài", "body": [{"heading": {"text": "H1", "level": 1}}]},
            "body.0.heading.level",
        ),
        (
            {"title": "Bài", "body": [paragraph("a"), {"heading": {"text": "H", "level": 7}}]},
            "body.1.heading.level",
        ),
        ({"title": "Bài", "body": [paragraph(" \n ")]}, "body.0.paragraph.text"),
        ({"title": "Bài", "body": [{"quote": {"text": ""}}]}, "body.0.quote.text"),
        ({"title": "Bài", "body": [{"figure": {"imageIds": []}}]}, "body.0.figure.imageIds"),
        ({"title": "Bài", "body": [figure("not-an-id")]}, "body.0.figure.imageIds.0"),
        ({"title": "Bài", "body": [figure(to_global_id("Author", 1))]}, "body.0.figure.imageIds.0"),
        (
            {"title": "Bài", "body": [figure(to_global_id("Image", 999))]},
            "body.0.figure.imageIds.0",
        ),
        ({"title": "Bài", "authorIds": [to_global_id("Author", 999)]}, "authorIds.0"),
        ({"title": "Bài", "eventId": to_global_id("Event", 999)}, "eventId"),
        ({"title": "Bài", "coverId": to_global_id("Image", 999)}, "coverId"),
    ],
)
async def test_bad_input_is_refused_with_its_field(client, editor, input_, field):
    before = await dump()
    answer = await mutate(client, "articleCreate", input_, editor)
    assert answer["__typename"] == "ValidationError", answer
    refused(answer, "VALIDATION", field)
    assert await dump() == before


async def test_a_taken_slug_is_slug_taken(client, editor):
    await created(client, editor, "Một", slug="hoi-nghi-2023")
    before = await dump()
    answer = await mutate(
        client, "articleCreate", {"title": "Hai", "slug": "hoi-nghi-2023"}, editor
    )
    assert answer["__typename"] == "SlugTakenError"
    refused(answer, "SLUG_TAKEN", "slug")
    assert await dump() == before
    second = await created(client, editor, "Một")  # a slug made from a title never clashes
    assert second["slug"] == "mot"
    clash = {"id": second["id"], "version": 1, "slug": "hoi-nghi-2023"}
    refused(await mutate(client, "articleUpdate", clash, editor), "SLUG_TAKEN", "slug")


async def test_one_block_too_many_is_refused_before_any_write(client, settings, editor):
    most = settings.max_blocks
    before = await dump()
    blocks = [paragraph(f"Đoạn {n}.") for n in range(most + 1)]
    answer = await mutate(client, "articleCreate", {"title": "Dài", "body": blocks}, editor)
    refused(answer, "VALIDATION", "body")
    assert str(most) in answer["message"]
    assert await dump() == before
    assert (await created(client, editor, "Vừa đủ", body=blocks[:most]))["version"] == 1


async def test_one_character_too_many_in_a_block_is_refused(client, settings, editor):
    most = settings.max_block_chars
    before = await dump()
    too_long = [paragraph("ngắn"), paragraph("x" * (most + 1))]
    answer = await mutate(client, "articleCreate", {"title": "Dài", "body": too_long}, editor)
    refused(answer, "VALIDATION", "body.1.paragraph.text")
    quote = [{"quote": {"text": "x" * (most - 5), "attribution": "y" * 10}}]
    answer = await mutate(client, "articleCreate", {"title": "Dài", "body": quote}, editor)
    refused(answer, "VALIDATION", "body.0")
    assert await dump() == before
    fits = await created(client, editor, "Vừa đủ", body=[paragraph("x" * most)])
    assert len(fits["bodyText"]) == most


@pytest.mark.parametrize(
    "body",
    [
        [paragraph("Đoạn.")] * 100_000,  # 100,000 blocks: about 3 MB of JSON
        [paragraph("x" * 10_000_000)],  # a 10 MB paragraph
    ],
    ids=["100000-blocks", "10MB-paragraph"],
)
async def test_huge_bodies_are_refused_at_the_edge(client, editor, body):
    before = await dump()
    response = await client.post(
        "/graphql",
        json={
            "query": document("articleCreate"),
            "variables": {"input": {"title": "X", "body": body}},
        },
        headers=headers(editor),
    )
    assert response.status_code == 413, response.text[:300]
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert await dump() == before


async def test_a_block_gives_exactly_one_kind(client, editor):
    two = [{"paragraph": {"text": "a"}, "quote": {"text": "b"}}]
    body = await post(
        client, document("articleCreate"), {"input": {"title": "X", "body": two}}, editor
    )
    assert body["data"] is None and "exactly one" in body["errors"][0]["message"], body


async def test_an_author_may_not_use_another_articles_draft_only_photo(client, factory, editor):
    secret = await factory.image(caption="Ảnh cấm vận")
    public = await factory.image(caption="Ảnh công khai")
    await created(
        client, editor, "Bản nháp có ảnh", body=[figure(to_global_id("Image", secret.id))]
    )
    published = await created(
        client, editor, "Sẽ đăng", body=[figure(to_global_id("Image", public.id))]
    )
    done = await mutate(client, "articlePublish", {"id": published["id"], "version": 1}, editor)
    assert done["__typename"] == "ArticlePublishSuccess"
    me = await factory.author("Bích Liên")
    token = await factory.token(Role.AUTHOR, author=me)
    before = await dump()
    body = [paragraph(f"Đoạn {n}.") for n in range(3)] + [
        figure(to_global_id("Image", public.id), to_global_id("Image", secret.id))
    ]
    answer = await mutate(client, "articleCreate", {"title": "Của tôi", "body": body}, token)
    refused(answer, "VALIDATION", "body.3.figure.imageIds.1")
    cover = {"title": "Của tôi", "coverId": to_global_id("Image", secret.id)}
    refused(await mutate(client, "articleCreate", cover, token), "VALIDATION", "coverId")
    assert await dump() == before
    # The public photo is fine; an editor may use either.
    mine = await created(
        client, token, "Của tôi", body=[*body[:3], figure(to_global_id("Image", public.id))]
    )
    assert mine["body"][3]["images"] == [{"id": to_global_id("Image", public.id)}]
    both = await created(client, editor, "Của biên tập", body=body)
    assert len(both["body"][3]["images"]) == 2


async def test_an_author_may_reuse_photos_of_their_own_drafts(client, factory, editor):
    me = await factory.author("Bích Liên")
    token = await factory.token(Role.AUTHOR, author=me)
    photo = await factory.image()
    photo_id = to_global_id("Image", photo.id)
    await created(
        client,
        editor,
        "Nháp của tôi",
        authorIds=[to_global_id("Author", me.id)],
        body=[figure(photo_id)],
    )
    again = await created(client, token, "Nháp thứ hai", body=[figure(photo_id)], coverId=photo_id)
    assert again["body"][0]["images"] == [{"id": photo_id}]
    image = await post(
        client, "query ($id: ID!) { image(id: $id) { id } }", {"id": photo_id}, token
    )
    assert image["data"]["image"] == {"id": photo_id}
    anonymous = await post(client, "query ($id: ID!) { image(id: $id) { id } }", {"id": photo_id})
    assert anonymous["data"]["image"] is None


async def test_publish_needs_an_offset(client, editor):
    draft = await created(client, editor)
    before = await dump()
    when = {"id": draft["id"], "version": 1, "at": "2030-01-01T08:00:00"}
    refused(await mutate(client, "articlePublish", when, editor), "VALIDATION", "at")
    assert await dump() == before


async def test_update_keeps_what_is_left_out_and_clears_what_is_null(client, editor, factory):
    event = await factory.event("Hội nghị")
    photo = await factory.image()
    article = await created(
        client,
        editor,
        "Bài",
        summary="Tóm tắt",
        byline="Đức Anh",
        eventId=to_global_id("Event", event.id),
        coverId=to_global_id("Image", photo.id),
        body=[paragraph("Một.")],
    )
    change = {"id": article["id"], "version": 1, "summary": None, "eventId": None}
    answer = await mutate(client, "articleUpdate", change, editor)
    saved = answer["article"]
    assert (saved["title"], saved["summary"], saved["byline"]) == ("Bài", "", "Đức Anh")
    assert saved["bodyText"] == "Một." and saved["version"] == 2
    body = await post(
        client,
        "query ($id: ID!) { node(id: $id) { ... on Article { event { name } cover { id } } } }",
        {"id": article["id"]},
        editor,
    )
    assert body["data"]["node"] == {"event": None, "cover": {"id": to_global_id("Image", photo.id)}}
    null_title = {"id": article["id"], "version": 2, "title": None}
    refused(await mutate(client, "articleUpdate", null_title, editor), "VALIDATION", "title")
