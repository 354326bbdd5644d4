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

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from newsarchive.config import CrawlSettings
from newsarchive.prepare import Prepared, prepare
from newsarchive.store import Archive, Fetched, RawPage

from .generate import GENERATOR_VERSION, Replica

PART = 50_000  # articles made at a time
FULL_RAW = 300_000  # every article up to here keeps its real-sized page
RAW_SAMPLE = 10  # past FULL_RAW, one article in this many keeps its page
SEED = 7
BATCH = CrawlSettings().write_batch
_HEADERS = (("content-type", "text/html; charset=utf-8"), ("server", "nginx"))
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


Batch = list[tuple[Fetched, Fetched]]  # each article with its page, and without


def fetches(first: int, last: int) -> Iterator[Batch]:
    """Articles `first` to `last` (excluded) of the sequence, in batches: each as a prepared
    fetch with its page, and (where no engine keeps its page) without."""
    number = first
    while number < last:
        part = number // PART
        site = Replica(PART, SEED + part, first=part * PART)
        end = min(last, (part + 1) * PART)
        while number < end:
            upto = min(end, number + BATCH)
            yield [_fetch(site, n - part * PART, n) for n in range(number, upto)]
            number = upto


def _fetch(site: Replica, index: int, number: int) -> tuple[Fetched, Fetched]:
    article = site.article(index)
    kept = any(keeps_raw(engine, number) for engine in ("sqlite", "postgresql"))
    body = site.page(index) if kept else b""
    raw = RawPage(
        url=article.url,
        fetch_url=article.url,
        final_url=article.url,
        status=200,
        outcome="ok",
        headers=_HEADERS,
        body=body,
        fetched_at=_START + timedelta(seconds=number),
    )
    whole = Fetched(raw, article, "article", prepared=prepare(body, article))
    ready = _given(whole.prepared)
    bare = Fetched(
        replace(raw, body=b""),
        article,
        "article",
        prepared=Prepared(None, ready.content_hash, ready.folded),
    )
    return whole, bare


def _given(value: Prepared | None) -> Prepared:
    assert value is not None
    return value


def _check_room(folder: Path) -> None:
    floor = float(os.environ.get("SCALE_MIN_FREE_GB", "8"))
    free = shutil.disk_usage(folder).free / 1e9
    if free < floor:
        raise DiskFull(f"{free:.1f} GB free on the disk of {folder}, under {floor:g} GB")


Progress = Callable[[str], None]


def grow(
    targets: list[Engine], size: int, room: Path, *, progress: Progress = print
) -> dict[str, int]:
    """Grow every engine's archive to `size` articles (those holding more are left as they
    are); the articles each holds at the end. DiskFull when `room`'s disk runs short."""
    held: dict[str, int] = {}
    archives = {}
    try:
        for engine in targets:
            ensure_database(engine.url)
            archives[engine.name] = Archive.open(engine.url)
            held[engine.name] = archives[engine.name].article_count()
        start = min(held.values(), default=size)
        began, last_said = time.perf_counter(), 0.0
        for batch in fetches(start, size):
            _check_room(room)
            first = batch[0][0].raw.fetched_at - _START
            number = int(first.total_seconds())
            for name, archive in archives.items():
                if held[name] <= number:
                    archive.record_fetches(
                        [
                            whole if keeps_raw(name, number + i) else bare
                            for i, (whole, bare) in enumerate(batch)
                        ]
                    )
                    held[name] = number + len(batch)
            now = time.perf_counter()
            if now - last_said > 30:
                done = number + len(batch) - start
                rate = done / (now - began)
                left = (size - number - len(batch)) / rate if rate else 0
                counts = ", ".join(f"{n} {c:,}" for n, c in held.items())
                progress(f"  build to {size:,}: {counts} ({rate:,.0f} articles/s, {left / 60:.0f} min left)")
                last_said = now
    finally:
        for archive in archives.values():
            archive.close()
    return held


def held_counts(targets: list[Engine]) -> dict[str, int]:
    found = {}
    for engine in targets:
        ensure_database(engine.url)
        with Archive.open(engine.url) as archive:
            found[engine.name] = archive.article_count()
    return found


def main() -> None:
    import argparse

    from .common import CACHE

    parser = argparse.ArgumentParser(description="Grow the scale archives to a size.")
    parser.add_argument("--to", type=int, required=True)
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    held = grow(engines(CACHE), args.to, CACHE, progress=lambda line: print(line, flush=True))
    print(json.dumps(held))


if __name__ == "__main__":
    main()
