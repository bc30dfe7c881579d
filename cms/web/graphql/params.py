"""A GraphQL request's parameters (GraphQL over HTTP), read once for everyone who needs them.

``query``, ``variables``, ``operationName`` and ``extensions`` come from a GET's query string or a
JSON body. The response cache keys answers by them, and from memory it answers without asking more
of them (:meth:`GraphQLParams.operation`); the view takes them strictly
(:meth:`GraphQLParams.request_data`), refusing what strawberry would refuse, with its words, and
what our stricter JSON decoding refuses (:mod:`cms.web.body`). Either way the body is decoded
once, and ``extensions.persistedQuery`` read in one place (:func:`persisted_query`).

For a GET, ``variables`` and ``extensions`` stay the text they were sent as until the view decodes
them (the cache keys a GET by its text, and a cached answer needs nothing more).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import orjson
from strawberry.http import GraphQLRequestData

from cms.web.body import BadBody, checked_object, decode_object, loads_json
from cms.web.errors import Refused

__all__ = ["GraphQLParams", "Operation", "persisted_query"]

Operation = tuple[str | None, Any, str | None, str | None]
"""What the response cache keys a request by: its document, variables and operation name, and
the persisted query it names (a GET's ``extensions`` as sent, a POST's ``sha256Hash``)."""


class GraphQLParams:
    """The parameters of one request: a GET's query string (text) or a JSON body (decoded).

    Made on every request the response cache looks at, answers from memory included: a plain
    class with slots (no dataclass machinery), read once and never changed.
    """

    __slots__ = ("fields", "from_body", "problem")

    def __init__(self, fields: dict[str, Any], from_body: bool, problem: str | None = None):
        self.fields = fields
        """The GET's parameters (the last of repeated ones, as Starlette reads them), or the
        body's object (empty when it is not one)."""
        self.from_body = from_body
        self.problem = problem
        """Why the body is not a JSON object (the view's refusal), if it is not."""

    @classmethod
    def of_query_string(cls, query_string: bytes) -> GraphQLParams:
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        return cls(dict(pairs), from_body=False)

    @classmethod
    def of_body(cls, body: bytes) -> GraphQLParams:
        try:
            value = _loads(body)
        except orjson.JSONDecodeError:  # the refusal's words are loads_json's
            return cls({}, True, _problem(lambda: loads_json(body)))
        if not isinstance(value, dict):
            return cls({}, True, _problem(lambda: checked_object(value)))
        return cls(value, True)

    @property
    def query(self) -> Any:
        return self.fields.get("query")

    @property
    def operation_name(self) -> Any:
        return self.fields.get("operationName")

    def operation(self) -> Operation | None:
        """What the response cache keys this request by; ``None`` for a request that is not a
        plain query request (GraphiQL's page, or one the view will refuse anyway)."""
        fields = self.fields
        if not self.from_body:
            query, extensions = fields.get("query"), fields.get("extensions")
            if query:  # extensions kept: a wrong hash beside the text is the view's to refuse
                return query, fields.get("variables"), fields.get("operationName"), extensions
            if not extensions:
                return None
            return None, fields.get("variables"), fields.get("operationName"), extensions
        if self.problem is not None:
            return None
        name, extensions = fields.get("operationName"), fields.get("extensions")
        if name is not None and not isinstance(name, str):
            return None  # malformed: the view refuses it, and it must not share a clean key
        if extensions is not None and not isinstance(extensions, dict):
            return None
        digest = None
        if extensions is not None:
            persisted = persisted_query(extensions)
            found = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
            digest = found if isinstance(found, str) else None
        query = fields.get("query")
        if isinstance(query, str):
            return query, fields.get("variables"), name, digest
        if digest is None:
            return None
        return None, fields.get("variables"), name, digest

    def request_data(self) -> GraphQLRequestData:
        """The request as strawberry executes it, checked as strawberry's ``parse_http_body``
        checks it (the same refusals, in the same order), after our strict JSON decoding."""
        fields = self.fields
        if self.from_body:
            if self.problem is not None:
                raise Refused(400, self.problem)
            fields = _refusing(checked_object, fields)
        else:
            fields = dict(fields)
            for param in ("variables", "extensions"):  # strawberry decodes them in this order
                if fields.get(param):
                    fields[param] = _refusing(decode_object, fields[param])
        query, variables = fields.get("query"), fields.get("variables")
        extensions, name = fields.get("extensions"), fields.get("operationName")
        if not isinstance(query, str | None):
            raise Refused(400, _MUST_BE.format("query", "a string"))
        if not isinstance(variables, dict | None):
            raise Refused(400, _MUST_BE.format("variables", "an object"))
        if not isinstance(extensions, dict | None):
            raise Refused(400, _MUST_BE.format("extensions", "an object"))
        if not isinstance(name, str | None):
            raise Refused(400, _MUST_BE.format("operationName", "a string"))
        # "" is no name (the spec's rule for GET, and what clients that always send one mean)
        return GraphQLRequestData(query, variables, name or None, extensions)


def persisted_query(extensions: object) -> Any:
    """``extensions.persistedQuery`` (Apollo's persisted queries), if ``extensions`` has one:
    read here for the response cache's key and the view's lookup alike."""
    return extensions.get("persistedQuery") if isinstance(extensions, dict) else None


_loads = orjson.loads
"""The one decoding of a JSON body (strict: :func:`~cms.web.body.loads_json` words a failure)."""

_MUST_BE = "The GraphQL operation's `{}` must be {} or null, if provided."
"""strawberry's words for a parameter of the wrong type (ours for ``operationName``)."""


def _refusing(check: Callable[[Any], dict[str, Any]], value: Any) -> dict[str, Any]:
    """``check(value)``; a ``400`` with its words if it is not a JSON object we take."""
    try:
        return check(value)
    except BadBody as error:
        raise Refused(400, str(error)) from None


def _problem(check: Callable[[], object]) -> str:
    """What ``check`` refuses, in its words (only asked of what it refuses)."""
    try:
        check()
    except BadBody as error:
        return str(error)
    raise AssertionError("only asked of what it refuses")  # pragma: no cover
