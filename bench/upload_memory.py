"""Peak memory of a real ``cms serve`` process while it takes a 50 MB upload (not a test).

Starts ``cms serve`` on a fresh SQLite database and media folder, makes an editor token with
``cms token create``, warms the process up with a small upload, resets the kernel's peak-RSS
counter (``/proc/PID/clear_refs``), streams one large file as an ``imageUpload`` multipart
request, and reports the process's resident memory: idle, peak during the upload, and after.

    .venv/bin/python bench/upload_memory.py              # a 50 MB JPEG (about 20 megapixels)
    .venv/bin/python bench/upload_memory.py --png        # a 50 MB PNG: decoded in full
    .venv/bin/python bench/upload_memory.py --size-mb 10

Linux only (it reads /proc); writing clear_refs needs the same user as the server (or root).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import PIL.Image

CMS = Path(sys.executable).parent / "cms"
QUERY = (
    "mutation ($input: ImageUploadInput!) { imageUpload(input: $input) { __typename "
    "... on ImageUploadSuccess { image { width height size placeholder } } "
    "... on UserError { code message } } }"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


def _photo(path: Path, size_mb: int, png: bool) -> Path:
    """A noisy picture (it compresses badly) whose file is about ``size_mb`` MB."""
    pixels = int(size_mb * 1_000_000 / (1.35 if png else 1.7))  # bytes per pixel, roughly
    width = int((pixels * 4 / 3) ** 0.5)
    height = pixels // width
    image = PIL.Image.effect_noise((width, height), 120).convert("RGB")
    if png:
        image.save(path, format="PNG", compress_level=1)
    else:
        image.save(path, format="JPEG", quality=100, subsampling=0)
    return path


def _upload(client: httpx.Client, token: str, path: Path) -> dict[str, object]:
    with path.open("rb") as f:
        response = client.post(
            "/graphql",
            headers={"authorization": f"Bearer {token}", "apollo-require-preflight": "true"},
            data={
                "operations": json.dumps({"query": QUERY, "variables": {"input": {"file": None}}}),
                "map": json.dumps({"0": ["variables.input.file"]}),
            },
            files={"0": (path.name, f, "application/octet-stream")},
        )
    response.raise_for_status()
    answer: dict[str, object] = response.json()["data"]["imageUpload"]
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=50)
    parser.add_argument("--png", action="store_true", help="a PNG (fully decoded) not a JPEG")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cms-bench-") as tmp:
        folder = Path(tmp)
        env = {
            **os.environ,
            "CMS_DATABASE_URL": f"sqlite://{folder / 'cms.sqlite3'}",
            "CMS_MEDIA_ROOT": str(folder / "media"),
            "CMS_UPLOAD_TMP_DIR": str(folder / "upload-tmp"),
        }
        token = subprocess.run(
            [CMS, "token", "create", "--name", "bench", "--role", "editor"],
            env=env, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        big = _photo(folder / ("big.png" if args.png else "big.jpg"), args.size_mb, args.png)
        small = _photo(folder / "small.jpg", 1, False)
        port = _free_port()
        server = subprocess.Popen(
            [CMS, "serve", "--port", str(port), "--no-access-log", "--no-migrate"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _measure(server.pid, port, token, big, small)
        finally:
            server.terminate()
            server.wait(10)


def _measure(pid: int, port: int, token: str, big: Path, small: Path) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as client:
        for _ in range(150):
            try:
                client.get("/healthz").raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        _upload(client, token, small)  # warm-up: Pillow, the ORM, the code paths
        idle = _kib(pid, "VmRSS")
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # peak RSS := current RSS
        started = time.perf_counter()
        answer = _upload(client, token, big)
        took = time.perf_counter() - started
        peak, after = _kib(pid, "VmHWM"), _kib(pid, "VmRSS")
    size = big.stat().st_size
    print(f"file: {big.name}, {size / 1e6:.1f} MB; answer: {answer}")
    print(f"upload took {took:.2f} s ({size / 1e6 / took:.1f} MB/s, checking included)")
    print(
        f"RSS idle {idle / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB, after {after / 1024:.1f} MiB"
    )
    print(f"peak above idle: {(peak - idle) / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
