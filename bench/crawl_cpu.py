"""Where a crawl's CPU goes, process by process: the crawl, its reading workers and the replica
server, in milliseconds of CPU per page, and the machine's busy time beside them. On a machine
whose cores they share, this says whether the crawl waits on itself or on the cores.

    python -m bench.crawl_cpu [--articles 1000] [--parse-workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import tempfile
import time
from dataclasses import replace

from newsarchive.runs.crawl import Crawl
from newsarchive.store import Archive

from .common import ROOT
from .crawl_child import cpu_seconds, crawl_config
from .crawl_speed import served, server_cpu
from .generate import cached_site


def _machine_busy() -> float:
    """Seconds all cores spent busy since boot (/proc/stat: all but idle and iowait)."""
    with open("/proc/stat", encoding="ascii") as stat:
        ticks = [int(n) for n in stat.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--parse-workers", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    site = cached_site(args.articles, ROOT / "bench" / ".cache")
    with served(site) as base_url, tempfile.TemporaryDirectory() as folder:
        config = crawl_config(base_url, f"{folder}/crawl.db", args.concurrency)
        config = replace(config, crawl=replace(config.crawl, parse_workers=args.parse_workers))
        with Archive.open(config.store.url) as archive:
            crawl = Crawl(config, archive)
            server, busy = server_cpu(), _machine_busy()
            own = cpu_seconds(resource.RUSAGE_SELF)
            began = time.perf_counter()
            asyncio.run(crawl.run())
            seconds = time.perf_counter() - began
            pages = crawl.report.counts["fetched"]
            own = cpu_seconds(resource.RUSAGE_SELF) - own
            workers = cpu_seconds(resource.RUSAGE_CHILDREN)  # they have ended by now
            server, busy = server_cpu() - server, _machine_busy() - busy

    def per_page(cpu: float) -> str:
        return f"{cpu / pages * 1000:.2f} ms"

    rate = f"{pages / seconds:.0f} pages/s"
    print(f"{pages:,} pages in {seconds:.1f} s: {rate}, wall {per_page(seconds)} a page")
    print(f"CPU per page: crawl {per_page(own)}, reading workers {per_page(workers)}, "
          f"replica server {per_page(server)}; "
          f"machine busy {per_page(busy)} on {os.cpu_count()} cores")  # fmt: skip


if __name__ == "__main__":
    main()
