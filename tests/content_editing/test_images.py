"""imageUpdate: editors change any image's text; an author only an image that is theirs alone."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from cms.models import Article, ArticleImage, ArticleStatus, Author, Image, Role
from tests.content_editing.helpers import (
    audit_trail,
    call,
    gid,
    mutation,
    refusal,
    snapshot,
    user_id_of,
    version,
)
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

UPDATE = mutation("imageUpdate", "image { id alt caption credit }")


async def update(client, token: str | None, pk: int, **fields: Any) -> dict[str, Any]:
    variables = {"input": {"id": gid("Image", pk), **fields}}
    result: dict[str, Any] = (await call(client, UPDATE, variables, token))["imageUpdate"]
    return result


async def only_image(article: Article) -> int:
    [link] = await ArticleImage.filter(article_id=article.id)
    return link.image_id


async def test_an_editor_changes_the_text_normalised_and_audited(client, settings):
    factory = Factory(settings.media_root)
    editor = await factory.token(Role.EDITOR)
    image = await factory.image(caption="Cũ", alt="Cũ", credit="Cũ")
    before = await version()
    caption = unicodedata.normalize("NFD", "  Toàn cảnh hội nghị.\nẢnh: Đức Anh  ")
    result = await update(client, editor, image.id, alt=" Hội trường\nđông người ", caption=caption)
    assert result["__typename"] == "ImageUpdateSuccess", result
    assert result["image"] == {
        "id": gid("Image", image.id),
        "alt": "Hội trường đông người",
        "caption": "Toàn cảnh hội nghị.\nẢnh: Đức Anh",
        "credit": "Cũ",
    }
    stored = await Image.get(id=image.id)
    assert unicodedata.is_normalized("NFC", stored.caption)
    assert await version() > before
    assert await audit_trail() == [("update", "Image", image.id, await user_id_of(editor))]
    cleared = await update(client, editor, image.id, credit=None)
    assert cleared["image"]["credit"] == ""


async def test_sql_and_html_are_stored_as_text(client, settings):
    factory = Factory(settings.media_root)
    editor = await factory.token(Role.EDITOR)
    image = await factory.image()
    text = "<script>alert(1)</script>'; UPDATE image SET alt='x'; --"
    result = await update(client, editor, image.id, alt=text, caption=text, credit=text)
    assert result["image"]["alt"] == result["image"]["caption"] == text
    assert (await Image.get(id=image.id)).credit == text


async def test_an_update_that_changes_nothing_writes_nothing(client, settings):
    factory = Factory(settings.media_root)
    editor = await factory.token(Role.EDITOR)
    image = await factory.image(alt="Giữ nguyên")
    before = await snapshot()
    result = await update(client, editor, image.id, alt=" Giữ nguyên ")
    assert result["__typename"] == "ImageUpdateSuccess"
    assert await snapshot() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"alt": "a" * 1001}, "alt"),
        ({"caption": "c" * 2001}, "caption"),
        ({"credit": "c" * 256}, "credit"),
        ({"alt": "ok", "credit": "c" * 256}, "credit"),
    ],
)
async def test_text_over_its_limit_is_refused_and_nothing_changes(client, settings, fields, field):
    factory = Factory(settings.media_root)
    editor = await factory.token(Role.EDITOR)
    image = await factory.image()
    before = await snapshot()
    refusal(await update(client, editor, image.id, **fields), "VALIDATION", field)
    assert await snapshot() == before


async def test_anonymous_callers_and_unknown_images(client, settings):
    factory = Factory(settings.media_root)
    editor = await factory.token(Role.EDITOR)
    image = await factory.image()
    before = await snapshot()
    refusal(await update(client, None, image.id, alt="x"), "UNAUTHENTICATED", None)
    refusal(await update(client, editor, 999, alt="x"), "NOT_FOUND", "id")
    wrong_type = {"input": {"id": gid("Author", image.id), "alt": "x"}}
    refusal((await call(client, UPDATE, wrong_type, editor))["imageUpdate"], "VALIDATION", "id")
    assert await snapshot() == before


async def test_an_author_changes_an_image_only_while_it_is_theirs_alone(client, settings):
    factory = Factory(settings.media_root)
    me = await factory.author("Đức Anh")
    other = await factory.author("Thu Trang")
    token = await factory.token(Role.AUTHOR, author=me)
    draft = await factory.article(
        "Nháp", None, status=ArticleStatus.DRAFT, author_list=[me], figures=1
    )
    published = await factory.article("Đã đăng", author_list=[me], figures=1)
    theirs_public = await factory.article("Của người khác", author_list=[other], figures=1)
    theirs_draft = await factory.article(
        "Nháp người khác", None, status=ArticleStatus.DRAFT, author_list=[other], figures=1
    )
    shared_draft = await factory.article(
        "Nháp chung", None, status=ArticleStatus.DRAFT, author_list=[me, other], figures=1
    )
    portrait = await factory.image()
    await Author.filter(id=me.id).update(avatar_id=portrait.id)
    ok = await update(client, token, await only_image(draft), alt="Ảnh của tôi")
    assert ok["__typename"] == "ImageUpdateSuccess", ok
    assert (await update(client, token, portrait.id, alt="Chân dung"))["image"]["alt"] == (
        "Chân dung"
    )
    ok_shared = await update(client, token, await only_image(shared_draft), alt="Chung")
    assert ok_shared["__typename"] == "ImageUpdateSuccess"  # it lists me: my draft too
    before = await snapshot()
    refusal(await update(client, token, await only_image(published), alt="x"), "FORBIDDEN", "id")
    public = await only_image(theirs_public)
    refusal(await update(client, token, public, alt="x"), "FORBIDDEN", "id")
    hidden = await only_image(theirs_draft)
    refusal(await update(client, token, hidden, alt="x"), "NOT_FOUND", "id")
    assert await snapshot() == before


async def test_an_author_may_not_change_an_image_that_someone_else_also_uses(client, settings):
    factory = Factory(settings.media_root)
    me = await factory.author("Đức Anh")
    other = await factory.author("Thu Trang")
    token = await factory.token(Role.AUTHOR, author=me)
    unlinked = await factory.token(Role.AUTHOR)
    draft = await factory.article(
        "Nháp", None, status=ArticleStatus.DRAFT, author_list=[me], figures=1
    )
    image_id = await only_image(draft)
    await Author.filter(id=other.id).update(avatar_id=image_id)  # also someone's portrait
    before = await snapshot()
    refusal(await update(client, token, image_id, alt="x"), "FORBIDDEN", "id")
    refusal(await update(client, unlinked, image_id, alt="x"), "FORBIDDEN", "id")
    assert await snapshot() == before
