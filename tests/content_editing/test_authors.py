"""authorCreate, authorUpdate and authorDelete: who may, what is checked, what is written."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from cms.models import ArticleImage, ArticleStatus, Author, Role, User
from tests.conftest import gql
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

AUTHOR_FIELDS = "id slug name bio email avatar { id }"
CREATE = mutation("authorCreate", f"author {{ {AUTHOR_FIELDS} }}")
UPDATE = mutation("authorUpdate", f"author {{ {AUTHOR_FIELDS} }}")
DELETE = mutation("authorDelete", "deletedId")
SEARCH = "query ($q: String!) { search(query: $q) { nodes { title } } }"


async def create(client, token: str | None, **fields: Any) -> dict[str, Any]:
    data = await call(client, CREATE, {"input": fields}, token)
    result: dict[str, Any] = data["authorCreate"]
    return result


async def update(client, token: str | None, author: Author, **fields: Any) -> dict[str, Any]:
    data = await call(client, UPDATE, {"input": {"id": gid("Author", author.id), **fields}}, token)
    result: dict[str, Any] = data["authorUpdate"]
    return result


async def delete(client, token: str | None, pk: int) -> dict[str, Any]:
    data = await call(client, DELETE, {"input": {"id": gid("Author", pk)}}, token)
    result: dict[str, Any] = data["authorDelete"]
    return result


# --- authorCreate --------------------------------------------------------------------------------


async def test_an_editor_creates_a_profile_normalised_and_audited(client, settings):
    factory = Factory(settings.media_root)
    editor = await factory.token(Role.EDITOR)
    portrait = await factory.image()
    before = await version()
    nfd_name = unicodedata.normalize("NFD", "  Bích   Liên ")
    result = await create(
        client,
        editor,
        name=nfd_name,
        bio="  Phóng viên.\nViết về kinh tế.  ",
        email=" Bich.Lien@Example.ORG ",
        avatarId=gid("Image", portrait.id),
    )
    assert result["__typename"] == "AuthorCreateSuccess", result
    author = result["author"]
    assert author["name"] == "Bích Liên" and unicodedata.is_normalized("NFC", author["name"])
    assert author["slug"] == "bich-lien"
    assert author["bio"] == "Phóng viên.\nViết về kinh tế."
    assert author["email"] == "bich.lien@example.org"
    assert author["avatar"] == {"id": gid("Image", portrait.id)}
    stored = await Author.get(slug="bich-lien")
    assert (stored.name, stored.email, stored.avatar_id) == (
        "Bích Liên",
        "bich.lien@example.org",
        portrait.id,
    )
    assert await version() > before
    assert await audit_trail() == [("create", "Author", stored.id, await user_id_of(editor))]


async def test_a_generated_slug_never_collides_and_an_explicit_one_must_be_free(client, settings):
    factory = Factory(settings.media_root)
    editor = await factory.token(Role.ADMIN)
    await factory.author("Bích Liên")
    generated = await create(client, editor, name="Bích Liên")
    assert generated["author"]["slug"] == "bich-lien-2"
    explicit = await create(client, editor, name="Thu Trang", slug="thu-trang-hn")
    assert explicit["author"]["slug"] == "thu-trang-hn"
    before = await snapshot()
    taken = await create(client, editor, name="Another", slug="bich-lien")
    assert taken["__typename"] == "SlugTakenError"
    refusal(taken, "SLUG_TAKEN", "slug")
    assert await snapshot() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Ok", "slug": "Bich Lien"}, "slug"),
        ({"name": "Ok", "slug": "bich--lien"}, "slug"),
        ({"name": "Ok", "slug": "bích-liên"}, "slug"),
        ({"name": "Ok", "slug": "-lien"}, "slug"),
        ({"name": "Ok", "slug": "a" * 121}, "slug"),
        ({"name": "Ok", "bio": "b" * 5001}, "bio"),
        ({"name": "Ok", "email": "not an email"}, "email"),
        ({"name": "Ok", "email": "a@b"}, "email"),
        ({"name": "Ok", "email": "a@" + "b" * 250 + ".org"}, "email"),
        ({"name": "Ok", "avatarId": "SW1hZ2U6OTk5"}, "avatarId"),  # Image:999: none
        ({"name": "Ok", "avatarId": "QXV0aG9yOjE="}, "avatarId"),  # Author:1, not an image
        ({"name": "Ok", "avatarId": "garbage!"}, "avatarId"),
    ],
)
async def test_invalid_input_is_refused_naming_the_field_and_writes_nothing(
    client, settings, fields, field
):
    editor = await Factory(settings.media_root).token(Role.EDITOR)
    before = await snapshot()
    result = await create(client, editor, **fields)
    assert result["__typename"] == "ValidationError", result
    refusal(result, "VALIDATION", field)
    assert await snapshot() == before


async def test_anonymous_callers_and_authors_may_not_create_profiles(client, settings):
    factory = Factory(settings.media_root)
    own = await factory.author("Đức Anh")
    author = await factory.token(Role.AUTHOR, author=own)
    before = await snapshot()
    anonymous = await create(client, None, name="Khách")
    assert anonymous["__typename"] == "UnauthenticatedError"
    refusal(anonymous, "UNAUTHENTICATED", None)
    forbidden = await create(client, author, name="Khách")
    assert forbidden["__typename"] == "ForbiddenError"
    refusal(forbidden, "FORBIDDEN", None)
    assert await snapshot() == before


async def test_sql_and_html_are_stored_as_text(client, settings):
    editor = await Factory(settings.media_root).token(Role.EDITOR)
    name = "Robert'); DROP TABLE author;--"
    bio = '<script>alert("x")</script> <b>bold</b> & 1=1; --'
    result = await create(client, editor, name=name, bio=bio)
    assert (result["author"]["name"], result["author"]["bio"]) == (name, bio)
    [stored] = await Author.all()
    assert (stored.name, stored.bio) == (name, bio)


# --- authorUpdate --------------------------------------------------------------------------------


async def test_an_editor_changes_only_the_given_fields_and_null_clears(client, settings):
    factory = Factory(settings.media_root)
    editor = await factory.token(Role.EDITOR)
    portrait = await factory.image()
    author = await factory.author("Thu Trang")
    await Author.filter(id=author.id).update(
        bio="Cũ.", email="old@example.org", avatar_id=portrait.id
    )
    result = await update(client, editor, author, bio="Mới.")
    assert result["author"] == {
        "id": gid("Author", author.id),
        "slug": "thu-trang",
        "name": "Thu Trang",
        "bio": "Mới.",
        "email": "old@example.org",
        "avatar": {"id": gid("Image", portrait.id)},
    }
    cleared = await update(client, editor, author, bio=None, email=None, avatarId=None)
    assert (cleared["author"]["bio"], cleared["author"]["email"], cleared["author"]["avatar"]) == (
        "",
        None,
        None,
    )
    actions = [(a, t, o) for a, t, o, _ in await audit_trail()]
    assert actions == [("update", "Author", author.id)] * 2


async def test_a_rename_is_searchable_at_once_and_a_slug_can_change(client, settings):
    factory = Factory(settings.media_root)
    editor = await factory.token(Role.EDITOR)
    author = await factory.author("Thu Trang")
    await factory.article("Hội nghị tổng kết", author_list=[author])
    result = await update(client, editor, author, name="Nguyễn Thu Trang", slug="nguyen-thu-trang")
    assert (result["author"]["name"], result["author"]["slug"]) == (
        "Nguyễn Thu Trang",
        "nguyen-thu-trang",
    )
    found = await gql(client, SEARCH, {"q": "nguyen"})
    assert found["data"]["search"]["nodes"] == [{"title": "Hội nghị tổng kết"}]


async def test_an_update_that_changes_nothing_writes_nothing(client, settings):
    factory = Factory(settings.media_root)
    editor = await factory.token(Role.EDITOR)
    author = await factory.author("Thu Trang")
    before = await snapshot()
    result = await update(client, editor, author, name=" Thu  Trang ", slug="thu-trang")
    assert result["__typename"] == "AuthorUpdateSuccess"
    assert await snapshot() == before


async def test_update_refusals(client, settings):
    factory = Factory(settings.media_root)
    editor = await factory.token(Role.EDITOR)
    author = await factory.author("Thu Trang")
    await factory.author("Đức Anh")
    before = await snapshot()
    cases = [
        (await update(client, editor, author, slug="duc-anh"), "SLUG_TAKEN", "slug"),
        (await update(client, editor, author, name=None), "VALIDATION", "name"),
        (await update(client, editor, author, slug=None), "VALIDATION", "slug"),
        (await update(client, editor, author, email="x@"), "VALIDATION", "email"),
        (await update(client, None, author, bio="x"), "UNAUTHENTICATED", None),
    ]
    for result, code, field in cases:
        refusal(result, code, field)
    missing = await call(client, UPDATE, {"input": {"id": gid("Author", 999), "bio": "x"}}, editor)
    refusal(missing["authorUpdate"], "NOT_FOUND", "id")
    assert await snapshot() == before


async def test_an_author_changes_their_own_profile_but_not_its_slug_nor_others(client, settings):
    factory = Factory(settings.media_root)
    own = await factory.author("Đức Anh")
    other = await factory.author("Thu Trang")
    token = await factory.token(Role.AUTHOR, author=own)
    unlinked = await factory.token(Role.AUTHOR)
    mine = await update(client, token, own, bio="Phóng viên ảnh.", email="duc.anh@example.org")
    assert mine["__typename"] == "AuthorUpdateSuccess"
    assert mine["author"]["bio"] == "Phóng viên ảnh."
    assert mine["author"]["email"] is None  # stored, but emails are for editors' eyes only
    assert (await Author.get(id=own.id)).email == "duc.anh@example.org"
    before = await snapshot()
    refusal(await update(client, token, other, bio="x"), "FORBIDDEN", "id")
    refusal(await update(client, token, own, slug="duc-anh-2"), "FORBIDDEN", "slug")
    refusal(await update(client, unlinked, own, bio="x"), "FORBIDDEN", "id")
    assert await snapshot() == before


async def test_an_author_cannot_publish_an_embargoed_photo_as_a_portrait(client, settings):
    factory = Factory(settings.media_root)
    own = await factory.author("Đức Anh")
    other = await factory.author("Thu Trang")
    token = await factory.token(Role.AUTHOR, author=own)
    secret = await factory.article(
        "Bản nháp", None, status=ArticleStatus.DRAFT, author_list=[other], figures=1
    )
    mine = await factory.article(
        "Nháp của tôi", None, status=ArticleStatus.DRAFT, author_list=[own], figures=1
    )
    [embargoed] = await ArticleImage.filter(article_id=secret.id)
    [own_photo] = await ArticleImage.filter(article_id=mine.id)
    before = await snapshot()
    refused = await update(client, token, own, avatarId=gid("Image", embargoed.image_id))
    refusal(refused, "VALIDATION", "avatarId")
    assert await snapshot() == before
    allowed = await update(client, token, own, avatarId=gid("Image", own_photo.image_id))
    assert allowed["author"]["avatar"] == {"id": gid("Image", own_photo.image_id)}


# --- authorDelete --------------------------------------------------------------------------------


async def test_an_author_listed_by_articles_is_in_use_whatever_their_status(client, settings):
    factory = Factory(settings.media_root)
    editor = await factory.token(Role.EDITOR)
    author = await factory.author("Thu Trang")
    await factory.article("Đã đăng", author_list=[author])
    await factory.article("Bản nháp", None, status=ArticleStatus.DRAFT, author_list=[author])
    before = await snapshot()
    result = await delete(client, editor, author.id)
    assert result["__typename"] == "InUseError"
    refusal(result, "IN_USE", "id")
    assert result["count"] == 2
    assert "2 articles" in result["message"]
    assert await snapshot() == before


async def test_an_editor_deletes_an_unused_profile(client, settings):
    factory = Factory(settings.media_root)
    editor = await factory.token(Role.EDITOR)
    author = await factory.author("Thu Trang")
    linked = await factory.token(Role.AUTHOR, author=author)
    before = await version()
    result = await delete(client, editor, author.id)
    assert result == {"__typename": "AuthorDeleteSuccess", "deletedId": gid("Author", author.id)}
    assert not await Author.exists(id=author.id)
    assert await version() > before
    assert await audit_trail() == [("delete", "Author", author.id, await user_id_of(editor))]
    account = await User.get(id=await user_id_of(linked))
    assert account.author_id is None and account.is_active  # the account stays, unlinked


async def test_delete_refusals(client, settings):
    factory = Factory(settings.media_root)
    own = await factory.author("Đức Anh")
    author_token = await factory.token(Role.AUTHOR, author=own)
    editor = await factory.token(Role.EDITOR)
    before = await snapshot()
    refusal(await delete(client, None, own.id), "UNAUTHENTICATED", None)
    refusal(await delete(client, author_token, own.id), "FORBIDDEN", None)
    refusal(await delete(client, editor, 999), "NOT_FOUND", "id")
    assert await snapshot() == before
