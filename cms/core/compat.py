"""Every use of a library's non-public API, in one place, each with a test that fails loudly
(tests/unit/test_compat*.py) when an update of the library breaks it.

A function here is small and says what it leans on. Code elsewhere calls these functions and
never reaches into the libraries' internals itself, so that an upgrade is checked here, once.
"""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, Literal, TypeVar
from weakref import WeakMethod

import asyncpg
from cross_web import HTTPException
from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLField, GraphQLSchema
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry import Schema
from strawberry.extensions.max_aliases import create_validator as _aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as _depth_rule
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema import validate_document as _validate_document
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.execution import PreExecutionError
from tortoise import Tortoise
from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.backends.asyncpg.client import TransactionWrapper as AsyncpgTransaction
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base_postgres.client import BasePostgresClient
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionWrapper
from tortoise.models import Model
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = [
    "VIEW_HOOKS",
    "ExecutionContextBase",
    "HttpToolsProtocol",
    "NoticeConnection",
    "aliases_rule",
    "attach_related",
    "break_helpers_cycle",
    "depth_rule",
    "field_metadata",
    "graphql_core_schema",
    "init_orm",
    "is_pre_execution_error",
    "model_columns",
    "model_connection",
    "model_connection_name",
    "model_from_row",
    "model_table",
    "observe_statements",
    "refused_operation",
    "sqlite_connection",
    "validate",
]

R = TypeVar("R")
M = TypeVar("M", bound=Model)

# --- tortoise: starting the ORM, a model's connection -------------------------------------------
#
# tests/unit/test_compat.py checks each of these against the installed tortoise-orm.


def init_orm(config: dict[str, Any]) -> Coroutine[Any, Any, object]:
    """``Tortoise.init(config)``, visible from every task, not only those started from the one
    that ran it: requests run in other tasks than the app's lifespan. tortoise offers this only
    as the keyword ``_enable_global_fallback`` (what its own FastAPI helper passes)."""
    return Tortoise.init(config=config, _enable_global_fallback=True)


def model_connection(model: type[Model]) -> BaseDBAsyncClient:
    """The connection ``model``'s queries use now: inside ``in_transaction()``, the
    transaction's. tortoise keeps it as ``Model._meta.db``."""
    return model._meta.db


def model_connection_name(model: type[Model]) -> str:
    """The name of ``model``'s connection in the configuration (``Model._meta``, as above)."""
    return model._meta.default_connection or "default"


# --- graphql-core and strawberry: executing and validating documents ----------------------------
#
# tests/unit/test_compat.py checks each of these against the installed graphql-core and
# strawberry-graphql.

ExecutionContextBase = StrawberryGraphQLCoreExecutionContext
"""strawberry's graphql-core executor, to subclass (``Schema(execution_context_class=...)`` is
public, the class it defaults to is not exported)."""


def break_helpers_cycle(execution: ExecutionContextBase) -> None:
    """Make ``execution``'s ``async_helpers`` refer to it weakly.

    graphql-core 3.3 keeps a tuple of the executor's own bound methods in ``async_helpers``
    (``GraphQLResolveInfoHelpers(gather, track)``): a reference cycle through which the executor
    keeps a request's context alive until the collector's oldest generation runs. The executor is
    alive for as long as anything can call the helpers (the execution holds it).
    """
    execution.async_helpers = GraphQLResolveInfoHelpers(
        gather=_weakly(WeakMethod(execution.gather_async_work)),
        track=_weakly(WeakMethod(execution.track_async_work)),
    )


def _weakly(method: WeakMethod[Callable[[Sequence[Any]], R]]) -> Callable[[Sequence[Any]], R]:
    def call(values: Sequence[Any]) -> R:
        bound = method()
        if bound is None:  # only once the request is over: nothing can call it then
            raise RuntimeError("the GraphQL execution is over")
        return bound(values)

    return call


def graphql_core_schema(schema: Schema) -> GraphQLSchema:
    """The graphql-core schema strawberry built (``Schema._schema``: no public accessor)."""
    return schema._schema


def validate(
    schema: Schema, document: DocumentNode, rules: Sequence[type[ASTValidationRule]]
) -> list[GraphQLError]:
    """``document``'s errors against ``schema`` with ``rules``, plus the rules strawberry adds
    itself (``@oneOf`` inputs, ``Maybe``), as strawberry validates a request."""
    return _validate_document(graphql_core_schema(schema), document, tuple(rules))


def field_metadata(field: GraphQLField) -> Mapping[Any, Any]:
    """The ``metadata=`` a schema field was declared with (``strawberry.field(metadata=...)``,
    public), read from the graphql-core field strawberry built: strawberry keeps its own field
    in the field's ``extensions`` under its converter's ``DEFINITION_BACKREF`` key. Empty for a
    field strawberry did not make (introspection's)."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    metadata = getattr(definition, "metadata", None)
    return metadata if isinstance(metadata, Mapping) else {}


def depth_rule(max_depth: int) -> type[ASTValidationRule]:
    """The validation rule of strawberry's ``QueryDepthLimiter``, made once (the extension makes
    a new class per request, which a validation cache keyed by rule classes never finds)."""
    return _depth_rule(max_depth, None)


def aliases_rule(max_aliases: int) -> type[ASTValidationRule]:
    """The validation rule of strawberry's ``MaxAliasesLimiter`` (as :func:`depth_rule`)."""
    return _aliases_rule(max_aliases)


def is_pre_execution_error(result: object) -> bool:
    """Whether strawberry answered ``result`` before executing anything: the document did not
    parse or validate (its ``PreExecutionError``, which ``strawberry.types`` does not export)."""
    return isinstance(result, PreExecutionError)


# --- strawberry: its HTTP view -------------------------------------------------------------------
#
# tests/unit/test_compat.py checks each of these against the installed strawberry-graphql.

VIEW_HOOKS = (
    "should_render_graphql_ide",
    "parse_http_body",
    "parse_multipart",
    "parse_json",
    "execute_operation",
)
"""Methods of strawberry's HTTP view that :class:`cms.web.graphql.view.GraphQLView` overrides
although strawberry documents none of them for overriding (it documents ``get_context``,
``get_root_value``, ``process_result``, ``encode_json``, ``decode_json``,
``render_graphql_ide`` and ``on_ws_connect``; for integrations ``run``,
``request_adapter_class``, ``get_sub_response`` and ``create_response``). strawberry calls them
by name: each must keep its name and parameters, or the override is silently never called."""


def refused_operation(error: HTTPException) -> Literal["type", "name"] | None:
    """What strawberry's ``400`` from executing a request was about, when it refused the
    operation itself: ``"type"``, a type the request's method may not run (a mutation by GET);
    ``"name"``, an ``operationName`` the document does not define; ``None`` for its other
    refusals. strawberry says so only through the exception it chains (``__cause__``)."""
    cause = error.__cause__
    if isinstance(cause, InvalidOperationTypeError):
        return "type"
    if isinstance(cause, CannotGetOperationTypeError):
        return "name"
    return None


# --- uvicorn: its HTTP protocol ------------------------------------------------------------------
#
# :class:`cms.web.server.HeaderTimeoutProtocol` subclasses ``HttpToolsProtocol`` (a module uvicorn
# does not document): it overrides ``connection_made``, ``on_message_begin``,
# ``on_headers_complete`` and ``connection_lost`` (httptools' callbacks), and uses the instance's
# ``loop`` and ``transport``. tests/unit/test_compat.py checks them against the installed uvicorn.


# --- tortoise-orm: models from rows (checked with 1.1.9) ---------------------------------------


def model_table(model: type[Model]) -> str:
    """The table a model is stored in (``Model._meta.db_table``)."""
    return str(model._meta.db_table)


def model_columns(model: type[Model]) -> tuple[str, ...]:
    """The columns of a model's table, in the order the model declares its fields
    (``Model._meta.fields_db_projection``: field name to column, relations as their ``_id``)."""
    return tuple(model._meta.fields_db_projection.values())


def model_from_row(model: type[M]) -> Callable[[Mapping[str, Any]], M]:
    """Makes a model instance from a row holding every one of :func:`model_columns`, as tortoise
    makes one from its own queries (``Model._init_from_db``: values converted from the
    database's form, the instance marked as saved), so raw SQL can read models."""
    build = model._init_from_db

    def made(row: Mapping[str, Any]) -> M:
        return build(**row)

    return made


def attach_related(instance: Model, name: str, related: Model | None) -> None:
    """Give ``instance`` its related object ``name`` read with it, as tortoise's
    ``select_related`` does (the relation's cache, ``_<name>``): reading it costs no query."""
    object.__setattr__(instance, f"_{name}", related)


# --- asyncpg and tortoise connections (cms.notify) ---------------------------------------------
#
# tests/unit/test_compat_connections.py checks each of these against the installed tortoise-orm
# and asyncpg.


def sqlite_connection(client: BaseDBAsyncClient) -> Any:
    """The one aiosqlite connection of tortoise's SQLite client; ``None`` before it opened (or for
    another client). tortoise keeps it in ``_connection`` and offers no public accessor."""
    return getattr(client, "_connection", None)


@asynccontextmanager
async def driver_connection(client: BaseDBAsyncClient) -> AsyncIterator[Any]:
    """The driver's own connection behind ``client``, taken as tortoise takes it for a statement
    (on SQLite: after any transaction on it, under its lock), for statements tortoise must not log
    as a request's. tortoise's ``acquire_connection`` is its executors' internal tool."""
    async with client.acquire_connection() as connection:
        yield connection


class NoticeConnection(asyncpg.Connection):  # type: ignore[misc]
    """An asyncpg connection that hands every notice the server sends to :meth:`noticed` as soon
    as it is read: before the statement that raised it returns, whose result comes after it.

    asyncpg's public way, ``add_log_listener``, calls listeners later (``loop.call_soon``), and a
    pool warns about any listener left on a connection it takes back, so one cannot stay for the
    connection's life. This overrides asyncpg's private ``Connection._process_log_message(fields,
    last_query)``, which its protocol calls with the message's fields (``M``: the message)."""

    def noticed(self, message: str) -> None:
        """A notice with this message arrived (override it)."""

    def _process_log_message(self, fields: dict[str, str], last_query: Any) -> None:
        self.noticed(fields.get("M", ""))
        super()._process_log_message(fields, last_query)


# --- tortoise: timing every statement (the metrics) ---------------------------------------------
#
# tortoise has no hook per statement: its clients log each one at DEBUG (formatting it, a cost
# nobody should pay to count) and time none. Each concrete client class defines its own executors,
# none calling another, so wrapping the ones a class defines itself sees every statement once.

STATEMENT_CLASSES: tuple[type[BaseDBAsyncClient], ...] = (
    SqliteClient,
    SqliteTransactionWrapper,
    BasePostgresClient,
    AsyncpgDBClient,
    AsyncpgTransaction,
)
STATEMENT_METHODS = (
    "execute_insert",
    "execute_many",
    "execute_query",
    "execute_query_dict",
    "execute_script",
)
_observer: Callable[[float], None] | None = None


def observe_statements(observe: Callable[[float], None] | None) -> None:
    """Call ``observe(seconds)`` after every statement tortoise's SQLite and asyncpg clients run,
    failed ones too (None: stop). Wraps the executors of :data:`STATEMENT_CLASSES` once per
    process; later calls only change the observer."""
    global _observer
    _observer = observe
    for cls in STATEMENT_CLASSES:
        for name in STATEMENT_METHODS:
            method = cls.__dict__.get(name)
            if method is None or getattr(method, "__isabstractmethod__", False):
                continue
            if not getattr(method, "_cms_timed", False):
                setattr(cls, name, _timed(method))


def _timed(method: Callable[..., Coroutine[Any, Any, R]]) -> Callable[..., Coroutine[Any, Any, R]]:
    @functools.wraps(method)
    async def timed(self: BaseDBAsyncClient, *args: Any, **kwargs: Any) -> R:
        started = time.perf_counter()
        try:
            return await method(self, *args, **kwargs)
        finally:
            if _observer is not None:
                _observer(time.perf_counter() - started)

    timed._cms_timed = True  # type: ignore[attr-defined]
    return timed
