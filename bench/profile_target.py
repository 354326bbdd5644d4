"""Workloads run under py-spy (`python -m bench.profile_target parse|store ...`): the same work
the benchmarks time, in a process of its own so the profiler sees nothing else."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from newsarchive import parse_article

from .common import fixture_articles


def parse_pages(rounds: int) -> None:
    pages = fixture_articles()
    for _ in range(rounds):
        for page in pages:
            parse_article(page.html, page.fetched_url)


def store_articles(count: int) -> None:
    from .store_speed import fetches, write_through_store

    with tempfile.TemporaryDirectory() as folder:
        write_through_store(fetches(count, updates=count // 4), Path(folder) / "profile.db")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=("parse", "store"))
    parser.add_argument("--size", type=int, default=100)
    args = parser.parse_args(argv)
    if args.workload == "parse":
        parse_pages(args.size)
    else:
        store_articles(args.size)


if __name__ == "__main__":
    main()
