"""Author.email: editors and admins see it; everyone else gets null, never an error."""

from __future__ import annotations

import pytest

from cms.models import Author, Role
from tests.content_editing.helpers import call
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

ONE = "query ($slug: String!) { author(slug: $slug) { name email } }"
LIST = "query ($first: Int) { authors(first: $first) { nodes { name EMAIL } } }"


async def seed(settings, count: int = 1) -> Factory:
    factory = Factory(settings.media_root)
    for n in range(count):
        author = await factory.author(f"Tác giả {n}")
        await Author.filter(id=author.id).update(email=f"tac.gia.{n}@example.org")
    return factory


async def email_seen(client, token: str | None) -> str | None:
    data = await call(client, ONE, {"slug": "tac-gia-0"}, token)
    assert data["author"]["name"] == "Tác giả 0"
    email: str | None = data["author"]["email"]
    return email


async def test_editors_and_admins_see_the_email(client, settings):
    factory = await seed(settings)
    for role in (Role.EDITOR, Role.ADMIN):
        assert await email_seen(client, await factory.token(role)) == "tac.gia.0@example.org"


async def test_anonymous_readers_and_authors_get_null_even_for_their_own_profile(client, settings):
    factory = await seed(settings)
    own = await Author.get(slug="tac-gia-0")
    assert await email_seen(client, None) is None
    assert await email_seen(client, await factory.token(Role.AUTHOR, author=own)) is None


async def test_the_shared_cache_never_hands_an_editors_answer_to_anyone_else(client, settings):
    factory = await seed(settings)
    editor = await factory.token(Role.EDITOR)
    assert await email_seen(client, None) is None
    assert await email_seen(client, editor) == "tac.gia.0@example.org"
    assert await email_seen(client, None) is None


async def test_the_email_costs_no_statement(client, settings, count_queries):
    factory = await seed(settings, 30)
    editor = await factory.token(Role.EDITOR)
    costs = {}
    for selection in ("", "email"):
        for first in (1, 30):
            count_queries.reset()
            data = await call(client, LIST.replace("EMAIL", selection), {"first": first}, editor)
            assert len(data["authors"]["nodes"]) == first
            costs[selection, first] = count_queries.count
    assert all(n["email"] for n in data["authors"]["nodes"])
    # the token, then the page: the same with or without emails, whatever the page size
    assert costs == {("", 1): 2, ("", 30): 2, ("email", 1): 2, ("email", 30): 2}
