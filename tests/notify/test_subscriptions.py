"""Live updates over graphql-transport-ws: a socket on one instance hears of writes made
through another (PostgreSQL's NOTIFY), signs in from its connection_init payload, and is held
to the per-connection and per-address limits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidStatus

from cms.models import Role
from settings import Settings
from tests.editing.helpers import post
from tests.notify.conftest import token
from tests.notify.helpers import instance

pytestmark = pytest.mark.database("sqlite", "postgres")

PROTOCOL = "graphql-transport-ws"
CREATE = """
mutation ($input: ArticleCreateInput!) {
  articleCreate(input: $input) { ... on ArticleCreateSuccess { article { id version } } }
}"""
PUBLISH = """
mutation ($input: ArticlePublishInput!) {
  articlePublish(input: $input) { __typename ... on ArticlePublishSuccess { article { version } } }
}"""
UNPUBLISH = """
mutation ($input: ArticleUnpublishInput!) {
  articleUnpublish(input: $input) { __typename }
}"""


@asynccontextmanager
async def socket(base: str, payload: dict[str, Any] | None = None) -> AsyncIterator[Socket]:
    """A graphql-transport-ws connection to ``base``, initialised (and acknowledged)."""
    url = base.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        yield Socket(ws)


class Socket:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.count = 0

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self.count += 1
        ident = str(self.count)
        message = {"query": query, "variables": variables or {}}
        await self.ws.send(json.dumps({"id": ident, "type": "subscribe", "payload": message}))
        return ident

    async def next(self, seconds: float = 15) -> dict[str, Any]:
        """The next message that is not a ping or pong."""
        while True:
            message: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), seconds))
            if message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
                continue
            if message["type"] != "pong":
                return message


async def new_article(client: httpx.AsyncClient, editor: str, title: str) -> dict[str, Any]:
    body = await post(client, CREATE, {"input": {"title": title}}, editor)
    article: dict[str, Any] = body["data"]["articleCreate"]["article"]
    return article


async def publish(client: httpx.AsyncClient, editor: str, article: dict[str, Any]) -> int:
    variables = {"input": {"id": article["id"], "version": article["version"]}}
    body = await post(client, PUBLISH, variables, editor)
    version: int = body["data"]["articlePublish"]["article"]["version"]
    return version


@pytest.mark.database(
    "postgres",
    reason="instances share one PostgreSQL in production; LISTEN/NOTIFY carries the event "
    "from the writing instance to the others",
)
async def test_a_socket_on_one_instance_hears_a_publish_made_through_another(
    settings: Settings, orm: None, tmp_path: Path
):
    clock_file = tmp_path / "clock"
    clock_file.write_text("0")
    editor = await token(Role.EDITOR, "editor@example.org")
    async with (
        instance(settings, clock_file, tmp_path / "a.log") as a,
        instance(settings, clock_file, tmp_path / "b.log") as b,
        httpx.AsyncClient(base_url=b, timeout=30) as on_b,
        socket(a) as live,
    ):
        published = await live.subscribe("subscription { articlePublished { id title } }")
        article = await new_article(on_b, editor, "Tin nóng từ máy B")
        changed = await live.subscribe(
            "subscription ($id: ID!) { articleChanged(id: $id) { kind id article { title } } }",
            {"id": article["id"]},
        )
        await asyncio.sleep(0.3)  # both subscriptions are listening
        version = await publish(on_b, editor, article)

        got = [await live.next(), await live.next()]
        by_id = {message["id"]: message for message in got}
        assert by_id[published]["payload"]["data"]["articlePublished"] == {
            "id": article["id"],
            "title": "Tin nóng từ máy B",
        }
        assert by_id[changed]["payload"]["data"]["articleChanged"] == {
            "kind": "UPSERT",
            "id": article["id"],
            "article": {"title": "Tin nóng từ máy B"},
        }

        variables = {"input": {"id": article["id"], "version": version}}
        await post(on_b, UNPUBLISH, variables, editor)
        removed = await live.next()
        assert removed["id"] == changed
        assert removed["payload"]["data"]["articleChanged"] == {
            "kind": "REMOVE",
            "id": article["id"],
            "article": None,
        }


async def test_sign_in_over_the_socket_and_limits(settings: Settings, orm: None, tmp_path: Path):
    clock_file = tmp_path / "clock"
    clock_file.write_text("0")
    editor = await token(Role.EDITOR, "editor@example.org")
    extra = {"CMS_WS_MAX_SUBSCRIPTIONS": "2", "CMS_WS_MAX_CONNECTIONS_PER_ADDRESS": "2"}
    async with instance(settings, clock_file, tmp_path / "a.log", **extra) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            draft = await new_article(client, editor, "Bản nháp")
        query = "subscription ($id: ID!) { articleChanged(id: $id) { kind id } }"

        # A bad token is refused at connection_init (4403), never silently anonymous.
        url = base.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(url, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
            init = {"type": "connection_init", "payload": {"Authorization": "Bearer nope"}}
            await ws.send(json.dumps(init))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403

        async with socket(base, {"Authorization": f"Bearer {editor}"}) as signed_in:
            await signed_in.subscribe(query, {"id": draft["id"]})
            await signed_in.subscribe(query, {"id": draft["id"]})
            third = await signed_in.subscribe(query, {"id": draft["id"]})
            refusal = await signed_in.next()  # over the limit: that one is refused, typed
            assert (refusal["id"], refusal["type"]) == (third, "error")
            assert refusal["payload"][0]["message"] == "Subscription limit reached"

        async with socket(base), socket(base):
            with pytest.raises(InvalidStatus) as refused:
                async with socket(base):
                    pass
            assert refused.value.response.status_code == 403


async def test_a_subscription_sent_over_http_is_refused_with_a_typed_error(client):
    """It would never end as an HTTP request: refused, saying where subscriptions are served."""
    for accept in ("application/json", "application/graphql-response+json"):
        answer = await client.post(
            "/graphql",
            json={"query": "subscription { articlePublished { id } }"},
            headers={"accept": accept},
        )
        [error] = answer.json()["errors"]
        assert error["extensions"]["code"] == "OPERATION_NOT_SUPPORTED", error
        assert "WebSocket" in error["message"]


UPDATE = """
mutation ($input: ArticleUpdateInput!) {
  articleUpdate(input: $input) { __typename ... on ArticleUpdateSuccess { article { version } } }
}"""
WATCH = """subscription ($id: ID!) {
  articleChanged(id: $id) { kind id article { title version } savedBy savedAt }
}"""


async def test_draft_saves_reach_writers_who_may_see_them_with_who_saved(
    settings: Settings, orm: None, tmp_path: Path
):
    """A colleague's save of a draft reaches an editor watching it (with the colleague's name
    and the time), and an author who may not see the draft hears nothing of it, nor does an
    anonymous socket: both hear of the article only once it is published."""
    clock_file = tmp_path / "clock"
    clock_file.write_text("0")
    editor = await token(Role.EDITOR, "Lan Biên tập")
    colleague = await token(Role.EDITOR, "Minh Thư ký")
    stranger = await token(Role.AUTHOR, "Hà Phóng viên")
    async with (
        instance(settings, clock_file, tmp_path / "a.log") as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
        socket(base, {"Authorization": f"Bearer {editor}"}) as watching,
        socket(base, {"Authorization": f"Bearer {stranger}"}) as author,
        socket(base) as anonymous,
    ):
        article = await new_article(client, editor, "Bản nháp")
        for live in (watching, author, anonymous):
            await live.subscribe(WATCH, {"id": article["id"]})
        await asyncio.sleep(0.3)  # the subscriptions are listening
        changes = {"id": article["id"], "version": article["version"], "title": "Bản nháp mới"}
        body = await post(client, UPDATE, {"input": changes}, colleague)
        version = body["data"]["articleUpdate"]["article"]["version"]

        heard = (await watching.next())["payload"]["data"]["articleChanged"]
        assert heard["kind"] == "UPSERT"
        assert heard["article"] == {"title": "Bản nháp mới", "version": version}
        assert heard["savedBy"] == "Minh Thư ký"
        assert heard["savedAt"] is not None

        await publish(client, editor, {"id": article["id"], "version": version})
        for live in (author, anonymous):  # their first message is the publication
            public = (await live.next())["payload"]["data"]["articleChanged"]
            assert public["article"]["title"] == "Bản nháp mới"
            assert (public["savedBy"], public["savedAt"]) == (None, None)
        published = (await watching.next())["payload"]["data"]["articleChanged"]
        assert published["savedBy"] == "Lan Biên tập"
