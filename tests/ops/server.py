"""``cms serve`` for real: a subprocess on a free port, its output in a file, stopped at the end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from settings import Settings
from tests.cli.test_cli import CMS, cms_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """One running ``cms serve``: its process, address and output."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 60) -> int:
        """Send ``sig`` and wait for the exit; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


@contextmanager
def serving(tmp_path: Path, settings: Settings, *args: str, **env: str) -> Iterator[Server]:
    """``cms serve ARGS`` against the test's database and media, up (``/healthz`` answers) when
    entered, stopped (SIGTERM, then SIGKILL) when left."""
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    environment = cms_env(settings.database_url, settings.media_root, **env)
    with log.open("wb") as output:  # a file, not a pipe: a pipe nobody reads fills up
        process = subprocess.Popen(
            [str(CMS), "serve", "--port", str(port), "--no-migrate", *args],
            cwd=tmp_path,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its workers are stopped with it, as a group
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_up(server)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def _wait_up(server: Server) -> None:
    for _ in range(600):  # up to 60 s on a busy machine; it answers as soon as it is up
        if server.process.poll() is not None:
            pytest.fail(f"cms serve exited: {server.output[-3000:]}")
        try:
            if httpx.get(f"{server.base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"cms serve did not answer /healthz: {server.output[-3000:]}")
