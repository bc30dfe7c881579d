"""Live updates over WebSockets (``graphql-transport-ws``): ``articlePublished`` and
``articleChanged(id)``.

Each event comes from :class:`cms.notify.live.Broker`, which hears of commits on every
instance. The article is read again for each event, as the connection's viewer sees it at that
moment (with fresh loaders: a socket lives for hours, its answers must not).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from typing import Annotated

import strawberry
from graphql import ASTValidationRule, GraphQLError, OperationDefinitionNode, OperationType
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension

from cms.articles import revisions
from cms.core import clock
from cms.core.errors import CmsError
from cms.notify.live import Event
from cms.notify.outbox import EventType
from schema.context import Context, Info, Loaders
from schema.types.article import Article
from schema.types.node import pk_of, to_global_id
from schema.types.revision import may_see
from schema.types.webhook import Change, ChangeKind

_ARTICLE_EVENTS = frozenset(kind.value for kind in EventType if kind.name.startswith("ARTICLE"))


@strawberry.type(
    description="Live updates over a WebSocket (the `graphql-transport-ws` protocol at "
    '`/graphql`). Sign in by sending `{"Authorization": "Bearer <token>"}` as the '
    "`connection_init` payload (browsers cannot set headers on WebSockets); without it you "
    "see what the public sees."
)
class Subscription:
    @strawberry.subscription(
        description="Every article as it comes into public view: published now, or its "
        "scheduled time arrived (on any instance of the CMS)."
    )
    async def article_published(
        self,
        info: Info,
        locale: Annotated[
            str | None,
            strawberry.argument(
                description="Only the articles in this locale (one of `CMS_LOCALES`; default: "
                "the default locale)."
            ),
        ] = None,
    ) -> AsyncGenerator[Article, None]:
        try:
            language = info.context.locales().check(locale)
        except CmsError as error:
            raise ValueError(error.message) from None
        async for event in _events(info):
            if event.type != EventType.ARTICLE_PUBLISHED.value:
                continue
            found = await _article(info, event.object_id)
            if found is not None and found.locale == language:
                yield found

    @strawberry.subscription(
        description="Each change to one article: `UPSERT` with the article as it now is, or "
        "`REMOVE` when it leaves your view (unpublished, archived, deleted). Signed-in writers "
        "who may see a draft also hear of its every save (and of saves of scheduled or "
        "archived articles), with who saved and when (`savedBy`, `savedAt`), so an editor "
        "learns of a colleague's save before saving over it; anyone else hears only of what "
        "the public sees."
    )
    async def article_changed(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The article's ID.")],
    ) -> AsyncGenerator[Change, None]:
        try:
            article_id = pk_of(id, "Article", "id")
        except CmsError as error:
            raise ValueError(error.message) from None
        async for event in _events(info):
            if event.type not in _ARTICLE_EVENTS or event.object_id != article_id:
                continue
            found = await _article(info, article_id)
            if found is None and event.type == EventType.ARTICLE_SAVED.value:
                continue  # a save out of public view, of an article out of this viewer's
            yield await _change(info, article_id, found)


async def _events(info: Info) -> AsyncGenerator[Event, None]:
    live = info.context.live
    if live is None:
        raise RuntimeError("live updates are not running")
    async with live.subscribe() as queue:
        while True:
            yield await queue.get()


async def _article(info: Info, article_id: int) -> Article | None:
    """The article as the viewer sees it now, with loaders fresh for this event."""
    ctx = info.context
    ctx.now = clock.now()
    ctx.loaders = Loaders(
        ctx.viewer, ctx.now, ctx.settings.default_locale, tuple(ctx.settings.locales)
    )
    found = await ctx.loaders.article_by_id.load(article_id)
    return Article.from_row(found) if found is not None else None


async def _change(info: Info, article_id: int, found: Article | None) -> Change:
    """The change as the viewer may know it: who saved it last and when, for those who may
    see the article's revisions."""
    ident = to_global_id("Article", article_id)
    if found is None:
        return Change(kind=ChangeKind.REMOVE, id=ident, article=None)
    change = Change(kind=ChangeKind.UPSERT, id=ident, article=found)
    if await may_see(info, found._row):
        last = await revisions.last_save(article_id)
        if last is not None:
            change.saved_by, change.saved_at = last.by, last.at
    return change


class _NoSubscriptionOverHttp(ASTValidationRule):
    """A subscription sent as an HTTP request: refused, saying where subscriptions are served."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
        if node.operation is OperationType.SUBSCRIPTION:
            self.report_error(
                GraphQLError(
                    "Subscriptions are served over a WebSocket at /graphql (the "
                    "graphql-transport-ws protocol), not as HTTP requests.",
                    node,
                    extensions={"code": "OPERATION_NOT_SUPPORTED"},
                )
            )


class SubscriptionsOverSockets(SchemaExtension):
    """Refuses subscription operations that come as HTTP requests (they would never end)."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context) and not isinstance(context.request, WebSocket):
            execution = self.execution_context
            execution.validation_rules = (*execution.validation_rules, _NoSubscriptionOverHttp)
        yield
