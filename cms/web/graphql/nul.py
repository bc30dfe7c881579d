"""NUL characters (U+0000) refused at the boundary, the same on both databases.

PostgreSQL cannot store or compare a text with U+0000 (``invalid byte sequence for encoding
"UTF8": 0x00``: an internal error), SQLite takes it and matches nothing. No text of ours has a
use for it, so one check looks at every string a request brings (its variables once coerced,
and the string literals of the operation and its fragments) before anything runs: a query is
answered ``BAD_USER_INPUT``, a mutation ``VALIDATION``, each with the argument's path in
``field`` (``input.slug``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from graphql import (
    ArgumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    ValueNode,
    visit,
)
from graphql.language import Visitor

__all__ = ["nul_refusal"]

NUL = "\x00"


def nul_refusal(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, object],
) -> GraphQLError | None:
    """The refusal of a request with a NUL in a variable or a literal argument; else ``None``."""
    where = next(_in_variables(variables), None) or _in_literals(operation, fragments)
    if where is None:
        return None
    mutation = operation.operation is OperationType.MUTATION
    code = "VALIDATION" if mutation else "BAD_USER_INPUT"
    message = f"`{where}` must not contain NUL characters (U+0000)."
    return GraphQLError(message, extensions={"code": code, "field": where})


def _in_variables(variables: Mapping[str, object]) -> Iterator[str]:
    for name, value in variables.items():
        yield from _paths(value, name)


def _paths(value: object, path: str) -> Iterator[str]:
    """The paths of the strings with a NUL within ``value``."""
    if isinstance(value, str):
        if NUL in value:
            yield path
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and NUL in key:
                yield path
            yield from _paths(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _paths(item, f"{path}.{index}")


def _in_literals(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> str | None:
    """The path of a literal argument with a NUL, if any. A NUL can only be written escaped
    (``\\u0000``; the lexer refuses the character itself), so most documents are not walked."""
    source = operation.loc.source.body if operation.loc else None
    if source is not None and "\\u" not in source:
        return None
    finder = _Finder()
    for node in (operation, *fragments.values()):
        visit(node, finder)
        if finder.found is not None:
            return finder.found
    return None


class _Finder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: str | None = None

    def enter_argument(self, node: ArgumentNode, *_: object) -> object:
        if self.found is None:
            self.found = next(_literal_paths(node.value, node.name.value), None)
        return self.BREAK if self.found is not None else None


def _literal_paths(node: ValueNode, path: str) -> Iterator[str]:
    if isinstance(node, StringValueNode):
        if NUL in node.value:
            yield path
    elif isinstance(node, ObjectValueNode):
        for field in node.fields:
            yield from _literal_paths(field.value, f"{path}.{field.name.value}")
    elif isinstance(node, ListValueNode):
        yield from _indexed(node.values, path)


def _indexed(values: Iterable[ValueNode], path: str) -> Iterator[str]:
    for index, value in enumerate(values):
        yield from _literal_paths(value, f"{path}.{index}")
