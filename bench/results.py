"""What bench/run.py measures: one record per wrk run, query, system; SQL counts.

Plain data, no I/O: bench/run.py fills them, bench/report.py turns them into tables, and both
write them out as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

QUERY_NAMES = ("Q_FEED", "Q_ARTICLE", "Q_SEARCH")
FEW_SAMPLES = 10
"""A percentile with fewer real requests above it than this is one of the run's few slowest
requests, not a percentile: the report marks it."""


@dataclass(slots=True)
class LoopWindow:
    """What bench/probed.py saw in the server during one run: event-loop lag and GC pauses."""

    seconds: float
    ticks: int
    """Timer callbacks run (one per interval when the loop is free)."""
    interval_ms: float
    lag_max_ms: float
    """The longest a timer callback waited past its time: the longest the loop could not run a
    callback, to within the interval (and libuv's 1 ms timer resolution)."""
    lag_p99_ms: float
    lag_p50_ms: float
    lags_over_10ms: int
    """Callbacks more than 10 ms late: about how many separate stalls there were."""
    gc: list[dict[str, float]]
    """Per generation (0, 1, 2): ``collections``, ``pause_total_ms``, ``pause_longest_ms``."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoopWindow:
        return cls(
            seconds=float(data["seconds"]),
            ticks=int(data["ticks"]),
            interval_ms=float(data["interval_ms"]),
            lag_max_ms=float(data["lag_max_ms"]),
            lag_p99_ms=float(data["lag_p99_ms"]),
            lag_p50_ms=float(data["lag_p50_ms"]),
            lags_over_10ms=int(data["lags_over_10ms"]),
            gc=[{k: float(v) for k, v in gen.items()} for gen in data["gc"]],
        )

    @property
    def few_ticks(self) -> bool:
        """Whether fewer than FEW_SAMPLES ticks lie above the lag's p99 (a saturated loop runs
        at most one tick per iteration, so a slow loop has few of them)."""
        return self.ticks / 100 < FEW_SAMPLES

    @property
    def gen2_collections(self) -> int:
        return int(self.gc[2]["collections"])

    @property
    def gc_longest_ms(self) -> float:
        """The longest collection of any generation."""
        return max(gen["pause_longest_ms"] for gen in self.gc)


@dataclass(slots=True)
class WrkRun:
    connections: int
    seconds: float
    requests: int
    bytes: int
    rps: float
    latency_ms: dict[str, float]
    errors: dict[str, int]
    server_cpu_seconds: float
    cpu0_busy_seconds: float
    """Everything CPU 0 ran meanwhile (the server and any other process)."""
    wrk_cpu_seconds: float
    cpu1_busy_seconds: float
    """Everything CPU 1 ran meanwhile (wrk and any other process)."""
    loop: LoopWindow | None = None
    """The server's event loop and collector during the run (None: no probe in the server)."""

    @property
    def non_2xx(self) -> int:
        return self.errors["status"]

    @property
    def socket_errors(self) -> int:
        return sum(v for k, v in self.errors.items() if k != "status")

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_seconds / self.requests if self.requests else float("nan")

    @property
    def server_busy(self) -> float:
        """Share of the run the server spent on a CPU (about 1.0 when it is the bottleneck)."""
        return self.server_cpu_seconds / self.seconds

    @property
    def others_on_server_cpu(self) -> float:
        """Share of CPU 0 that other processes took during the run (noise from neighbours)."""
        return max(0.0, self.cpu0_busy_seconds - self.server_cpu_seconds) / self.seconds

    @property
    def wrk_busy(self) -> float:
        """Share of the run wrk spent on a CPU (near 1.0: the load generator is the limit)."""
        return self.wrk_cpu_seconds / self.seconds

    @property
    def others_on_load_cpu(self) -> float:
        """Share of CPU 1 that other processes took from wrk during the run."""
        return max(0.0, self.cpu1_busy_seconds - self.wrk_cpu_seconds) / self.seconds

    @property
    def co_interval_ms(self) -> float:
        """The interval wrk's coordinated-omission correction assumes: the run's duration over
        the requests per connection (about the mean latency). Every latency of at least twice
        this adds synthetic samples, one per interval below it, to wrk's percentiles."""
        per_connection = self.requests // self.connections
        return 1000 * self.seconds / per_connection if per_connection else float("nan")

    def few_above(self, percentile: float) -> bool:
        """Whether fewer than FEW_SAMPLES real requests lie above ``percentile`` (e.g. 99.9)."""
        return self.requests * (100 - percentile) / 100 < FEW_SAMPLES


@dataclass(slots=True)
class QueryRun:
    name: str
    response_bytes: int
    warmup: WrkRun
    c1: WrkRun
    c32: WrkRun
    c64: WrkRun

    def runs(self) -> dict[str, WrkRun]:
        return {"warmup": self.warmup, "c1": self.c1, "c32": self.c32, "c64": self.c64}


@dataclass(slots=True)
class SystemRun:
    name: str
    pid: int
    cpus_allowed: str
    queries: dict[str, QueryRun] = field(default_factory=dict)
    peak_rss_mib: float = 0.0
    rss_at_end_mib: float = 0.0
    sql_per_request: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class SqlCounts:
    """Statements per request, counted in-process with the response cache on (the default)."""

    executed: dict[str, int] = field(default_factory=dict)
    """The first request: the query executes (what every request costs with the cache off)."""
    cached: dict[str, int] = field(default_factory=dict)
    """The third request: answered from the response cache (the content-version check)."""
    statements: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """``{"executed": {query: [sql, ...]}, "cached": {...}}``."""
