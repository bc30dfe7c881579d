"""What a query can cost, worked out before it runs: the number of nodes it can return.

The model is GitHub's. Each connection (a field with ``first``/``last``) returns as many nodes as
its page size: ``first`` or ``last`` as given (at most ``CMS_MAX_PAGE_SIZE``), else the
argument's default in the schema, else ``CMS_DEFAULT_PAGE_SIZE``; each plain list of objects as
many as it can hold (its ``metadata=holds(n)``, :mod:`cms.core.bounds`). Along a path those sizes
multiply (100 authors with 100 articles each are 10,000 articles), and the cost of a document is
the sum of those products over every connection and list it selects. The lists inside a
connection's type (``nodes``, ``edges``, a feed's ``changes``) are its page, counted once.
Fragments and inline fragments count where they are spread; ``@include``/``@skip`` as their
variables say. Single objects and lists of scalars count nothing (they return no more rows than
their parent), nor does introspection (bounded by the schema).

Registering a trusted document, its variables are not known yet: the worst case is taken (every
``Int`` variable the largest page, every directive's condition true).

A fragment costs in proportion to the size it is spread under, so its cost is worked out once
per document (a fragment spread twice in a fragment spread twice in … is not walked 2^n times).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
)
from starlette.requests import HTTPConnection
from strawberry.extensions import SchemaExtension

from cms.core.bounds import ITEMS, PAGE
from cms.core.compat import field_metadata
from cms.core.viewer import Viewer
from cms.web.request import request_state
from settings import Settings

__all__ = ["Costing", "Costs", "QueryCost", "ReportCost", "too_complex"]

_PAGED = ("first", "last")
_CACHED = 512
"""Costs kept per app: one per (document, operation, page-size and condition variables)."""

Variables = Mapping[str, object] | None
"""Coerced variable values; ``None``: not known (the worst case is costed)."""


@dataclass(frozen=True, slots=True)
class QueryCost:
    """A query's cost and the limit it was held to."""

    cost: int
    limit: int

    @property
    def over(self) -> bool:
        return self.cost > self.limit


class Costs:
    """Costs documents against one schema with one app's page sizes, and remembers them."""

    def __init__(self, schema: GraphQLSchema, default_page: int, max_page: int) -> None:
        self.schema = schema
        self.default_page = default_page
        self.max_page = max_page
        self._known: OrderedDict[tuple[object, ...], int] = OrderedDict()

    def of(
        self,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Variables,
    ) -> int:
        """The cost of ``operation`` of ``document`` with ``variables``, from memory when the
        same document and operation ran with the same values of the variables that can matter
        (``Int`` and ``Boolean``: page sizes and conditions)."""
        key = _key(operation, variables)
        known = self._known.get(key) if key is not None else None
        if key is not None and known is not None:
            self._known.move_to_end(key)
            return known
        cost = _Walk(self, fragments, variables).operation(operation)
        if key is not None:
            self._known[key] = cost
            if len(self._known) > _CACHED:
                self._known.popitem(last=False)
        return cost

    def worst(self, document: DocumentNode) -> int:
        """The highest cost of any operation of ``document`` whatever its variables."""
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        walk = _Walk(self, fragments, None)
        ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        return max((walk.operation(op) for op in ops), default=0)

    def page_size(self, field: GraphQLField, node: FieldNode, variables: Variables) -> int:
        """How many nodes a connection field can return here."""
        given = {arg.name.value: arg.value for arg in node.arguments or ()}
        for name in _PAGED:
            if name in given:
                size = _int(given[name], variables, self.max_page)
                if size is not None:
                    return max(0, min(size, self.max_page))
        for name in _PAGED:
            default = field.args[name].default_value if name in field.args else None
            if isinstance(default, int):
                return max(0, min(default, self.max_page))
        return self.default_page

    def items(self, field: GraphQLField) -> int:
        """How many items a plain list field can hold (:func:`cms.core.bounds.holds`); the
        largest page for one that does not say (tests/unit/test_cost.py names any)."""
        held = field_metadata(field).get(ITEMS, PAGE)
        return self.max_page if held == PAGE else int(held)


class _Walk:
    """One document's cost, fragments costed once each (per unit of size)."""

    def __init__(
        self,
        costs: Costs,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Variables,
    ) -> None:
        self.costs = costs
        self.variables = variables
        self.fragments = fragments
        self.unit: dict[str, int] = {}

    def operation(self, operation: OperationDefinitionNode) -> int:
        root = self.costs.schema.get_root_type(operation.operation)
        return 0 if root is None else self.selections(operation.selection_set, root, False)

    def selections(self, selections: SelectionSetNode, parent: GraphQLNamedType, page: bool) -> int:
        """The cost of ``selections`` on one object of ``parent`` (``page``: a connection's
        type, whose lists are the page already counted)."""
        total = 0
        for selection in selections.selections:
            if not self.included(selection):
                continue
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                on = self.type_named(selection.type_condition) or parent
                total += self.selections(selection.selection_set, on, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, parent, page)
        return total

    def fragment(self, name: str, parent: GraphQLNamedType, page: bool) -> int:
        key = f"{name}\x00{int(page)}"
        known = self.unit.get(key)
        if known is None:
            definition = self.fragments.get(name)
            if definition is None:
                return 0
            self.unit[key] = 0  # a cycle (validation forbids them) would cost nothing more
            on = self.type_named(definition.type_condition) or parent
            known = self.unit[key] = self.selections(definition.selection_set, on, page)
        return known

    def field(self, node: FieldNode, parent: GraphQLNamedType, page: bool) -> int:
        name = node.name.value
        if name.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return 0
        definition = parent.fields.get(name)
        if definition is None or node.selection_set is None:
            return 0
        named = get_named_type(definition.type)
        listed = isinstance(get_nullable_type(definition.type), GraphQLList)
        if any(arg in definition.args for arg in _PAGED):
            size = self.costs.page_size(definition, node, self.variables)
            return size + size * self.selections(node.selection_set, named, True)
        if listed and is_composite_type(named) and not page:
            size = self.costs.items(definition)
            return size + size * self.selections(node.selection_set, named, False)
        return self.selections(node.selection_set, named, False)

    def included(self, selection: SelectionNode) -> bool:
        for directive in selection.directives or ():
            name = directive.name.value
            if name not in ("include", "skip"):
                continue
            arguments = directive.arguments or ()
            condition = next((a.value for a in arguments if a.name.value == "if"), None)
            value = _bool(condition, self.variables)
            if value is not None and value == (name == "skip"):
                return False
        return True

    def type_named(self, node: NamedTypeNode | None) -> GraphQLNamedType | None:
        return None if node is None else self.costs.schema.get_type(node.name.value)


def _int(node: ValueNode, variables: Variables, worst: int) -> int | None:
    if isinstance(node, IntValueNode):
        return int(node.value)
    if isinstance(node, VariableNode):
        if variables is None:
            return worst
        value = variables.get(node.name.value)
        return value if isinstance(value, int) else None
    return None


def _bool(node: ValueNode | None, variables: Variables) -> bool | None:
    """A condition's value; ``None`` when not known (the worst case: included)."""
    if isinstance(node, BooleanValueNode):
        return node.value
    if isinstance(node, VariableNode) and variables is not None:
        value = variables.get(node.name.value)
        return value if isinstance(value, bool) else None
    return None


def _key(operation: OperationDefinitionNode, variables: Variables) -> tuple[object, ...] | None:
    """The cache key: the document's text, the operation, and the values of its ``Int`` and
    ``Boolean`` variables (no others can change a cost); ``None`` without a text to key by."""
    if operation.loc is None or variables is None:
        return None
    values: list[object] = [operation.loc.source.body, operation.loc.start]
    for definition in operation.variable_definitions or ():
        if _scalar_name(definition.type) in ("Int", "Boolean"):
            values.append(variables.get(definition.variable.name.value))
    return tuple(values)


def _scalar_name(node: object) -> str | None:
    if isinstance(node, NonNullTypeNode):
        node = node.type
    return node.name.value if isinstance(node, NamedTypeNode) else None


class Costing:
    """The cost limit of one app: checks each operation once its variables are coerced (by the
    executor, :mod:`cms.web.graphql.execution`) and before any resolver runs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._costs: Costs | None = None

    def costs(self, schema: GraphQLSchema) -> Costs:
        """The :class:`Costs` of ``schema`` (made once: it holds the cache)."""
        costs = self._costs
        if costs is None or costs.schema is not schema:
            settings = self.settings
            costs = Costs(schema, settings.default_page_size, settings.max_page_size)
            self._costs = costs
        return costs

    def limit(self, signed_in: bool) -> int:
        settings = self.settings
        return settings.max_query_nodes_signed_in if signed_in else settings.max_query_nodes

    def check(self, execution: Built) -> GraphQLError | None:
        """``QUERY_TOO_COMPLEX`` for an operation over its viewer's limit; else ``None``, and
        the cost is noted in the request's state (for ``extensions.cost``)."""
        costs = self.costs(execution.schema)
        variables = execution.variable_values.coerced
        cost = costs.of(execution.operation, execution.fragment_definitions, variables)
        context = execution.context_value
        viewer = getattr(context, "viewer", None)
        measured = QueryCost(cost, self.limit(isinstance(viewer, Viewer) and viewer.signed_in))
        request = getattr(context, "request", None)
        if isinstance(request, HTTPConnection) and request.scope["type"] == "http":
            request_state(request.scope).query_cost = measured
        return too_complex(measured) if measured.over else None


class Built(Protocol):
    """What the cost check reads of graphql-core's executor once built (its public
    attributes)."""

    schema: GraphQLSchema
    operation: OperationDefinitionNode
    fragment_definitions: dict[str, FragmentDefinitionNode]
    context_value: Any

    @property
    def variable_values(self) -> Coerced: ...


class Coerced(Protocol):
    """graphql-core's coerced variables (``VariableValues``)."""

    @property
    def coerced(self) -> dict[str, Any]: ...


def too_complex(measured: QueryCost) -> GraphQLError:
    """The refusal of a query over its limit, with both numbers."""
    return GraphQLError(
        f"This query could return up to {measured.cost:,} nodes; the limit is "
        f"{measured.limit:,}. Ask for smaller pages (`first`) or fewer nested lists.",
        extensions={"code": "QUERY_TOO_COMPLEX", "cost": measured.cost, "limit": measured.limit},
    )


class ReportCost(SchemaExtension):
    """``extensions.cost`` in an answer, when the client asks (``X-Query-Cost: 1``) or the
    settings say every answer carries it."""

    def __init__(self, always: bool) -> None:
        super().__init__()
        self.always = always

    def get_results(self) -> dict[str, Any]:
        request = getattr(self.execution_context.context, "request", None)
        if not isinstance(request, HTTPConnection) or request.scope["type"] != "http":
            return {}
        state = request_state(request.scope)
        measured = state.query_cost
        if measured is None:
            return {}
        if self.always or state.head.query_cost:
            return {"cost": measured.cost}
        return {}
