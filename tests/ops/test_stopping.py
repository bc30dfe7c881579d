"""SIGTERM: ``cms serve`` stops accepting, finishes the requests in flight, closes WebSockets
with 1001 (clients reconnect elsewhere), and gives up the webhook claims it cannot finish."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from cms.core import db
from cms.models import DeliveryStatus, Role, WebhookDelivery
from settings import Settings
from tests.editing.helpers import published
from tests.notify.conftest import receiver, token
from tests.notify.helpers import Receiver, create_webhook, running
from tests.ops.server import Server, serving

__all__ = ["receiver"]  # a fixture

pytestmark = pytest.mark.database("sqlite", "postgres")

STOPPED = (0, -signal.SIGTERM)
"""A stopped server's exit: uvicorn, done, raises the signal it caught again (as if unhandled)."""
QUERY = json.dumps({"query": "{ articles(first: 1) { totalCount } }"}).encode()


def _port(server: Server) -> int:
    return int(server.base.rsplit(":", 1)[1])


def _slow_request_survives(server: Server) -> tuple[bytes, bool]:
    """Half a request's body, SIGTERM, the other half: its answer, and whether a new
    connection was still accepted meanwhile."""
    with socket.create_connection(("127.0.0.1", _port(server)), timeout=30) as slow:
        head = (
            "POST /graphql HTTP/1.1\r\nHost: cms.test\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(QUERY)}\r\nConnection: close\r\n\r\n"
        ).encode()
        slow.sendall(head + QUERY[:10])
        time.sleep(0.3)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(1.0)  # uvicorn has closed its listening socket by now
        try:
            socket.create_connection(("127.0.0.1", _port(server)), timeout=2).close()
            accepted = True
        except OSError:
            accepted = False
        slow.sendall(QUERY[10:])
        answer = b""
        while chunk := slow.recv(65536):
            answer += chunk
    return answer, accepted


def test_a_request_in_flight_is_answered_and_new_ones_are_not_accepted(
    tmp_path: Path, settings: Settings
) -> None:
    with serving(tmp_path, settings) as server:
        answer, accepted = _slow_request_survives(server)
        assert server.process.wait(timeout=60) in STOPPED, server.output[-2000:]
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
    assert b'"totalCount":0' in answer
    assert not accepted


def test_websockets_are_closed_with_1001(tmp_path: Path, settings: Settings) -> None:
    with serving(tmp_path, settings) as server:
        url = server.base.replace("http://", "ws://") + "/graphql"
        with connect(
            url, subprotocols=[Subprotocol("graphql-transport-ws")], open_timeout=10
        ) as ws:
            ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
            subscribe = {"query": "subscription { articlePublished { id } }"}
            ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
            time.sleep(0.3)
            server.process.send_signal(signal.SIGTERM)
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
        assert server.process.wait(timeout=60) in STOPPED, server.output[-2000:]


async def test_a_stopping_instance_releases_the_claims_it_cannot_finish(
    settings: Settings, receiver: Receiver
) -> None:
    """Two deliveries claimed in one round, the receiver not answering: the instance stops
    after the one in flight (its retry recorded) and releases the other, at once due for
    another instance, rather than keep it claimed for a minute."""
    receiver.gate = asyncio.Event()
    quick = settings.model_copy(
        update={"webhook_timeout": 1.0, "webhook_allowed_hosts": ["127.0.0.1"]}
    )
    async with running(quick) as client:
        admin = await token(Role.ADMIN, "admin@example.org")
        editor = await token(Role.EDITOR, "editor@example.org")
        for path in ("/one", "/two"):
            await create_webhook(client, admin, receiver.url(path))
        await published(client, editor, "Tin nóng")
        await receiver.wait_for(1)
    receiver.gate.set()
    async with db.connected(settings):
        found = await WebhookDelivery.all().order_by("id")
    assert len(found) == 2
    assert all(d.status is DeliveryStatus.PENDING and d.claimed_until is None for d in found)
    assert sorted(d.attempts for d in found) == [0, 1]  # one tried, one given back untried
    assert len(receiver.requests) == 1
