"""One whole crawl in a process of its own, so its peak RSS is its own: prints one JSON line.

python -m bench.crawl_child --base-url http://127.0.0.1:PORT --db PATH [--concurrency N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import threading
import time
from pathlib import Path

from newsarchive.config import Config, CrawlSettings, FetchSettings, StoreSettings
from newsarchive.runs.crawl import Crawl
from newsarchive.store import Archive


def crawl_config(base_url: str, db: str, concurrency: int) -> Config:
    """Politeness delays off, everything else as shipped."""
    return Config(
        fetch=FetchSettings(delay=0.0, concurrency=concurrency, retries=1, backoff_base=0.01),
        crawl=CrawlSettings(base_url=base_url),
        store=StoreSettings(url=f"sqlite:///{db}"),
    )


def crawl_pages(config: Config) -> dict[str, object]:
    sampler = FamilyPeak()
    sampler.start()
    with Archive.open(config.store.url) as archive:
        own, start = cpu_seconds(resource.RUSAGE_SELF), time.perf_counter()
        report = asyncio.run(Crawl(config, archive).run())
        seconds, own = time.perf_counter() - start, cpu_seconds(resource.RUSAGE_SELF) - own
        articles = archive.article_count()
    sampler.stop()
    return {
        "seconds": seconds,
        "cpu_seconds": own,
        # The reading workers have ended with the crawl: their CPU is counted by now.
        "workers_cpu_seconds": cpu_seconds(resource.RUSAGE_CHILDREN),
        "counts": dict(report.counts),
        "outcomes": dict(report.outcomes),
        "exit_status": report.exit_status,
        "articles": articles,
        "peak_rss_kb": max(peak_rss_kb(), sampler.peak_kb),
        "own_peak_rss_kb": peak_rss_kb(),
        "workers_peak_rss_kb": sampler.children_peak_kb,
    }


class FamilyPeak(threading.Thread):
    """The peak of this process's RSS plus its children's (the crawl's reading workers),
    sampled every SAMPLE_EVERY seconds: a child's own high-water mark dies with it."""

    SAMPLE_EVERY = 0.05

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.children_peak_kb = 0
        self._done = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self._done.wait(self.SAMPLE_EVERY):
            children = sum(_rss_kb(pid) for pid in children_of(me))
            self.children_peak_kb = max(self.children_peak_kb, children)
            self.peak_kb = max(self.peak_kb, _rss_kb(me) + children)

    def stop(self) -> None:
        self._done.set()
        self.join()


def children_of(parent: int) -> list[int]:
    """The pids of `parent`'s children (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The parent pid is the 2nd field after the parenthesised command name.
            fields = stat.read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(who: int) -> float:
    """User and system CPU of `who` (`resource.RUSAGE_SELF` or `RUSAGE_CHILDREN`), in seconds."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def peak_rss_kb() -> int:
    """This process's peak RSS in KiB: `VmHWM`, the high-water mark of its own address space.
    Not `ru_maxrss`: Linux carries into it the RSS of the pre-exec copy of the parent, so a
    crawl started by a big parent would report the parent's size."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(argv)
    result = crawl_pages(crawl_config(args.base_url, args.db, args.concurrency))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
