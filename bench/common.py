"""What the benchmarks share: paths, the fixture articles, timing, figures and the machine."""

from __future__ import annotations

import json
import os
import platform
import pstats
import socket
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "site"
CACHE = Path(__file__).resolve().parent / ".cache"
REPLICA_SCRIPT = ROOT / "tests" / "replica.py"


@dataclass(frozen=True)
class FixtureArticle:
    """A fixture page with the record it must give (fixtures/site/X.html + X.expected.json)."""

    name: str
    html: bytes
    expected: dict[str, Any]

    @property
    def url(self) -> str:
        return str(self.expected["url"])

    @property
    def fetched_url(self) -> str:
        """The URL the page was fetched from: its path in the replica on the site's host."""
        return f"https://kinhtedothi.vn/{self.name}.html"


def fixture_articles(limit: int | None = None) -> list[FixtureArticle]:
    """Every fixture article page (sorted by name), or the first `limit` of them."""
    found = []
    for expected in sorted(FIXTURES.glob("*.expected.json")):
        name = expected.name.removesuffix(".expected.json")
        page = expected.with_name(name + ".html")
        found.append(
            FixtureArticle(name, page.read_bytes(), json.loads(expected.read_text("utf-8")))
        )
    return found[:limit] if limit is not None else found


@dataclass
class Figure:
    """One line of the results table: a measured figure against its floor or rival and its bar."""

    section: str
    what: str
    value: str
    against: str = ""
    ratio: str = ""
    bar: str = ""
    met: bool | None = None  # None: no bar for this line

    @property
    def verdict(self) -> str:
        return "" if self.met is None else ("met" if self.met else "**not met**")


@dataclass
class Outcome:
    """What one benchmark reports: table lines, details (markdown) and raw numbers."""

    figures: list[Figure] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)


def env_int(name: str, default: int) -> int:
    """A size from the environment (`BENCH_...`), for quicker runs."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise SystemExit(f"bench: {name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise SystemExit(f"bench: {name} must be 1 or more, not {value}")
    return value


def median_time(func: Callable[[], object], repeat: int) -> float:
    """Median wall time of `repeat` calls of `func`, in seconds (after one warm-up call)."""
    func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def percentile(values: list[float], share: float) -> float:
    """The `share` (0..1) percentile of `values`, nearest rank."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count() or "?"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": load_average(),
    }


def load_average() -> str:
    """The 1-minute load average: other work on the machine skews every figure."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


@contextmanager
def loopback_only() -> Iterator[None]:
    """Refuse any connection that leaves 127.0.0.1/::1 while the rival tools run: they must
    read the HTML they are given, never fetch anything."""
    original = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and not str(host).startswith(
            ("127.", "::1", "localhost")
        ):
            raise ConnectionRefusedError(f"bench: no network for rival tools ({host})")
        return original(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]


def profile_lines(stats: pstats.Stats, limit: int = 12) -> list[str]:
    """The functions that took the most time of their own, as markdown table rows."""
    rows = ["| own time (s) | share | calls | function |", "|---:|---:|---:|---|"]
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in entries.values()) or 1.0
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:limit]
    for (filename, line, name), (_, calls, own, _cum, _) in ranked:
        where = _short_path(filename)
        label = f"{where}:{line}({name})" if line else name
        rows.append(f"| {own:.3f} | {own / total:.0%} | {calls} | `{label}` |")
    return rows


def _short_path(filename: str) -> str:
    for mark in ("site-packages/", "/src/", "/lib/python3"):
        if mark in filename:
            return filename.split(mark, 1)[1]
    return filename
