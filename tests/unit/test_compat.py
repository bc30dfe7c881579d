"""Each hook of :mod:`cms.core.compat` into a library's internals, checked against the installed
library: when an update breaks one, its test fails saying which library, which version, and what
changed, instead of the CMS misbehaving quietly (a cycle freed late, a refusal turned into a 400,
a connection never closed)."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import inspect
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from typing import Any

import pytest
import strawberry
from cross_web import HTTPException
from graphql import GraphQLSchema, parse
from graphql import validate as graphql_validate
from starlette.requests import Request
from strawberry.asgi import GraphQL
from tortoise import Tortoise
from tortoise.transactions import in_transaction

from cms.core import compat, db
from cms.models import Article
from cms.web.graphql.view import GraphQLView
from cms.web.server import HeaderTimeoutProtocol, protocol
from settings import Settings

pytestmark = pytest.mark.database("sqlite", "postgres")


@contextmanager
def hook(library: str, what: str) -> Iterator[None]:
    """Fail loudly, naming ``library``, its installed version and the hook, if the block does."""
    try:
        yield
    except Exception as error:  # an AssertionError, or the library refusing the call
        pytest.fail(
            f"{library} {version(library)} broke a hook of cms/core/compat.py: {what}\n"
            f"  {type(error).__name__}: {error}",
            pytrace=False,
        )


# --- tortoise ------------------------------------------------------------------------------------


async def test_the_orm_started_in_one_task_serves_the_others(settings: Settings) -> None:
    started, stop = asyncio.Event(), asyncio.Event()

    async def lifespan() -> None:  # as the app's, which runs in a task of its own
        await compat.init_orm(settings.tortoise_config())
        started.set()
        await stop.wait()
        await Tortoise.close_connections()

    async def request() -> list[dict[str, Any]]:
        rows = await compat.model_connection(Article).execute_query_dict("SELECT 1 AS one")
        return list(rows)

    # Each in a context of its own: neither task inherits the other's (nor this test's) ORM.
    task = asyncio.create_task(lifespan(), context=contextvars.Context())
    await started.wait()
    try:
        with hook("tortoise-orm", "Tortoise.init(_enable_global_fallback=True) reaches every task"):
            answer = asyncio.create_task(request(), context=contextvars.Context())
            assert await answer == [{"one": 1}]
    finally:
        stop.set()
        await task


async def test_a_models_connection_is_its_transactions_inside_one(orm: None) -> None:
    with hook("tortoise-orm", "Model._meta.db is the connection of the running transaction"):
        outside = compat.model_connection(Article)
        async with in_transaction() as transaction:
            assert compat.model_connection(Article) is transaction
        assert compat.model_connection(Article) is outside


async def test_a_models_connection_name(orm: None) -> None:
    with hook("tortoise-orm", "Model._meta.default_connection names the model's connection"):
        name = compat.model_connection_name(Article)
        assert name == "default"
        async with in_transaction(name) as transaction:
            assert compat.model_connection(Article) is transaction


async def test_models_read_from_raw_rows(orm: None) -> None:
    """Raw SQL reads models (lists of accounts, tokens, the audit log) as tortoise's own queries
    build them, with a foreign key read along as ``select_related`` does."""
    from cms.core import db
    from cms.models import AuditEntry, User

    with hook("tortoise-orm", "model_table / model_columns (Model._meta)"):
        assert compat.model_table(User) == "account"
        columns = compat.model_columns(AuditEntry)
        assert {"id", "at", "action", "user_id"} <= set(columns)
    user = await User.create(email="a@example.org", name="A", password_hash="x", role="editor")
    entry = await AuditEntry.create(
        user=user, actor="a@example.org", action="create", object_type="Article", object_id=1
    )
    names = ", ".join(columns)
    [row] = await db.fetch(f"SELECT {names} FROM audit_log WHERE id = ?", [entry.id])
    with hook("tortoise-orm", "model_from_row (Model._init_from_db)"):
        made = compat.model_from_row(AuditEntry)(row)
        assert (made.id, made.action, made.user_id, made.at) == (
            entry.id,
            entry.action,
            user.id,
            entry.at,
        )
    with hook("tortoise-orm", "attach_related (the relation's _<name> cache)"):
        compat.attach_related(made, "user", user)
        assert made.user is user
        compat.attach_related(made, "user", None)
        assert made.user is None


# --- graphql-core and strawberry -----------------------------------------------------------------


@strawberry.input(one_of=True)
class Pick:
    a: str | None = strawberry.UNSET
    b: str | None = strawberry.UNSET


@strawberry.type
class Node:
    name: str = "n"

    @strawberry.field
    def child(self) -> Node:
        return Node()


@strawberry.type
class Query:
    @strawberry.field
    async def node(self) -> Node:
        return Node()

    @strawberry.field
    def pick(self, by: Pick) -> str:
        return "picked"


@strawberry.type
class Mutation:
    @strawberry.mutation
    def touch(self) -> bool:
        return True


class _Tracked(compat.ExecutionContextBase):
    """graphql-core's executor as strawberry makes it; each instance remembered weakly."""

    made: list[weakref.ref[Any]] = []  # noqa: RUF012 (a test's own register)
    weaken = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.weaken:
            compat.break_helpers_cycle(self)
        self.made.append(weakref.ref(self))


class _Untouched(_Tracked):
    weaken = False


async def _executor_left_after_a_request(execution_context_class: type[_Tracked]) -> bool:
    """Whether an executor outlives its request until the collector runs (collection off)."""
    schema = strawberry.Schema(query=Query, execution_context_class=execution_context_class)
    _Tracked.made.clear()
    gc.collect()
    gc.disable()
    try:
        result = await schema.execute("{ node { name child { name } } }")
        assert result.errors is None, result.errors
        del result
        return any(ref() is not None for ref in _Tracked.made)
    finally:
        gc.enable()


async def test_graphql_cores_executor_is_freed_with_its_request() -> None:
    with hook("graphql-core", "async_helpers holds the executor's own methods (a cycle)"):
        assert await _executor_left_after_a_request(_Untouched), (
            "the executor no longer keeps itself alive: break_helpers_cycle may go"
        )
    with hook("graphql-core", "break_helpers_cycle replaces async_helpers (gather, track)"):
        assert not await _executor_left_after_a_request(_Tracked)


def test_strawberrys_graphql_core_schema() -> None:
    schema = strawberry.Schema(query=Query)
    with hook("strawberry-graphql", "Schema._schema is the graphql-core schema"):
        found = compat.graphql_core_schema(schema)
        assert isinstance(found, GraphQLSchema)
        assert found.query_type is not None and found.query_type.name == "Query"


def test_validation_adds_strawberrys_own_rules() -> None:
    schema = strawberry.Schema(query=Query)
    with hook("strawberry-graphql", "validate_document(schema, document, rules) adds @oneOf"):
        assert compat.validate(schema, parse('{ pick(by: {a: "x"}) }'), ()) == []
        errors = compat.validate(schema, parse('{ pick(by: {a: "x", b: "y"}) }'), ())
        assert errors and "exactly one" in errors[0].message.lower(), errors


def test_the_depth_and_alias_rules() -> None:
    core = compat.graphql_core_schema(strawberry.Schema(query=Query))
    deep = parse("{ node { child { child { name } } } }")
    aliased = parse("{ a: node { name } b: node { name } c: node { name } }")
    with hook("strawberry-graphql", "query_depth_limiter.create_validator(max_depth, None)"):
        assert graphql_validate(core, deep, [compat.depth_rule(2)])
        assert graphql_validate(core, deep, [compat.depth_rule(3)]) == []
    with hook("strawberry-graphql", "max_aliases.create_validator(max_alias_count)"):
        assert graphql_validate(core, aliased, [compat.aliases_rule(2)])
        assert graphql_validate(core, aliased, [compat.aliases_rule(3)]) == []


async def test_an_answer_given_before_execution() -> None:
    schema = strawberry.Schema(query=Query)
    with hook("strawberry-graphql", "PreExecutionError marks a document that did not validate"):
        assert compat.is_pre_execution_error(await schema.execute("{ nothing }"))
        assert compat.is_pre_execution_error(await schema.execute("{"))
        assert not compat.is_pre_execution_error(await schema.execute("{ node { name } }"))


def _get(query_string: bytes, method: str = "GET") -> Request:
    scope = {
        "type": "http",
        "method": method,
        "path": "/graphql",
        "query_string": query_string,
        "headers": [(b"accept", b"application/json")],
    }
    return Request(scope)


async def test_the_cause_of_strawberrys_refusals() -> None:
    view = GraphQL(strawberry.Schema(query=Query, mutation=Mutation))
    asked = {
        "type": b"query=mutation+%7B+touch+%7D",
        "name": b"query=query+A+%7B+node+%7B+name+%7D+%7D&operationName=B",
        None: b"query=",
    }
    for expected, query_string in asked.items():
        with (
            hook("strawberry-graphql", f"HTTPException.__cause__ says {expected!r}"),
            pytest.raises(HTTPException) as refused,
        ):
            await view.run(_get(query_string))
        with hook("strawberry-graphql", f"HTTPException.__cause__ says {expected!r}"):
            assert compat.refused_operation(refused.value) == expected, refused.value.reason


@pytest.mark.parametrize("name", compat.VIEW_HOOKS)
def test_the_view_methods_overridden(name: str) -> None:
    with hook("strawberry-graphql", f"the view still calls {name} with the same parameters"):
        theirs = getattr(GraphQL, name, None)
        assert theirs is not None, f"strawberry's view has no {name}"
        ours = inspect.signature(getattr(GraphQLView, name)).parameters
        assert list(inspect.signature(theirs).parameters) == list(ours)
        assert name in inspect.getsource(GraphQL.run) or any(
            name in inspect.getsource(getattr(GraphQL, caller))
            for caller in ("parse_http_body", "parse_query_params")
        ), f"strawberry no longer calls {name}"


# --- uvicorn -------------------------------------------------------------------------------------


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


async def _asgi(scope: Any, receive: Any, send: Any) -> None:  # never called
    raise AssertionError


def test_uvicorns_protocol_callbacks() -> None:
    theirs = compat.HttpToolsProtocol
    for name in ("connection_made", "on_message_begin", "on_headers_complete", "connection_lost"):
        with hook("uvicorn", f"HttpToolsProtocol.{name} keeps its parameters"):
            ours = inspect.signature(getattr(HeaderTimeoutProtocol, name)).parameters
            assert list(inspect.signature(getattr(theirs, name)).parameters) == list(ours)


async def test_uvicorns_protocol_keeps_its_loop_and_transport() -> None:
    import uvicorn
    from uvicorn.server import ServerState

    config = uvicorn.Config(_asgi, lifespan="off", log_level="warning")
    with hook("uvicorn", "HttpToolsProtocol(config, server_state, app_state, _loop)"):
        made = protocol(0.05)(config, ServerState(), {}, _loop=asyncio.get_running_loop())
    transport = _Transport()
    with hook("uvicorn", "HttpToolsProtocol keeps self.loop and self.transport"):
        made.connection_made(transport)
        assert made.loop is asyncio.get_running_loop() and made.transport is transport
        await asyncio.sleep(0.2)
        assert transport.closed, "a connection that sent no headers was not closed"
        made.connection_lost(None)


@strawberry.type
class _Listed:
    @strawberry.field(metadata={"cms.items": 7})  # type: ignore[untyped-decorator]
    def names(self) -> list[str]:
        return []


def test_a_fields_metadata_from_the_graphql_core_field() -> None:
    core = compat.graphql_core_schema(strawberry.Schema(query=_Listed))
    assert core.query_type is not None
    with hook("strawberry-graphql", "a field's extensions[DEFINITION_BACKREF] is its field"):
        assert compat.field_metadata(core.query_type.fields["names"]) == {"cms.items": 7}
        assert (
            compat.field_metadata(core.query_type.fields["names"].__class__(core.query_type)) == {}
        )


class _Built(compat.ExecutionContextBase):
    """What the cost check reads of graphql-core's executor once built."""

    seen: list[tuple[str, dict[str, Any], set[str], object]] = []  # noqa: RUF012

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        built: Any = super().build(*args, **kwargs)
        operation = built.operation.name.value
        fragments = set(built.fragment_definitions)
        cls.seen.append((operation, built.variable_values.coerced, fragments, built.context_value))
        return built


async def test_the_executor_built_before_anything_runs() -> None:
    schema = strawberry.Schema(query=Query, execution_context_class=_Built)
    document = (
        "query Q($on: Boolean = true) { ...F @include(if: $on) }"
        " fragment F on Query { node { name } }"
    )
    with hook("graphql-core", "Executor.build: operation, fragment_definitions, variable_values"):
        result = await schema.execute(document, context_value="the context")
        assert result.errors is None, result.errors
        assert _Built.seen == [("Q", {"on": True}, {"F"}, "the context")]


async def test_every_statement_is_observed_once(orm: None, count_queries: Any) -> None:
    seen: list[float] = []
    with hook("tortoise-orm", "observe_statements wraps the clients' own executors"):
        compat.observe_statements(seen.append)
        try:
            count_queries.reset()
            await Article.all().count()
            await db.fetch("SELECT 1 AS one")
            async with in_transaction():
                await db.execute("SELECT 2")
                await Article.filter(id=-1).update(title="x")
            logged = count_queries.count
        finally:
            compat.observe_statements(None)
        assert logged >= 4
        assert len(seen) == logged, (len(seen), count_queries.statements)
        assert all(seconds >= 0 for seconds in seen)
