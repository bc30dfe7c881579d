"""The media benchmark of issue 10 (not a test): uploads, memory, renditions, serving.

    .venv/bin/python bench/media.py            # 5 uploads of 10 MB, 5 rounds of 10 s (~5 min)
    .venv/bin/python bench/media.py --quick    # 2 uploads, 1 round of 3 s

Against a real ``cms serve`` (fresh SQLite database and media folder in bench/out/media-bench,
pinned to CPU 0) it reports:

1. upload throughput for 10 MB JPEGs sent as ``imageUpload`` multipart requests (the whole
   pipeline: streaming, sniffing, decoding, cleaning, placeholder, storing);
2. the server's peak RSS while it takes a 50 MB JPEG, above its idle RSS (the kernel's peak
   counter reset first through /proc/PID/clear_refs);
3. the time to make a 640-wide WebP from a 12-megapixel JPEG: Pillow alone, in this process
   (``cms.media.storage.renditions.render``), and the first HTTP request for the rendition;
4. req/s for that cached rendition at 32 connections (wrk on CPU 1): the CMS's rendition route
   (signed URL), the CMS's plain media route for the same file, and Starlette's ``StaticFiles``
   (bench/static_ceiling.py, same uvicorn options, CPU 0) serving the same file, interleaved in
   the same run. Target: the rendition route at 80 % or more of ``StaticFiles``.

Results: a table on stdout and bench/out/media-results-latest.{md,json}. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import PIL.Image
from run import (
    LOAD_CPU,
    OUT,
    WRK_TIMEOUT,
    BenchError,
    Server,
    clean_env,
    cpu_seconds,
    free_port,
    preflight,
    proc_status,
    serve,
)

from cms.media.renditions import Format, Rendition
from cms.media.storage.renditions import render

BENCH = Path(__file__).resolve().parent
WORK = OUT / "media-bench"
LUA = BENCH / "wrk_get.lua"
TARGET = 0.80
UPLOAD = (
    "mutation ($input: ImageUploadInput!) { imageUpload(input: $input) { __typename "
    "... on ImageUploadSuccess { image { id width height size } } "
    "... on UserError { code message } } }"
)
RENDITION = (
    "query ($id: ID!) { node(id: $id) { ... on Image { url rendition(width: 640) { url } } } }"
)


def photo(path: Path, megabytes: float) -> Path:
    """A JPEG of noise (it compresses badly) of about ``megabytes`` MB."""
    pixels = int(megabytes * 1_000_000 / 1.7)  # about 1.7 bytes a pixel at quality 100
    width = int((pixels * 4 / 3) ** 0.5)
    noise = PIL.Image.effect_noise((width, pixels // width), 120).convert("RGB")
    noise.save(path, format="JPEG", quality=100, subsampling=0)
    return path


def twelve_megapixels(path: Path) -> Path:
    """A 4000x3000 JPEG with detail at every scale (a Mandelbrot set, gradients, grain), closer
    to a photo than noise is: its renditions are tens of KB, as a photo's are."""
    size = (4000, 3000)
    fractal = PIL.Image.effect_mandelbrot(size, (-2.2, -1.2, 1.0, 1.2), 60)
    across = PIL.Image.linear_gradient("L").rotate(90).resize(size)
    grain = PIL.Image.effect_noise(size, 40)
    PIL.Image.merge("RGB", (fractal, across, grain)).save(path, format="JPEG", quality=90)
    return path


def upload(client: httpx.Client, token: str, path: Path) -> tuple[str, float]:
    """The new image's ID and the seconds the request took."""
    operations = {"query": UPLOAD, "variables": {"input": {"file": None}}}
    started = time.perf_counter()
    with path.open("rb") as f:
        response = client.post(
            "/graphql",
            headers={"authorization": f"Bearer {token}", "apollo-require-preflight": "1"},
            data={"operations": json.dumps(operations), "map": '{"0": ["variables.input.file"]}'},
            files={"0": (path.name, f, "image/jpeg")},
        )
    took = time.perf_counter() - started
    answer = response.json()["data"]["imageUpload"]
    if answer["__typename"] != "ImageUploadSuccess":
        raise BenchError(f"upload of {path.name} refused: {answer}")
    return str(answer["image"]["id"]), took


def kib(pid: int, field: str) -> int:
    return int(proc_status(pid)[field].split()[0])


def uploads(client: httpx.Client, token: str, pid: int, count: int) -> dict[str, Any]:
    """Steps 2 and 1: the 50 MB upload's memory (after a small warm-up upload, the kernel's
    peak counter reset), then 10 MB uploads one after another."""
    upload(client, token, photo(WORK / "warm-up.jpg", 1))  # Pillow, the ORM, the code paths
    big = photo(WORK / "fifty.jpg", 50)
    idle = kib(pid, "VmRSS")
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # peak RSS := current RSS
    upload(client, token, big)
    peak = kib(pid, "VmHWM")
    files = [photo(WORK / f"ten-{n}.jpg", 10) for n in range(count)]
    speeds = []
    for path in files:
        _, took = upload(client, token, path)
        speeds.append(path.stat().st_size / 1e6 / took)
    return {
        "upload_mb": [round(p.stat().st_size / 1e6, 2) for p in files],
        "upload_mb_per_s": [round(s, 2) for s in speeds],
        "upload_mb_per_s_median": round(statistics.median(speeds), 2),
        "big_upload_mb": round(big.stat().st_size / 1e6, 2),
        "rss_idle_mib": round(idle / 1024, 1),
        "rss_peak_mib": round(peak / 1024, 1),
        "rss_peak_above_idle_mib": round((peak - idle) / 1024, 1),
    }


def making(client: httpx.Client, token: str, rounds: int) -> tuple[dict[str, Any], str, str]:
    """Step 3: a 640-wide WebP from a 12-megapixel JPEG; the rendition's and the file's paths."""
    source = twelve_megapixels(WORK / "twelve.jpg")
    image_id, _ = upload(client, token, source)
    found = client.post(
        "/graphql",
        json={"query": RENDITION, "variables": {"id": image_id}},
        headers={"authorization": f"Bearer {token}"},
    ).json()["data"]["node"]
    original = httpx.URL(found["url"]).path.removeprefix("/media/")
    rendition_path = httpx.URL(found["rendition"]["url"]).path
    content_hash = Path(original).stem
    rendition = Rendition(content_hash, 640, 480, Format.WEBP)
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        render(WORK / "media" / original, rendition, 60_000_000)
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    first = client.get(rendition_path)
    http_first = time.perf_counter() - started
    if first.status_code != 200 or first.headers["content-type"] != "image/webp":
        raise BenchError(f"the rendition answered {first.status_code}: {first.text[:200]}")
    with PIL.Image.open(source) as opened:
        megapixels = opened.width * opened.height / 1e6
    figures = {
        "source_megapixels": megapixels,
        "source_mb": round(source.stat().st_size / 1e6, 2),
        "render_ms": [round(t * 1000, 1) for t in timings],
        "render_ms_median": round(statistics.median(timings) * 1000, 1),
        "first_http_request_ms": round(http_first * 1000, 1),
        "rendition_bytes": len(first.content),
    }
    return figures, rendition_path, rendition.key


def wrk(server: Server, path: str, connections: int, seconds: float) -> dict[str, Any]:
    url = f"http://127.0.0.1:{server.port}{path}"
    command = [
        *("taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s"),
        *("--timeout", WRK_TIMEOUT, "-s", str(LUA), url),
    ]
    before = cpu_seconds(server.pid)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    used = cpu_seconds(server.pid) - before
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed: {' '.join(command)}\n{done.stdout}{done.stderr}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    if any(raw["errors"].values()):
        raise BenchError(f"{server.name}: wrk counted errors {raw['errors']} for {url}")
    elapsed = raw["duration_us"] / 1e6
    return {
        "rps": raw["requests"] / elapsed,
        "p50_ms": raw["latency_us"]["p50"] / 1000,
        "p99_ms": raw["latency_us"]["p99"] / 1000,
        "server_cpu_ms_per_request": 1000 * used / raw["requests"],
        "server_busy": used / elapsed,
    }


def serving(
    cms: Server, static: Server, rendition_path: str, key: str, rounds: int, seconds: float
) -> dict[str, Any]:
    """Step 4: the same cached file through three routes, interleaved, ``rounds`` times."""
    targets = {
        "cms rendition route": (cms, rendition_path),
        "cms media route": (cms, f"/media/{key}"),
        "StaticFiles": (static, f"/media/{key}"),
    }
    bodies = {name: httpx.get(f"http://127.0.0.1:{s.port}{p}") for name, (s, p) in targets.items()}
    if len({(r.status_code, r.content) for r in bodies.values()}) != 1:
        raise BenchError(f"the three routes answer differently: {bodies}")
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
    for _ in range(rounds):
        for name, (server, path) in targets.items():
            wrk(server, path, 4, min(2.0, seconds))  # warm-up
            runs[name].append(wrk(server, path, 32, seconds))
    result: dict[str, Any] = {"bytes": len(bodies["StaticFiles"].content), "routes": {}}
    for name, found in runs.items():
        result["routes"][name] = {
            "rps_median": round(statistics.median(r["rps"] for r in found)),
            "rps": [round(r["rps"]) for r in found],
            "p99_ms_median": round(statistics.median(r["p99_ms"] for r in found), 2),
            "cpu_ms_per_request": round(
                statistics.median(r["server_cpu_ms_per_request"] for r in found), 3
            ),
            "server_busy": round(statistics.median(r["server_busy"] for r in found), 2),
        }
    for name in targets:  # each round's share (paired: measured minutes apart at most)
        shares = [r["rps"] / s["rps"] for r, s in zip(runs[name], runs["StaticFiles"], strict=True)]
        result["routes"][name]["share_of_static_files"] = round(statistics.median(shares), 3)
        result["routes"][name]["shares"] = [round(x, 3) for x in shares]
    return result


def report(figures: dict[str, Any]) -> str:
    up, make, srv = figures["uploads"], figures["making"], figures["serving"]
    lines = [
        "# Media benchmark",
        "",
        f"{figures['when']}, Python {sys.version.split()[0]}, Pillow {PIL.__version__}",
        "",
        "| measure | result |",
        "|---|---|",
        f"| upload throughput, 10 MB JPEGs (median of {len(up['upload_mb'])}) "
        f"| {up['upload_mb_per_s_median']} MB/s |",
        f"| peak RSS during a {up['big_upload_mb']} MB upload | {up['rss_peak_mib']} MiB "
        f"(idle {up['rss_idle_mib']} MiB: +{up['rss_peak_above_idle_mib']} MiB) |",
        f"| 640-wide WebP from a {make['source_megapixels']:.0f}-megapixel JPEG, Pillow "
        f"| {make['render_ms_median']} ms (median) |",
        f"| the same, first HTTP request | {make['first_http_request_ms']} ms |",
        "",
        f"Cached rendition ({srv['bytes']} bytes), wrk c=32, median of "
        f"{len(srv['routes']['StaticFiles']['rps'])} rounds (share: the median of each round's "
        "req/s over StaticFiles' in that round):",
        "",
        "| route | req/s | share of StaticFiles | p99 ms | server CPU ms/req | server busy |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in srv["routes"].items():
        lines.append(
            f"| {name} | {r['rps_median']} | {r['share_of_static_files']:.0%} | "
            f"{r['p99_ms_median']} | {r['cpu_ms_per_request']} | {r['server_busy']:.0%} |"
        )
    share = srv["routes"]["cms rendition route"]["share_of_static_files"]
    verdict = "met" if share >= TARGET else "NOT met"
    lines += ["", f"Target (rendition route >= {TARGET:.0%} of StaticFiles): {verdict}."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 uploads, 1 round of 3 s")
    args = parser.parse_args()
    cms_command = preflight()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    env = {
        **clean_env(),
        "CMS_DATABASE_URL": f"sqlite://{WORK / 'cms.sqlite3'}",
        "CMS_MEDIA_ROOT": str(WORK / "media"),
        "CMS_UPLOAD_TMP_DIR": str(WORK / "upload-tmp"),
    }
    subprocess.run([cms_command, "migrate"], env=env, check=True, capture_output=True)
    token = subprocess.run(
        [cms_command, "token", "create", "--name", "bench", "--role", "editor"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    cms_port, static_port = free_port(), free_port()
    cms_serve = [str(cms_command), "serve", "--port", str(cms_port), "--no-access-log"]
    static = [sys.executable, str(BENCH / "static_ceiling.py"), "--port", str(static_port)]
    static += ["--directory", str(WORK / "media")]
    rounds, seconds = (1, 3.0) if args.quick else (5, 10.0)
    figures: dict[str, Any] = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    with serve("media-cms", cms_serve, env, cms_port) as cms:
        base = f"http://127.0.0.1:{cms_port}"
        with httpx.Client(base_url=base, timeout=300) as client:
            figures["uploads"] = uploads(client, token, cms.pid, 2 if args.quick else 5)
            figures["making"], path, key = making(client, token, 3 if args.quick else 5)
        with serve("media-static", static, env, static_port) as ceiling:
            figures["serving"] = serving(cms, ceiling, path, key, rounds, seconds)
    text = report(figures)
    print(text)
    (OUT / "media-results-latest.md").write_text(text)
    (OUT / "media-results-latest.json").write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        sys.exit(f"bench/media.py: {error}")
