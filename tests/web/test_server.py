"""``cms serve``'s timeouts, over real sockets: slow headers, idle connections, slow bodies."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import pytest
import uvicorn

from cms.app import create_app
from cms.web.server import uvicorn_options
from settings import Settings

pytestmark = pytest.mark.database(
    "sqlite", reason="connection timeouts are the server's; the database plays no part"
)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[tuple[str, int]]:
    """The CMS under uvicorn, as ``cms serve`` runs it, with short timeouts."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    app = create_app(settings.model_copy(update={"body_timeout": 0.5}))
    config = uvicorn.Config(
        app, log_level="warning", lifespan="on", **uvicorn_options(0.5, keep_alive_timeout=1)
    )
    instance = uvicorn.Server(config)
    task = asyncio.create_task(instance.serve(sockets=[sock]))
    for _ in range(500):  # uvicorn says it has started by a flag, not an event
        if instance.started:
            break
        await asyncio.sleep(0.01)
    yield sock.getsockname()
    instance.should_exit = True
    await task


async def close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(ConnectionError, OSError):
        await writer.wait_closed()


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """Everything the server sent until it closed the connection (fails if it does not)."""
    return await asyncio.wait_for(reader.read(), seconds)


async def test_a_client_that_sends_no_headers_is_closed(server):
    reader, writer = await asyncio.open_connection(*server)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
    await writer.drain()
    assert await closed_within(reader, 3) == b""
    await close(writer)


async def test_a_client_that_trickles_headers_is_closed(server):
    reader, writer = await asyncio.open_connection(*server)
    started = asyncio.get_running_loop().time()
    with pytest.raises((ConnectionError, OSError)):
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 50:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.1)
            if reader.at_eof():
                raise ConnectionResetError
    assert asyncio.get_running_loop().time() - started < 3
    await close(writer)


async def test_an_ordinary_request_and_an_idle_keep_alive(server):
    reader, writer = await asyncio.open_connection(*server)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 3)
    assert head.startswith(b"HTTP/1.1 200")
    assert await asyncio.wait_for(reader.readexactly(2), 3) == b"ok"
    assert await closed_within(reader, 3) == b""  # idle past the keep-alive timeout
    await close(writer)


async def test_a_slow_body_gets_408(server):
    reader, writer = await asyncio.open_connection(*server)
    writer.write(
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"query":'
    )
    await writer.drain()
    answer = await closed_within(reader, 3)
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"REQUEST_TIMEOUT" in answer
    await close(writer)
