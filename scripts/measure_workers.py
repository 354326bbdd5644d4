"""Throughput of 1, 2, 3... `newsarchive crawl` workers sharing one PostgreSQL archive.

Serves a replica of the site (fixtures/site, or a generated one: `python -m bench.generate`) on
127.0.0.1, and for each number of workers crawls it whole into a fresh database on the server,
the workers started together as separate processes. Prints one row per run: requests the
replica answered, wall time, requests and articles per second, and the closest two requests
came (the politeness delay holds across the workers: never much below `--delay`).

    .venv/bin/python scripts/measure_workers.py --workers 1 2 3 --delay 0.05 --root /tmp/site

Needs the `postgresql` extra and a server (`--server`, default the tests' one).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from itertools import pairwise
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from replica import DEFAULT_ROOT, start_replica  # noqa: E402

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NEWSARCHIVE = [sys.executable, "-m", "newsarchive"]


def measure(server: str, site: Path, workers: int, delay: float, concurrency: int) -> str:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"newsarchive_measure_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    db = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "config.toml"
            config.write_text(
                f"[fetch]\ndelay = {delay}\nconcurrency = {concurrency}\n", encoding="utf-8"
            )
            subprocess.run([*NEWSARCHIVE, "stats", "--db", db], check=True, capture_output=True)
            with start_replica(site) as replica:
                command = [*NEWSARCHIVE, "crawl", "--config", str(config), "--db", db]
                command += ["--base-url", replica.base_url]
                started = time.monotonic()
                running = [
                    subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                    for _ in range(workers)
                ]
                for worker in running:
                    _, err = worker.communicate()
                    if worker.returncode != 0:
                        raise SystemExit(f"a worker failed ({worker.returncode}): {err.decode()}")
                elapsed = time.monotonic() - started
                times = list(replica.request_times)
            stats = subprocess.run(
                [*NEWSARCHIVE, "stats", "--json", "--db", db], check=True, capture_output=True
            )
            articles = json.loads(stats.stdout)["articles"]
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    closest = min((b - a for a, b in pairwise(times)), default=0.0)
    return (
        f"| {workers} | {delay:g} | {len(times)} | {elapsed:.1f} | {len(times) / elapsed:.1f} "
        f"| {articles} | {articles / elapsed:.1f} | {closest * 1000:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--delay", type=float, nargs="+", default=[0.05])
    parser.add_argument("--concurrency", type=int, default=2, help="[fetch] concurrency")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the site to serve")
    parser.add_argument("--server", default=SERVER, help="PostgreSQL server (any database)")
    args = parser.parse_args()
    columns = ["workers", "delay s", "requests", "wall s", "requests/s", "articles"]
    columns += ["articles/s", "closest ms"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for delay in args.delay:
        for workers in args.workers:
            print(measure(args.server, args.root, workers, delay, args.concurrency), flush=True)


if __name__ == "__main__":
    main()
