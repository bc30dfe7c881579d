"""One request's state: made once, at the HTTP edge, and read by every layer after it.

A request used to leave its state in seven keys of the ASGI scope (its headers, its body, its
viewer, the response cache's key, what the view reported, the upload's temporary files), each
layer reading the others' untyped. Now the edge makes one :class:`RequestState` and keeps it under
one key; the response cache keys answers by it, the GraphQL view takes the request from it, the
context's viewer is its viewer, and what strawberry learns (a keepable query, a private answer)
is written back to it.

What costs something is worked out when first asked for, and once: the GraphQL parameters (the
body decoded), the viewer (a token looked up), the negotiated media type. An answer sent from
memory asks for nothing but the parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.types import Scope

from cms.core.viewer import Viewer
from cms.web.graphql.http import negotiate
from cms.web.graphql.params import GraphQLParams
from cms.web.head import Head, read_head
from cms.web.viewer import viewer_for_header

if TYPE_CHECKING:
    from cms.media.spool import Spool
    from cms.web.graphql.cost import QueryCost

__all__ = ["SCOPE_KEY", "RequestState", "request_state"]

SCOPE_KEY = "cms.request"
"""The one key of the ASGI scope where the CMS keeps a request's state."""


@dataclass(slots=True, eq=False)
class RequestState:
    """What the layers of the HTTP edge know of one request, typed (see the module doc)."""

    head: Head
    method: str
    query_string: bytes
    body: bytes | None = None
    """The whole body once read: by the edge, for every request but an upload (``b""`` for
    none); ``None`` until then, and for uploads, which stream through unread."""
    cacheable: bool = False
    """Reported by the GraphQL execution: a successful query, an answer the cache may keep."""
    private: bool = False
    """Reported by the GraphQL execution: an answer for its requester alone (a preview)."""
    surrogate_keys: str = ""
    """Reported with ``cacheable``: the surrogate keys of what the answer shows, space-separated
    (:mod:`cms.core.surrogate`)."""
    cache_key: bytes | None = None
    """The response cache's key for this request (``None``: none to keep), once ``keyed``."""
    keyed: bool = False
    remember: tuple[str, str] | None = None
    """A document sent with its persisted-query hash, ``(hash, document)``: the view remembers
    it once it parsed and validated."""
    answer_status: int | None = None
    """The status the view gives its answer, when not strawberry's ``200``."""
    unavailable: bool = False
    """The answer reports that the database could not be reached (``503``, ``Retry-After``)."""
    answer_errors: bool | None = None
    """Whether the view's answer reports errors; ``None`` until strawberry has answered."""
    operation_named: bool = False
    """Whether the request named its operation (``operationName``), as the view read it."""
    query_cost: QueryCost | None = None
    """The operation's cost and limit, once costed (:mod:`cms.web.graphql.cost`)."""
    spools: list[Spool] | None = None
    """An upload's temporary files, removed once it is answered."""
    request_id: str = ""
    """The request's id (:func:`cms.web.logs.request_id_of`), once the edge gave it one."""
    viewer_refused: bool = False
    """Whether the credentials given were looked up and refused (for the log line)."""
    cache_outcome: str = "bypass"
    """What the response cache did, as its ``X-CMS-Cache`` header says: ``hit`` (sent from
    memory), ``miss`` (run, then kept), else ``bypass`` (for the log line and the metrics)."""
    _graphql: GraphQLParams | None = field(default=None, init=False, repr=False)
    _viewer: Viewer | None = field(default=None, init=False)
    _answer_type: str | None = field(default=None, init=False)
    _negotiated: bool = field(default=False, init=False)

    @property
    def graphql(self) -> GraphQLParams:
        """The GraphQL parameters: of the query string for a GET, else of the body (which must
        have been read)."""
        params = self._graphql
        if params is None:
            if self.method == "GET":
                params = GraphQLParams.of_query_string(self.query_string)
            else:
                assert self.body is not None, "the body is read before its parameters"
                params = GraphQLParams.of_body(self.body)
            self._graphql = params
        return params

    async def viewer(self) -> Viewer:
        """Who is asking: anonymous without an ``Authorization`` header, else its bearer
        token's; :class:`~cms.core.errors.Unauthenticated` for a header that is not a live token
        of ours (never silently anonymous). Looked up once, however often asked."""
        known = self._viewer
        if known is None:
            header = self.head.authorization
            self.viewer_refused = True  # until the lookup succeeds
            known = await viewer_for_header(None if header is None else header.decode("latin-1"))
            self._viewer, self.viewer_refused = known, False
        return known

    @property
    def known_viewer(self) -> Viewer | None:
        """The viewer, if it was looked up (and accepted); ``None`` otherwise."""
        return self._viewer

    @property
    def known_operation_name(self) -> object:
        """The operation's name as the client gave it, if the parameters were read; else
        ``None`` (reading them for a log line is not worth it)."""
        params = self._graphql
        return params.operation_name if params is not None else None

    @property
    def answer_type(self) -> str | None:
        """The media type to answer in, as ``Accept`` asks (:func:`~cms.web.graphql.http.
        negotiate`); ``None`` when the client takes none of ours."""
        if not self._negotiated:
            self._answer_type = negotiate(self.head.accept.decode("latin-1"))
            self._negotiated = True
        return self._answer_type


def request_state(scope: Scope) -> RequestState:
    """The request's state: the one the edge made, or a new one (an app used on its own)."""
    state: RequestState | None = scope.get(SCOPE_KEY)
    if state is None:
        head = read_head(scope.get("headers", ()))
        state = RequestState(head, scope["method"], scope.get("query_string", b""))
        scope[SCOPE_KEY] = state
    return state
