"""Tells the HTTP layer what strawberry knows once a request has run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from starlette.requests import HTTPConnection
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from cms.core import surrogate
from cms.web.graphql.response_cache import report_cacheable, report_private


@runtime_checkable
class Reported(Protocol):
    """What the outcome is read from in a request's context."""

    request: HTTPConnection
    private: bool


class ReportOutcome(SchemaExtension):
    """Reports (in the request's state) a successful query (data, no errors): one the response
    cache may keep, with the surrogate keys of what it shows (:mod:`cms.core.surrogate`); and a
    preview's answer, which no cache may keep."""

    def on_operation(self) -> Iterator[None]:
        with surrogate.recording() as keys:
            yield
        execution = self.execution_context
        result, context = execution.result, execution.context
        if not isinstance(context, Reported) or context.request.scope["type"] != "http":
            return
        if context.private:  # a preview: for its requester alone
            report_private(context.request.scope)
            return
        if result is None or result.errors:
            return
        if result.data is not None and execution.operation_type is OperationType.QUERY:
            report_cacheable(context.request.scope, surrogate.header_value(keys))
