"""Each mutation answers its success or one of its own errors, as its union in the SDL lists them.

The unions are made from each mutation module's ``REFUSALS`` table; the service tests provoke
the errors. An error a union does not list is a bug: the API masks it as an internal error, and
the ``contract_breaches`` fixture (tests/conftest.py) fails the test that provoked it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from graphql import GraphQLObjectType, GraphQLUnionType, build_schema, get_named_type

from cms.articles import editing
from cms.core import clock
from cms.core.errors import InvalidCredentials
from cms.core.viewer import ANONYMOUS
from cms.media.uploads import UploadedFile, UploadLimits
from cms.models import Role
from schema import schema
from schema.context import Context, Loaders
from schema.mutations.errors import (
    DECLARED,
    ERROR_TYPES,
    SIGNED_IN,
    ForbiddenError,
    UnauthenticatedError,
    ValidationError,
    result,
)
from schema.types.node import to_global_id
from settings import Settings
from tests.editing.helpers import post, published
from tests.factories import Factory

SDL = build_schema(schema.as_str())
"""The schema as clients see it: the exported SDL, read back by graphql-core."""


def _unions() -> dict[str, GraphQLUnionType]:
    found: dict[str, GraphQLUnionType] = {}
    assert SDL.mutation_type is not None
    for name, field in SDL.mutation_type.fields.items():
        kind = get_named_type(field.type)
        if isinstance(kind, GraphQLUnionType):
            found[name] = kind
    return found


def test_every_mutation_but_logout_answers_a_union_of_its_declared_errors() -> None:
    unions = _unions()
    assert SDL.mutation_type is not None
    assert set(SDL.mutation_type.fields) - set(unions) == {"logout"}  # a Boolean
    assert set(unions) == set(DECLARED)
    for name, union in unions.items():
        success = f"{name[0].upper()}{name[1:]}Success"
        errors = [kind.__name__ for kind in DECLARED[name]]
        assert union.name == f"{name[0].upper()}{name[1:]}Result"
        assert [member.name for member in union.types] == [success, *errors], name


def test_every_error_of_a_union_is_a_user_error() -> None:
    for name, union in _unions().items():
        for member in union.types[1:]:
            assert isinstance(member, GraphQLObjectType)
            assert [i.name for i in member.interfaces] == ["UserError"], (name, member.name)


def test_only_login_is_open_to_anyone() -> None:
    """Every other mutation asks for a role first (anonymous callers are UNAUTHENTICATED), and
    takes some input that can be malformed; FORBIDDEN only where a role may not do it all."""
    open_to_every_role = {"eventCreate", "imageUpload", "imagesUpload"}
    for name, refusals in DECLARED.items():
        if name == "login":
            assert not set(SIGNED_IN) & set(refusals)
            continue
        assert UnauthenticatedError in refusals, name
        assert ValidationError in refusals, name
        assert (ForbiddenError not in refusals) == (name in open_to_every_role), name


def test_a_union_holds_error_types_each_once() -> None:
    with pytest.raises(TypeError, match="not a set of error types"):
        result("thingMake", object, {"thingMake": (ValidationError, ValidationError)})
    with pytest.raises(TypeError, match="int"):
        result("thingMake", object, {"thingMake": (int,)})  # type: ignore[dict-item]
    assert "thingMake" not in DECLARED
    assert len(ERROR_TYPES) == len(set(ERROR_TYPES))


DELETE = """
mutation ($input: ArticleDeleteInput!) {
  articleDelete(input: $input) { __typename ... on UserError { code message field } }
}
"""


@pytest.mark.database("sqlite", "postgres")
async def test_an_error_outside_the_union_is_masked_as_internal_and_reported(
    client: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    contract_breaches: list[logging.LogRecord],
) -> None:
    editor = await Factory(settings.media_root).token(Role.EDITOR)

    async def refuse(*args: object) -> int:
        raise InvalidCredentials("The email or the password is wrong.")

    monkeypatch.setattr(editing, "delete", refuse)
    input = {"id": to_global_id("Article", 1), "version": 1}
    body = await post(client, DELETE, {"input": input}, editor)
    assert body["data"] is None, body
    [error] = body["errors"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_ERROR"}
    assert "password" not in str(body)
    [breach] = contract_breaches
    assert breach.getMessage() == (
        "`articleDelete` was refused with InvalidCredentialsError (INVALID_CREDENTIALS, field "
        "None), which its union does not list"
    )
    contract_breaches.clear()  # broken on purpose


# --- the declared errors no other test provokes -------------------------------------------------


def _document(mutation: str) -> str:
    kind = mutation[0].upper() + mutation[1:]
    return (
        f"mutation ($input: {kind}Input!) {{ {mutation}(input: $input) {{ __typename "
        "... on UserError { code field } } }"
    )


async def _refusal(
    client: Any, mutation: str, input: dict[str, Any], token: str | None
) -> tuple[str, str, str | None]:
    body = await post(client, _document(mutation), {"input": input}, token)
    assert "errors" not in body, body
    answer = body["data"][mutation]
    return answer["__typename"], answer.get("code"), answer.get("field")


MISSING_ARTICLE = {"id": to_global_id("Article", 999), "version": 1}


@pytest.mark.database("sqlite", "postgres")
@pytest.mark.parametrize(
    ("mutation", "input", "role", "expected"),
    [
        ("articleUnpublish", MISSING_ARTICLE, Role.EDITOR, ("NotFoundError", "NOT_FOUND", "id")),
        ("articleArchive", MISSING_ARTICLE, Role.EDITOR, ("NotFoundError", "NOT_FOUND", "id")),
        (
            "apiTokenRevoke",
            {"id": to_global_id("ApiToken", 1)},
            Role.EDITOR,
            ("ForbiddenError", "FORBIDDEN", None),
        ),
        (
            "userUpdate",
            {"id": to_global_id("User", 1), "name": " "},
            Role.ADMIN,
            ("ValidationError", "VALIDATION", "name"),
        ),
        (
            "userDeactivate",
            {"id": to_global_id("Event", 1)},
            Role.ADMIN,
            ("ValidationError", "VALIDATION", "id"),
        ),
        (
            "userDeactivate",
            {"id": to_global_id("User", 999)},
            Role.ADMIN,
            ("NotFoundError", "NOT_FOUND", "id"),
        ),
        # No file, so no multipart request for the transport to refuse: the service asks first.
        ("imagesUpload", {"files": []}, None, ("UnauthenticatedError", "UNAUTHENTICATED", None)),
    ],
)
async def test_a_declared_error_can_be_answered(
    client: Any,
    settings: Any,
    mutation: str,
    input: dict[str, Any],
    role: Role | None,
    expected: tuple[str, str, str | None],
) -> None:
    token = await Factory(settings.media_root).token(role) if role else None
    assert await _refusal(client, mutation, input, token) == expected
    assert any(kind.__name__ == expected[0] for kind in DECLARED[mutation])


@pytest.mark.database("sqlite", "postgres")
async def test_archiving_a_stale_copy_is_a_conflict(client: Any, settings: Any) -> None:
    editor = await Factory(settings.media_root).token(Role.EDITOR)
    article = await published(client, editor, "Bài")
    stale = {"id": article["id"], "version": article["version"] - 1}
    assert await _refusal(client, "articleArchive", stale, editor) == (
        "ConflictError",
        "CONFLICT",
        "version",
    )


async def test_an_anonymous_upload_past_the_transport_is_unauthenticated() -> None:
    """The HTTP edge refuses anonymous multipart requests (401) before the schema runs; the
    schema does not count on it: the upload service asks for a role itself."""
    spool = SimpleNamespace(path=Path("/nonexistent/photo.jpg"), size=1, sha256="0" * 64)
    photo = UploadedFile(cast(Any, spool), "photo.jpg", "image/jpeg")
    settings = Settings(_env_file=None)
    now = clock.now()
    context = Context(
        request=cast(Any, None),
        settings=settings,
        viewer=ANONYMOUS,
        now=now,
        loaders=Loaders(ANONYMOUS, now, settings.default_locale),
        media_base="http://cms.test",
        store=cast(Any, None),
        renditions=cast(Any, None),
        upload_limits=UploadLimits.of(settings).photos,
    )
    done = await schema.execute(
        _document("imageUpload"), variable_values={"input": {"file": photo}}, context_value=context
    )
    assert done.errors is None, done.errors
    assert done.data == {
        "imageUpload": {
            "__typename": "UnauthenticatedError",
            "code": "UNAUTHENTICATED",
            "field": None,
        }
    }
