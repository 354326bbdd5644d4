"""The archives of `make bench-scale`: generated articles written through the store, grown in
place to each size, on SQLite and on PostgreSQL, resumable.

Articles are made a part of `PART` at a time (`Replica(PART, seed, first)`: a part's articles
link to and tease one another; memory stays that of one part) and written in the store's own
batches (`Archive.record_fetches`, as a crawl writes them, bodies prepared once for both
engines). Each engine's archive holds the first N articles of one sequence, N being its article
count: a build that stops (a kill, the machine) resumes from there, on each engine separately.

Raw pages are real-sized (100 to 250 KB, see bench/generate.py, about 42 KB compressed). On
SQLite every one of the first `FULL_RAW` articles keeps its page (re-reading is measured there);
past them, and on PostgreSQL throughout, where so many pages would not fit on the build machine's
disk, one article in `RAW_SAMPLE` keeps its page and the others a raw page without body (as a
fetch whose body was dropped), so their records are searched, exported and counted like any
other. A build stops, leaving what it wrote, when the disk holds less than SCALE_MIN_FREE_GB
(default 8).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from newsarchive.config import CrawlSettings
from newsarchive.derived.prepared import prepare
from newsarchive.store import Archive, Fetched

from .common import fetched_page
from .generate import GENERATOR_VERSION, Replica

PART = 50_000  # articles made at a time
FULL_RAW = 300_000  # every article up to here keeps its real-sized page
RAW_SAMPLE = 10  # past FULL_RAW, one article in this many keeps its page
SEED = 7
BATCH = CrawlSettings().write_batch
_START = datetime(2026, 1, 1, tzinfo=UTC)
SQLITE_NAME = f"scale-g{GENERATOR_VERSION}-p{PART}.db"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/newsarchive_scale"


def keeps_raw(engine: str, number: int) -> bool:
    """Whether article `number` (0-based, in build order) is archived with its page."""
    return (engine == "sqlite" and number < FULL_RAW) or number % RAW_SAMPLE == 0


class DiskFull(Exception):
    """Less room left on the cache's disk than SCALE_MIN_FREE_GB: the build stops there."""


@dataclass(frozen=True)
class Engine:
    name: str  # "sqlite" or "postgresql"
    url: str


def engines(cache: Path) -> list[Engine]:
    """The engines of the run: SQLite under `cache`, and PostgreSQL at SCALE_PG_URL (default
    the build machine's server, a database of its own) unless SCALE_ENGINES leaves it out."""
    chosen = os.environ.get("SCALE_ENGINES", "sqlite,postgresql").split(",")
    found = []
    if "sqlite" in chosen:
        found.append(Engine("sqlite", f"sqlite:///{cache / SQLITE_NAME}"))
    if "postgresql" in chosen:
        found.append(Engine("postgresql", os.environ.get("SCALE_PG_URL", PG_URL)))
    return found


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of `url` if it does not exist (through `postgres`)."""
    target = make_url(url)
    if target.get_backend_name() != "postgresql" or not target.database:
        return
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            found = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            )
            if not found:
                conn.execute(text(f"CREATE DATABASE \"{target.database}\" ENCODING 'UTF8' "
                                  "TEMPLATE template0"))  # fmt: skip
    finally:
        admin.dispose()


def fetches(engine: str, first: int, last: int) -> Iterator[list[Fetched]]:
    """Articles `first` to `last` (excluded) of the sequence, in batches of prepared fetches,
    each with its page where `engine` keeps it (`keeps_raw`)."""
    number = first
    while number < last:
        part = number // PART
        site = Replica(PART, SEED + part, first=part * PART)
        end = min(last, (part + 1) * PART)
        while number < end:
            upto = min(end, number + BATCH)
            yield [_fetch(site, engine, n - part * PART, n) for n in range(number, upto)]
            number = upto


def _fetch(site: Replica, engine: str, index: int, number: int) -> Fetched:
    article = site.article(index)
    body = site.page(index) if keeps_raw(engine, number) else b""
    raw = fetched_page(article.url, body, _START + timedelta(seconds=number))
    return Fetched(raw, article, "article", prepared=prepare(body, article))


def _check_room(folder: Path) -> None:
    floor = float(os.environ.get("SCALE_MIN_FREE_GB", "8"))
    free = shutil.disk_usage(folder).free / 1e9
    if free < floor:
        raise DiskFull(f"{free:.1f} GB free on the disk of {folder}, under {floor:g} GB")


Progress = Callable[[str], None]


def grow(engine: Engine, size: int, room: Path, *, progress: Progress = print) -> int:
    """Grow the engine's archive to `size` articles (one holding more is left as it is); the
    articles it holds at the end. DiskFull when `room`'s disk runs short."""
    ensure_database(engine.url)
    with Archive.open(engine.url) as archive:
        held = start = archive.article_count()
        began, last_said = time.perf_counter(), time.perf_counter()
        for batch in fetches(engine.name, held, size):
            _check_room(room)
            archive.record_fetches(batch)
            held += len(batch)
            now = time.perf_counter()
            if now - last_said > 60:
                rate = (held - start) / (now - began)
                left = (size - held) / rate / 60
                progress(
                    f"  {engine.name}: {held:,} of {size:,} ({rate:,.0f}/s, {left:.0f} min left)"
                )
                last_said = now
    if held > start:
        settle(engine)
    return held


def settle(engine: Engine) -> None:
    """On PostgreSQL, `VACUUM (ANALYZE)` after a growth: what autovacuum does on a live server
    in its own time (planner statistics, index-only scans); measured before it, a bulk load's
    searches take ten times as long."""
    if engine.name != "postgresql":
        return
    server = create_engine(engine.url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text("VACUUM (ANALYZE)"))
    finally:
        server.dispose()


def held_count(engine: Engine) -> int:
    ensure_database(engine.url)
    with Archive.open(engine.url) as archive:
        return archive.article_count()


def main() -> None:
    import argparse

    from .common import CACHE

    parser = argparse.ArgumentParser(description="Grow the scale archives to a size.")
    parser.add_argument("--to", type=int, required=True)
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    for engine in engines(CACHE):
        held = grow(engine, args.to, CACHE, progress=lambda line: print(line, flush=True))
        print(f"{engine.name}: {held:,} articles")


if __name__ == "__main__":
    main()
