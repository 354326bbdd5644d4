"""3. Store speed: articles per second written through `Archive.record_fetches` (raw page, article
with its parts, full-text index, frontier, revisions where the store keeps them), against plain
`sqlite3.executemany` of the very rows that run left behind, into the same tables (the floor).

The workload: `count` new articles, then `updates` of them fetched again with one paragraph
changed (the store's update path: a new raw page, the article rewritten, a revision where the
schema has one). Pages, records and what the reader prepares for the store (`prepare`, timed on
its own in the details) are made before the clock starts.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsarchive.config import CrawlSettings
from newsarchive.derived.prepared import Prepared, prepare
from newsarchive.record import Article
from newsarchive.store import Archive, Fetched, RawPage
from newsarchive.store.dialect import SQLITE_PRAGMAS
from newsarchive.store.models import Base

from .common import Figure, Outcome, fetched_page
from .generate import Replica
from .profiling import STORE_RULES, in_process, record

MIN_FLOOR_SHARE = 1 / 3
MIN_RATE = 1000.0  # articles per second
WRITE_BATCH = CrawlSettings().write_batch  # fetches per transaction, as a crawl writes them


@dataclass(frozen=True)
class Fetch:
    raw: RawPage
    article: Article
    prepared: Prepared


def fetches(count: int, updates: int, seed: int = 11) -> list[Fetch]:
    """`count` new articles, then the first `updates` of them again, changed."""
    site = Replica(count, seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    found = []
    for i in range(count):
        found.append(_fetch(site.article(i), site.page(i), start + timedelta(seconds=i)))
    for i in range(min(updates, count)):
        changed = site.changed(i)
        page = site.page(i).replace(b"</body>", b"<!-- updated --></body>")
        found.append(_fetch(changed, page, start + timedelta(days=1, seconds=i)))
    return found


def _fetch(article: Article, page: bytes, at: datetime) -> Fetch:
    return Fetch(fetched_page(article.url, page, at), article, prepare(page, article))


def write_through_store(items: list[Fetch], db: Path, batch: int = WRITE_BATCH) -> float:
    """Seconds to record every fetch through the store into a new archive, `batch` fetches per
    `Archive.record_fetches` call (one transaction), as a crawl writes them."""
    with Archive.open(f"sqlite:///{db}") as archive:
        start = time.perf_counter()
        for first in range(0, len(items), batch):
            archive.record_fetches(
                [
                    Fetched(i.raw, i.article, "article", prepared=i.prepared)
                    for i in items[first : first + batch]
                ]
            )
        return time.perf_counter() - start


def tables_in_order(db: Path) -> list[str]:
    """The archive's tables, parents before children, the full-text table last (its shadow
    tables are its own business)."""
    with sqlite3.connect(db) as conn:
        present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    ordered = [t.name for t in Base.metadata.sorted_tables if t.name in present]
    extra = sorted(
        name
        for name in present
        if name not in ordered
        and name != "alembic_version"
        and not name.startswith(("sqlite_", "article_fts"))
        and _is_table(db, name)
    )
    return ordered + extra + (["article_fts"] if "article_fts" in present else [])


def _is_table(db: Path, name: str) -> bool:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT type FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    return bool(row and row[0] == "table")


def write_floor(source: Path, target: Path) -> tuple[float, dict[str, int]]:
    """Seconds to insert every row of `source` into the same tables of the empty archive
    `target` with plain `executemany`, in one transaction; and the rows per table."""
    Archive.open(f"sqlite:///{target}").close()  # the same schema, made the same way
    rows: dict[str, tuple[str, list[tuple[object, ...]]]] = {}
    with sqlite3.connect(source) as conn:
        for table in tables_in_order(source):
            if table == "article_fts":
                columns = ["rowid", *_fts_columns(conn)]
            else:
                columns = [c[1] for c in conn.execute(f'PRAGMA table_info("{table}")')]
            names = ", ".join(columns)
            found = conn.execute(f'SELECT {names} FROM "{table}"').fetchall()
            marks = ", ".join("?" for _ in columns)
            rows[table] = (f'INSERT INTO "{table}" ({names}) VALUES ({marks})', found)
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        for pragma in SQLITE_PRAGMAS:
            conn.execute(pragma)
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for statement, values in rows.values():
            conn.executemany(statement, values)
        conn.execute("COMMIT")
        seconds = time.perf_counter() - start
    finally:
        conn.close()
    return seconds, {table: len(values) for table, (_, values) in rows.items()}


def _fts_columns(conn: sqlite3.Connection) -> list[str]:
    return [c[1] for c in conn.execute('PRAGMA table_info("article_fts")')]


def run(count: int, updates: int, workdir: Path, *, profile: bool = True) -> Outcome:
    items = fetches(count, updates)
    store_db, floor_db = workdir / "store.db", workdir / "floor.db"
    for path in workdir.glob("*.db*"):
        path.unlink()
    seconds = write_through_store(items, store_db)
    floor_seconds, counts = write_floor(store_db, floor_db)
    writes = len(items)
    rate, floor_rate = writes / seconds, writes / floor_seconds
    share = rate / floor_rate
    met = share >= MIN_FLOOR_SHARE and rate >= MIN_RATE
    section = "3. Store speed"
    outcome = Outcome(numbers={"store_rate": rate, "store_floor_rate": floor_rate})
    outcome.figures.append(
        Figure(
            section,
            f"`record_fetches`, {WRITE_BATCH} per transaction: {count} new + "
            f"{min(updates, count)} changed articles",
            f"{rate:,.0f} articles/s",
            f"`executemany` of the same rows: {floor_rate:,.0f} articles/s",
            f"{share:.3f} of the floor (1/{1 / share:.0f})",
            "≥ 1/3 of the floor and ≥ 1,000/s",
            met,
        )
    )
    # What a crawl's reader works out for the store, off the crawl's own process (`prepare`):
    # not in the figure, which starts from prepared fetches as the crawl hands them over; shown
    # here so that the whole of the work is on the page.
    started = time.perf_counter()
    for item in items:
        prepare(item.raw.body, item.article)
    preparing = time.perf_counter() - started
    whole = writes / (seconds + preparing)
    outcome.details += [
        "### Work done for the store before it is called",
        "",
        "`prepare` (body compressed and hashed, content hash, text folded and its words weighed "
        f"for search), which a crawl runs in its reading worker: "
        f"{preparing / writes * 1000:.3f} ms an article. The "
        f"figure above starts from prepared fetches; with `prepare` counted in, the store would "
        f"write {whole:,.0f} articles/s, {whole / floor_rate:.3f} of the floor.",
        "",
        "### Rows written by the store run (and by the floor)",
        "",
        "| table | rows |",
        "|---|---:|",
        *(f"| {table} | {n:,} |" for table, n in counts.items()),
        "",
    ]
    if profile and not met:
        outcome.details += profile_store(min(count, 1000))
    return outcome


def profile_store(count: int) -> list[str]:
    title = f"Where `record_fetches` spends its time ({count} new + {count // 4} changed)"
    found = record(
        [sys.executable, "-m", "bench.profile_target", "store", "--size", str(count)],
        STORE_RULES,
        within="write_through_store",
        native=True,
        title=title,
    )
    if found:
        return found
    items = fetches(count, count // 4)
    with tempfile.TemporaryDirectory() as folder:
        return in_process(lambda: write_through_store(items, Path(folder) / "p.db"), title)
