"""Relay connections over keyset pages: ``edges { cursor node }``, ``nodes``, ``pageInfo``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, Protocol, TypeVar

import strawberry

from cms.core.pagination import Ordering, Page, Window, window
from schema.context import Info

T = TypeVar("T")


class PageLike(Protocol):
    """What ``pageInfo`` reads: a keyset page, or a page of search hits."""

    @property
    def cursors(self) -> list[str]: ...

    @property
    def has_next(self) -> Callable[[], Awaitable[bool]]: ...

    @property
    def has_previous(self) -> Callable[[], Awaitable[bool]]: ...


@strawberry.type(description="Where a page sits in its list (Relay). Cursors are opaque.")
class PageInfo:
    _page: strawberry.Private[PageLike]

    @strawberry.field(description="Whether more items follow this page.")
    async def has_next_page(self) -> bool:
        return await self._page.has_next()

    @strawberry.field(description="Whether items come before this page.")
    async def has_previous_page(self) -> bool:
        return await self._page.has_previous()

    @strawberry.field(description="Cursor of the first item; null on an empty page.")
    def start_cursor(self) -> str | None:
        return self._page.cursors[0] if self._page.cursors else None

    @strawberry.field(description="Cursor of the last item: pass it as `after` for the next page.")
    def end_cursor(self) -> str | None:
        return self._page.cursors[-1] if self._page.cursors else None


def _edge_cursor(root: Edge[Any]) -> str:
    return root._page.cursors[root._index]


@strawberry.type(description="An item of a page, with the cursor that points at it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        resolver=_edge_cursor, description="Opaque cursor: pass it as `after` or `before`."
    )
    node: T = strawberry.field(description="The item.")
    _page: strawberry.Private[PageLike]
    _index: strawberry.Private[int]


@strawberry.type(
    description="One page of a list (Relay connection). Page forward with `first` and `after: "
    "pageInfo.endCursor`. Cursors stay valid while items are added or removed."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items with their cursors.")
    nodes: list[T] = strawberry.field(description="The items alone, when cursors are not needed.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    _page: strawberry.Private[Page[Any]]

    @strawberry.field(description="How many items the whole list holds, across all pages.")
    async def total_count(self) -> int:
        return await self._page.total()

    @classmethod
    def of(cls, page: Page[Any], convert: Callable[[Any], T]) -> Connection[T]:
        """The connection for ``page``, its models turned into GraphQL objects by ``convert``."""
        nodes = [convert(item) for item in page.items]
        edges = [Edge(node=n, _page=page, _index=i) for i, n in enumerate(nodes)]
        return cls(edges=edges, nodes=nodes, page_info=PageInfo(_page=page), _page=page)


def page_window(
    info: Info,
    ordering: Ordering,
    *,
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
) -> Window:
    """Validated Relay arguments, with the configured default and maximum page size."""
    settings = info.context.settings
    return window(
        ordering,
        first=first,
        last=last,
        after=after,
        before=before,
        default_size=settings.default_page_size,
        max_size=settings.max_page_size,
    )
