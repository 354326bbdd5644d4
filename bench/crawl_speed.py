"""4. Crawl throughput and 5. memory: whole crawls of a generated replica on 127.0.0.1.

The replica is `tests/replica.py` serving a site from `generate.py`, in a process of its own; each
crawl runs in a process of its own too (`crawl_child.py`), so its peak RSS is its own. The floor
is a bare httpx loop fetching the URLs the crawl fetched, with the same concurrency, against the
same server.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from .common import ROOT, Figure, Outcome
from .crawl_child import children_of, cpu_seconds
from .generate import cached_site
from .profiling import CRAWL_RULES, record

MAX_CPU_RATIO = 3.0  # CPU a page of the whole crawl, at most this many times the floor's
MAX_RSS_MB = 250.0
MAX_GROWTH = 1.2


@contextmanager
def served(root: Path) -> Iterator[str]:
    """Serve `root` with tests/replica.py (see bench/serve.py) in a child process; its base URL."""
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.serve", "--root", str(root), "--port", "0"],
        cwd=ROOT,
        env=_child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if not found:
            raise RuntimeError(f"the replica server did not start: {line!r}")
        yield found[0]
    finally:
        child.terminate()
        child.wait(timeout=10)


def server_cpu() -> float:
    """CPU seconds so far of this process's child serving the replica (`served`)."""
    for pid in children_of(os.getpid()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        if b"bench.serve" in command:
            fields = stat.rsplit(")", 1)[1].split()  # utime and stime: fields 14 and 15
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def crawl_command(base_url: str, db: Path, concurrency: int) -> list[str]:
    return [
        sys.executable, "-m", "bench.crawl_child",
        "--base-url", base_url, "--db", str(db), "--concurrency", str(concurrency),
    ]  # fmt: skip


def crawl(base_url: str, db: Path, concurrency: int) -> dict[str, Any]:
    """One whole crawl into a new archive `db`, in a child process; what it reports."""
    for path in db.parent.glob(db.name + "*"):
        path.unlink()
    done = subprocess.run(
        crawl_command(base_url, db, concurrency),
        cwd=ROOT,
        env=_child_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the crawl failed: {done.stderr.strip().splitlines()[-1:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def fetched_urls(db: Path) -> list[str]:
    """What the crawl fetched, in order (the mirror's addresses)."""
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT fetch_url FROM raw_page ORDER BY id")]


async def _fetch_all(urls: list[str], concurrency: int) -> int:
    slots = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:

        async def one(url: str) -> int:
            async with slots:
                response = await client.get(url)
                await response.aread()
                return response.status_code

        statuses = await asyncio.gather(*(one(url) for url in urls))
    return sum(1 for status in statuses if status == 200)


def fetch_floor(urls: list[str], concurrency: int) -> tuple[float, int]:
    """Seconds for a bare httpx loop to fetch `urls`, `concurrency` at a time; how many 200s."""
    start = time.perf_counter()
    ok = asyncio.run(_fetch_all(urls, concurrency))
    return time.perf_counter() - start, ok


def run_throughput(
    articles: int, workdir: Path, cache: Path, *, concurrency: int, profile: bool = True
) -> tuple[Outcome, dict[str, Any]]:
    site = cached_site(articles, cache)
    db = workdir / f"crawl-{articles}.db"
    with served(site) as base_url:
        server = server_cpu()
        result = crawl(base_url, db, concurrency)
        server_in_crawl = server_cpu() - server
        urls = fetched_urls(db)
        server, client = server_cpu(), cpu_seconds(resource.RUSAGE_SELF)
        floor_seconds, floor_ok = fetch_floor(urls, concurrency)
        server_in_floor, client = server_cpu() - server, cpu_seconds(resource.RUSAGE_SELF) - client
    pages = int(result["counts"].get("fetched", 0))
    rate, floor_rate = pages / result["seconds"], len(urls) / floor_seconds
    share = rate / floor_rate
    crawl_cpu = {
        "the crawl's own process (fetch, store, event loop)": result["cpu_seconds"],
        "its reading workers (parse, links, prepare)": result["workers_cpu_seconds"],
        "the replica server": server_in_crawl,
    }
    floor_cpu = {"the bare httpx loop": client, "the replica server": server_in_floor}
    per_page = sum(crawl_cpu.values()) / pages * 1000
    floor_per_page = sum(floor_cpu.values()) / len(urls) * 1000
    cpu_ratio = per_page / floor_per_page
    ceiling = cpu_ceiling(crawl_cpu, pages)
    outcome = Outcome(
        numbers={
            "crawl_rate": rate,
            "crawl_floor_rate": floor_rate,
            "crawl_cpu_ms": per_page,
            "crawl_floor_cpu_ms": floor_per_page,
            "crawl_ceiling": ceiling,
        }
    )
    section = "4. Crawl throughput"
    outcome.figures += [
        Figure(
            section,
            f"CPU a page of the whole crawl of {articles:,} generated articles ({pages:,} "
            f"pages, {result['articles']:,} stored), its processes and the server together",
            f"{per_page:.2f} ms",
            f"bare httpx loop, same URLs, client and server: {floor_per_page:.2f} ms",
            f"{cpu_ratio:.1f}× the floor",
            f"≤ {MAX_CPU_RATIO:g}× the floor",
            cpu_ratio <= MAX_CPU_RATIO,
        ),
        Figure(
            section,
            f"whole crawl, concurrency {concurrency}, beside the most its CPU a page allows on "
            f"{len(os.sched_getaffinity(0))} cores",
            f"{rate:,.0f} pages/s",
            f"the cores' ceiling: {ceiling:,.0f} pages/s; bare httpx loop: "
            f"{floor_rate:,.0f} pages/s",
            f"{rate / ceiling:.2f} of the ceiling, {share:.2f} of the floor",
        ),
    ]
    outcome.details += [
        f"Crawl of {articles:,} articles: {result['seconds']:.1f} s "
        f"({1000 / rate:.1f} ms a page), counts {result['counts']}, fetch outcomes "
        f"{result['outcomes']}; floor: {len(urls):,} URLs in {floor_seconds:.1f} s "
        f"({1000 / floor_rate:.2f} ms a page), {floor_ok:,} answered 200.",
        "",
    ]
    outcome.details += cpu_bounds(crawl_cpu, pages, floor_cpu, len(urls), floor_rate)
    if profile and cpu_ratio > MAX_CPU_RATIO:
        outcome.details += profile_crawl(min(articles, 1000), workdir, cache, concurrency)
    return outcome, result


def cpu_bounds(
    crawl_cpu: dict[str, float],
    pages: int,
    floor_cpu: dict[str, float],
    floor_pages: int,
    floor_rate: float,
    cores: int | None = None,
) -> list[str]:
    """CPU per page of each process of the crawl and of its floor, and what that allows on
    `cores` (this machine's): whether the crawl figure is bound by the cores or by waiting. The
    first entry of `crawl_cpu` is the crawl's own process, one thread of Python."""
    cores = cores or len(os.sched_getaffinity(0))
    per_page = {name: seconds / pages * 1000 for name, seconds in crawl_cpu.items()}
    floor_per_page = {name: seconds / floor_pages * 1000 for name, seconds in floor_cpu.items()}
    total = sum(per_page.values())
    ceiling = cpu_ceiling(crawl_cpu, pages, cores)
    floor_total = sum(floor_per_page.values())
    lines = [
        "### What bounds the crawl: CPU per page, process by process",
        "",
        "| process | crawl, ms a page | floor, ms a page |",
        "|---|---:|---:|",
    ]
    for name in dict.fromkeys([*per_page, *floor_per_page]):
        crawled, floor = per_page.get(name), floor_per_page.get(name)
        lines.append(f"| {name} | {_ms(crawled)} | {_ms(floor)} |")
    lines += [
        f"| all | {total:.2f} | {sum(floor_per_page.values()):.2f} |",
        "",
        f"On {cores} cores this CPU allows at most {ceiling:,.0f} pages/s "
        f"({ceiling / floor_rate:.2f} of the floor), with every core busy all the time. "
        f"The bar, {MAX_CPU_RATIO:g}× the floor's CPU a page, is {MAX_CPU_RATIO * floor_total:.2f} "
        "ms of CPU a page in all.",
        "",
    ]
    return lines


def cpu_ceiling(crawl_cpu: dict[str, float], pages: int, cores: int | None = None) -> float:
    """The most pages/s this CPU a page allows on `cores` (this machine's): every core busy all
    the time, and the crawl's own process (the first entry, one thread of Python) never
    waiting on the others."""
    cores = cores or len(os.sched_getaffinity(0))
    total = sum(crawl_cpu.values()) / pages
    own = next(iter(crawl_cpu.values())) / pages
    return min(cores / total, 1 / own)


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def profile_crawl(articles: int, workdir: Path, cache: Path, concurrency: int) -> list[str]:
    """Where a crawl's wall time goes (idle samples included: waiting on the server shows as
    the event loop)."""
    site = cached_site(articles, cache)
    db = workdir / "crawl-profile.db"
    for path in workdir.glob("crawl-profile.db*"):
        path.unlink()
    with served(site) as base_url:
        return record(
            crawl_command(base_url, db, concurrency),
            CRAWL_RULES,
            within="crawl_pages",
            native=False,
            idle=True,
            title=f"Where a crawl's wall time goes ({articles:,} articles, idle included)",
        )


def run_memory(
    sizes: tuple[int, int],
    workdir: Path,
    cache: Path,
    *,
    concurrency: int,
    known: dict[int, dict[str, Any]] | None = None,
) -> Outcome:
    """Peak RSS of whole crawls of two sizes (a crawl already made for a size is reused)."""
    peaks: dict[int, float] = {}
    details = []
    for size in sizes:
        result = (known or {}).get(size)
        if result is None:
            site = cached_site(size, cache)
            with served(site) as base_url:
                result = crawl(base_url, workdir / f"crawl-{size}.db", concurrency)
        peaks[size] = result["peak_rss_kb"] / 1024
        details.append(
            f"Crawl of {size:,} articles: peak RSS {peaks[size]:.0f} MB (the crawl's own "
            f"{result['own_peak_rss_kb'] / 1024:.0f} MB, its reading worker's "
            f"{result['workers_peak_rss_kb'] / 1024:.0f} MB), "
            f"{result['counts'].get('fetched', 0):,} pages in {result['seconds']:.1f} s."
        )
    small, large = sizes
    growth = peaks[large] / peaks[small]
    section = "5. Memory"
    outcome = Outcome(numbers={"rss_mb": peaks})
    for size in sizes:
        outcome.figures.append(
            Figure(
                section,
                f"peak RSS, crawl of {size:,} articles (its reading worker included)",
                f"{peaks[size]:.0f} MB",
                bar=f"< {MAX_RSS_MB:.0f} MB",
                met=peaks[size] < MAX_RSS_MB,
            )
        )
    outcome.figures.append(
        Figure(
            section,
            f"growth from {small:,} to {large:,} articles",
            f"{peaks[large]:.0f} MB",
            f"{small:,} articles: {peaks[small]:.0f} MB",
            f"{growth:.2f}×",
            f"< {MAX_GROWTH}×",
            growth < MAX_GROWTH,
        )
    )
    outcome.details += [*details, ""]
    return outcome
