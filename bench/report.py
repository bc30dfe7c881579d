"""The Markdown report of bench/run.py: the reference table, the detail, the tail, notes.

Pure functions of the records in bench/results.py; bench/README.md says how to read each table.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from results import QUERY_NAMES, SystemRun, WrkRun

TARGET_P99 = 2.0
TARGET_P999 = 5.0
"""Issue 23's bar for the cached path at 32 connections: p99 at most twice the ceiling's and
p99.9 at most five times, in the same run."""


def ms(value: float) -> str:
    if value < 10:
        return f"{value:.2f} ms"
    if value < 100:
        return f"{value:.1f} ms"
    return f"{value:,.0f} ms"


def ratio(ours: float, ceiling: float) -> str:
    if not ceiling:
        return "—"
    r = ours / ceiling
    return f"{r:.3f}×" if r < 1 else f"{r:.1f}×" if r < 100 else f"{r:,.0f}×"


def _summary_row(label: str, system: SystemRun, sql: str, finds: str) -> tuple[str, ...]:
    feed, art, find = (system.queries[name] for name in QUERY_NAMES)
    return (
        label,
        ms(feed.c1.latency_ms["p50"]),
        f"{feed.c32.rps:,.0f}",
        ms(feed.c32.latency_ms["p99"]),
        f"{art.c32.rps:,.0f}",
        f"{find.c32.rps:,.0f}",
        sql,
        f"{system.peak_rss_mib:.0f} MiB",
        finds,
    )


def _ratio_row(label: str, ours: SystemRun, ceiling: SystemRun) -> tuple[str, ...]:
    feed, art, find = (ours.queries[name] for name in QUERY_NAMES)
    cfeed, cart, cfind = (ceiling.queries[name] for name in QUERY_NAMES)
    return (
        label,
        ratio(feed.c1.latency_ms["p50"], cfeed.c1.latency_ms["p50"]),
        ratio(feed.c32.rps, cfeed.c32.rps),
        ratio(feed.c32.latency_ms["p99"], cfeed.c32.latency_ms["p99"]),
        ratio(art.c32.rps, cart.c32.rps),
        ratio(find.c32.rps, cfind.c32.rps),
        "—",
        ratio(ours.peak_rss_mib, ceiling.peak_rss_mib),
        "—",
    )


def report(
    cached: SystemRun,
    uncached: SystemRun,
    ceiling: SystemRun,
    straw: SystemRun,
    meta: dict[str, Any],
) -> str:
    head = (
        "| system | Q_FEED c=1 p50 | Q_FEED c=32 req/s | Q_FEED c=32 p99 | Q_ARTICLE c=32 req/s "
        "| Q_SEARCH c=32 req/s | SQL per Q_FEED | peak RSS | `hoi nghi` finds `hội nghị` |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    rows = [
        _summary_row(
            "this CMS (`cms serve`, SQLite, response cache on)",
            cached,
            str(cached.sql_per_request["Q_FEED"]),
            "yes" if meta["search"]["same"] else "no",
        ),
        _summary_row(
            "this CMS, response cache off (every request executes)",
            uncached,
            str(uncached.sql_per_request["Q_FEED"]),
            "yes" if meta["search_cache_off"]["same"] else "no",
        ),
        _summary_row("bare Starlette, cached bytes (ceiling)", ceiling, "0", "—"),
        _summary_row(
            "strawberry over in-memory objects (no database; GraphQL execution alone)",
            straw,
            "0",
            "—",
        ),
        _ratio_row("ratio this CMS, cache on / ceiling", cached, ceiling),
        _ratio_row("ratio this CMS, cache off / ceiling", uncached, ceiling),
        _ratio_row("ratio strawberry in-memory / ceiling", straw, ceiling),
        _ratio_row("ratio this CMS, cache off / strawberry in-memory", uncached, straw),
    ]
    table = head + "".join("| " + " | ".join(row) + " |\n" for row in rows)

    detail = (
        "| system | query | resp. bytes | SQL/req | c=1 p50 | c=1 p99 | c=32 req/s | c=32 p50 "
        "| c=32 p99 | non-2xx | socket errors | server CPU/req | server busy | others on CPU 0 "
        "| wrk busy | others on CPU 1 |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    for system in (cached, uncached, ceiling, straw):
        for name in QUERY_NAMES:
            q = system.queries[name]
            errors = sum(run.non_2xx for run in (q.c1, q.c32, q.c64))
            socket_errors = sum(run.socket_errors for run in (q.c1, q.c32, q.c64))
            detail += (
                f"| {system.name} | {name} | {q.response_bytes:,} "
                f"| {system.sql_per_request.get(name, 0)} "
                f"| {ms(q.c1.latency_ms['p50'])} | {ms(q.c1.latency_ms['p99'])} "
                f"| {q.c32.rps:,.0f} | {ms(q.c32.latency_ms['p50'])} "
                f"| {ms(q.c32.latency_ms['p99'])} | {errors} | {socket_errors} "
                f"| {q.c32.cpu_ms_per_request:.2f} ms | {q.c32.server_busy:.0%} "
                f"| {q.c32.others_on_server_cpu:.0%} | {q.c32.wrk_busy:.0%} "
                f"| {q.c32.others_on_load_cpu:.0%} |\n"
            )
    load = meta["load"]
    reused = " (cached from an earlier run)" if load.get("cached") else ""
    search = meta["search"]
    if search["same"]:
        edges = len(search["slugs"])
        folding = f"`{search['folded_query']}` gave the same {edges} edges in the same order."
    else:
        folding = (
            f"`{search['folded_query']}` did NOT give the same edges: "
            + (search.get("folded_problem") or f"`{', '.join(search['folded_slugs'])}`")
            + f" instead of `{', '.join(search['slugs'])}`."
        )
    if meta["search_cache_off"]["same"] != search["same"]:
        folding += (
            f" With the response cache off the answer differs: "
            f"`{', '.join(meta['search_cache_off']['folded_slugs'])}`."
        )
    notes = (
        f"{meta['articles']} articles; runs of {meta['duration']:g} s after a "
        f"{meta['warmup']:g} s warm-up; server on CPU {meta['server_cpu']}, wrk (1 thread) on "
        f"CPU {meta['load_cpu']}; Q_ARTICLE slug `{meta['slug']}`; {meta['started']}.\n"
        f"`{cached.name}`: response cache on (wrk repeats one request: the cached path); "
        f"`{uncached.name}`: `CMS_RESPONSE_CACHE_BYTES=0`, every request executes its query. "
        "SQL/req counted in-process: a repeated request with the cache on (the third), and a "
        "first request (it executes).\n"
        f"`{straw.name}`: bench/strawberry_ceiling.py, the queries' shapes as plain strawberry "
        "types (synchronous fields, plain values, strawberry's parser and validation caches) "
        "built from the CMS's answers, no database: what strawberry itself allows; its answers "
        "are the CMS's bytes. Its Q_SEARCH runs no search (the hits are in memory).\n"
        f"Q_SEARCH `{search['query']}`: {folding}\n"
        f"Loading: {load['articles']} articles, {load['images']} images in "
        f"{load['seconds_total']:.1f} s{reused}.\n" + _launch_note(meta)
    )
    tail = tail_report(cached, uncached, ceiling, straw)
    return f"{table}\n{detail}\n{notes}\n{tail}"


def _launch_note(meta: dict[str, Any]) -> str:
    """How the servers were started: through the probe's launcher, and with which options."""
    if not meta.get("probed"):
        return "Servers started as they are (`--no-probe`): no loop-lag or GC figures.\n"
    options = meta["uvicorn_options"]["cms"]
    shown = ", ".join(
        f"{name}={value}" for name, value in options.items() if name not in {"host", "port"}
    )
    return (
        "Every server ran through bench/probed.py, its program's uvicorn options unchanged "
        f"(`cms`: {shown}).\n"
    )


# --- the tail ---------------------------------------------------------------------------------

_PERCENTILES = (("p50", 50.0), ("p99", 99.0), ("p999", 99.9))
_FEW = "†"


def _latency(run: WrkRun, key: str, percentile: float, ceiling: WrkRun | None = None) -> str:
    """A percentile, marked when few requests lie above it, with its ratio to the ceiling's."""
    text = ms(run.latency_ms[key]) + (_FEW if run.few_above(percentile) else "")
    if ceiling is not None:
        text += f" ({ratio(run.latency_ms[key], ceiling.latency_ms[key])})"
    return text


def _pair(values: Sequence[str | None], unit: str = " ms") -> str:
    """``c=32 / c=64`` figures in one cell; ``—`` where the server had no probe."""
    if any(value is None for value in values):
        return "—"
    return " / ".join(value for value in values if value is not None) + unit


def tail_table(systems: Sequence[SystemRun], ceiling: SystemRun) -> str:
    """Every system and query at 32 and 64 connections: p50, p99, p99.9 (each with its ratio to
    the ceiling's in the same run), the loop lag and the collector's pauses."""
    head = (
        "| system | query | c=32 p50 | c=32 p99 | c=32 p99.9 | c=64 p50 | c=64 p99 | c=64 p99.9 "
        "| loop lag max | loop lag p99 | gen-2 GCs | longest GC pause |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for system in systems:
        for name in QUERY_NAMES:
            q = system.queries[name]
            c = ceiling.queries[name]
            cells = [system.name, name]
            for run, ceil in ((q.c32, c.c32), (q.c64, c.c64)):
                against = None if system is ceiling else ceil
                cells += [_latency(run, key, pct, against) for key, pct in _PERCENTILES]
            loops = [q.c32.loop, q.c64.loop]
            cells += [
                _pair([f"{w.lag_max_ms:.1f}" if w else None for w in loops]),
                _pair([f"{w.lag_p99_ms:.1f}{_FEW * w.few_ticks}" if w else None for w in loops]),
                _pair([f"{w.gen2_collections}" if w else None for w in loops], ""),
                _pair([f"{w.gc_longest_ms:.1f}" if w else None for w in loops]),
            ]
            rows.append("| " + " | ".join(cells) + " |\n")
    return head + "".join(rows)


def beside_strawberry(uncached: SystemRun, straw: SystemRun) -> str:
    """The cache-off rows' tail next to strawberry's own (issue 23 asks for them side by side)."""
    head = (
        "| query | connections | cache off p99 | strawberry p99 | ratio "
        "| cache off p99.9 | strawberry p99.9 | ratio |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for name in QUERY_NAMES:
        for key in ("c32", "c64"):
            ours = getattr(uncached.queries[name], key)
            theirs = getattr(straw.queries[name], key)
            rows.append(
                f"| {name} | {ours.connections} "
                f"| {_latency(ours, 'p99', 99.0)} | {_latency(theirs, 'p99', 99.0)} "
                f"| {ratio(ours.latency_ms['p99'], theirs.latency_ms['p99'])} "
                f"| {_latency(ours, 'p999', 99.9)} | {_latency(theirs, 'p999', 99.9)} "
                f"| {ratio(ours.latency_ms['p999'], theirs.latency_ms['p999'])} |\n"
            )
    return head + "".join(rows)


def target_line(cached: SystemRun, ceiling: SystemRun) -> str:
    """Where the cached path stands against issue 23's bar, query by query."""
    parts = []
    for name in QUERY_NAMES:
        ours, theirs = cached.queries[name].c32, ceiling.queries[name].c32
        p99 = ours.latency_ms["p99"] / theirs.latency_ms["p99"]
        p999 = ours.latency_ms["p999"] / theirs.latency_ms["p999"]
        if any(run.few_above(99.9) for run in (ours, theirs)):
            verdict = "too few requests to tell"
        else:
            verdict = "met" if p99 <= TARGET_P99 and p999 <= TARGET_P999 else "not met"
        parts.append(f"{name} {p99:.1f}× / {p999:.1f}× ({verdict})")
    return (
        f"Issue 23's bar for the cached path at c=32 (p99 at most {TARGET_P99:g}× the ceiling's, "
        f"p99.9 at most {TARGET_P999:g}×, same run): " + "; ".join(parts) + "."
    )


def _lag_note(intervals: Sequence[float]) -> str:
    if not intervals:
        return "Loop lag and GC: no probe in the servers (`--no-probe`).\n"
    return (
        f"Loop lag (c=32 / c=64): how late a timer callback set every {intervals[0]:g} ms ran in "
        "the server (bench/probed.py): the max is the longest time its event loop could not run "
        f"a callback during the run, p99 the lateness of the slowest 1 % of ticks ({_FEW}: fewer "
        "than 1,000 ticks; a busy loop runs at most one per iteration); gen-2 GCs and the "
        "longest collection (any generation) from `gc.callbacks` in the same process.\n"
    )


def tail_report(
    cached: SystemRun, uncached: SystemRun, ceiling: SystemRun, straw: SystemRun
) -> str:
    systems = (cached, uncached, ceiling, straw)
    runs = [getattr(s.queries[n], k) for s in systems for n in QUERY_NAMES for k in ("c32", "c64")]
    intervals = [run.loop.interval_ms for run in runs if run.loop is not None]
    co = [run.co_interval_ms for run in runs if run.connections == 32]
    notes = (
        f"Latencies as wrk reports them: one counter per microsecond, with wrk's "
        f"coordinated-omission correction (a request slower than twice the run's mean interval "
        f"per connection, here {min(co):.2f} to {max(co):,.0f} ms at c=32, also counts as the "
        f"requests that would have been sent meanwhile). In brackets: the ratio to the "
        f"ceiling's same percentile, same query, same connections, same invocation. "
        f"{_FEW}: fewer than 10 requests of the run lie above that percentile (it is one of the "
        f"slowest few requests, not a percentile: run longer).\n"
        + _lag_note(intervals)
        + target_line(cached, ceiling)
        + "\n"
    )
    return (
        "Tail under load (wrk, 1 thread; every system and query):\n\n"
        + tail_table(systems, ceiling)
        + "\nThe cache-off rows beside strawberry's own:\n\n"
        + beside_strawberry(uncached, straw)
        + "\n"
        + notes
    )


# --- the probe's own cost ---------------------------------------------------------------------


def probe_cost_table(variants: dict[str, dict[str, list[WrkRun]]]) -> str:
    """Medians over rounds of the same c=32 run, per system, with and without the probe."""
    head = (
        "| system | server | rounds | req/s | ratio to no launcher | server CPU/req | p99 "
        "| others on CPU 0 |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for system, by_variant in variants.items():
        base = statistics.median(run.rps for run in by_variant["no launcher"])
        for variant, runs in by_variant.items():
            rps = statistics.median(run.rps for run in runs)
            cpu = statistics.median(run.cpu_ms_per_request for run in runs)
            p99 = statistics.median(run.latency_ms["p99"] for run in runs)
            others = statistics.median(run.others_on_server_cpu for run in runs)
            rows.append(
                f"| {system} | {variant} | {len(runs)} | {rps:,.0f} | {ratio(rps, base)} "
                f"| {cpu:.3f} ms | {ms(p99)} | {others:.0%} |\n"
            )
    return head + "".join(rows)


def as_json(system: SystemRun) -> dict[str, Any]:
    """A system's record with the derived figures of each run spelt out."""
    data = asdict(system)
    for name, query in system.queries.items():
        for key, run in query.runs().items():
            data["queries"][name][key] |= run_figures(run)
    return data


def run_figures(run: WrkRun) -> dict[str, Any]:
    return {
        "non_2xx": run.non_2xx,
        "socket_errors": run.socket_errors,
        "cpu_ms_per_request": run.cpu_ms_per_request,
        "server_busy": run.server_busy,
        "others_on_server_cpu": run.others_on_server_cpu,
        "wrk_busy": run.wrk_busy,
        "others_on_load_cpu": run.others_on_load_cpu,
        "co_interval_ms": run.co_interval_ms,
    }
