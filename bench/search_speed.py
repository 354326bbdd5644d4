"""6. Search: p50 and p95 latency of ten representative searches (with and without diacritics,
phrases, column and date/category filters) over an archive of generated articles.

The archive is written through `Archive.record_fetch` (raw page, article, full-text index), as a
crawl writes it; building 100,000 takes minutes, so it is kept under bench/.cache/ and reused
(delete it to build it again).
"""

from __future__ import annotations

import inspect
import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, bindparam, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from newsarchive import store
from newsarchive.derived.prepared import COLUMN_WEIGHTS as WEIGHTS
from newsarchive.store import Archive, Fetched
from newsarchive.store.query import fts5, parse_query
from newsarchive.store.reasons import one_line

from .common import Figure, Outcome, fetched_page, percentile
from .generate import GENERATOR_VERSION, Replica

MAX_P95_MS = 50.0
RUNS = 7  # timed runs per query, after one warm-up


@dataclass(frozen=True)
class Query:
    label: str
    text: str
    # since / until (ISO days) / categories, passed to the store's filter where it has one
    filters: dict[str, Any] = field(default_factory=dict)


QUERIES: tuple[Query, ...] = (
    Query("a place, with diacritics", "Hoài Đức"),
    Query("the same, without", "hoai duc"),
    Query("a phrase", '"cải cách hành chính"'),
    Query("a phrase without diacritics", '"giao thong cong cong"'),
    Query("three words", "đường sắt đô thị"),
    Query("OR", "xuất khẩu OR nhập khẩu"),
    Query("NOT", 'trông giữ xe NOT "thu phí"'),
    Query("column filter: title", 'title:"Long Biên"'),
    Query("column filter: captions", 'captions:"Hà Phong"'),
    Query(
        "date and category filters",
        "chuyen doi so",
        {"since": "2020-01-01", "until": "2022-12-31", "categories": ("Kinh tế",)},
    ),
    Query("a word in nearly every article", "Hà Nội"),
)
# A filter's articles listed newest first (what a browser of the archive shows), timed beside
# the searches.
LISTING = Query(
    "newest first, a filter",
    "",
    {"since": "2020-01-01", "until": "2022-12-31", "categories": ("Kinh tế",)},
)
_LISTED = text(
    "SELECT id, url, title, published_at FROM article WHERE category IN :categories "
    "AND published_at >= :since AND published_at < :until ORDER BY published_at DESC LIMIT 10"
).bindparams(bindparam("categories", expanding=True))


def build_archive(count: int, db: Path, *, seed: int = 7, progress: bool = False) -> Path:
    """An archive of `count` generated articles at `db`, written through the store once."""
    done = db.with_name(db.name + ".complete")
    if done.exists() and db.exists():
        return db
    for path in db.parent.glob(db.name + "*"):
        path.unlink()
    site = Replica(count, seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    with Archive.open(f"sqlite:///{db}") as archive:
        for i in range(count):
            article = site.article(i)
            raw = fetched_page(article.url, site.page(i), start + timedelta(seconds=i))
            archive.record_fetch(raw, article=article, page_kind="article")
            if progress and (i + 1) % 10_000 == 0:
                rate = (i + 1) / (time.perf_counter() - began)
                print(f"  search archive: {i + 1:,}/{count:,} articles ({rate:,.0f}/s)", flush=True)
    done.write_text(json.dumps({"articles": count, "seed": seed}), encoding="utf-8")
    return db


PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"  # BENCH_PG_URL; empty: none
PG_DATABASE = "newsarchive_bench_search"
BATCH = 200  # fetches per transaction, as a crawl writes them


def pg_archive(server: str, count: int, *, seed: int = 7, progress: bool = False) -> str | None:
    """The URL of the same generated articles in PostgreSQL (a database of the bench's own, a
    schema per size), written through `record_fetches` once; None where no server answers.
    Raw pages are small stand-ins there: search never reads them, and the disk is shared."""
    admin = create_engine(
        PG_SERVER, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_DATABASE}
            ).first()
            if exists is None:
                connection.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    except OperationalError as exc:
        print(f"  search: no PostgreSQL at {server} ({one_line(exc.orig)})", flush=True)
        return None
    finally:
        admin.dispose()
    schema = f"search_{count}_g{GENERATOR_VERSION}"
    database = make_url(server).set(database=PG_DATABASE)
    engine = create_engine(database, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            done = connection.execute(
                text(
                    "SELECT 1 FROM information_schema.tables WHERE table_schema = :s "
                    "AND table_name = 'bench_complete'"
                ),
                {"s": schema},
            ).first()
            if done is not None:
                return _schema_url(database, schema)
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    finally:
        engine.dispose()
    url = _schema_url(database, schema)
    site = Replica(count, seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    with Archive.open(url) as archive:
        for first in range(0, count, BATCH):
            batch = []
            for i in range(first, min(count, first + BATCH)):
                article = site.article(i)
                body = f"<html>{i}</html>".encode()
                raw = fetched_page(article.url, body, start + timedelta(seconds=i))
                batch.append(Fetched(raw, article, "article"))
            archive.record_fetches(batch)
            if progress and (first + BATCH) % 10_000 == 0:
                rate = (first + BATCH) / (time.perf_counter() - began)
                print(
                    f"  search archive (PostgreSQL): {first + BATCH:,}/{count:,} ({rate:,.0f}/s)",
                    flush=True,
                )
    engine = create_engine(database, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.execute(text(f"CREATE TABLE {schema}.bench_complete (articles integer)"))
    finally:
        engine.dispose()
    return url


def _schema_url(database: URL, schema: str) -> str:
    url = database.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def cached_archive(count: int, cache: Path, *, progress: bool = False) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    db = cache / f"search-{count}-g{GENERATOR_VERSION}.db"
    return build_archive(count, db, progress=progress)


def _search_call(archive: Archive, query: Query) -> tuple[Any, str]:
    """A call running `query` through the store, and how its filters were applied."""
    if not query.filters:
        return (lambda: archive.search(query.text, limit=10)), ""
    parameters = inspect.signature(archive.search).parameters
    make_filter = getattr(store, "ArticleFilter", None)  # the store's filters, where it has them
    if "chosen" in parameters and make_filter is not None:
        chosen = make_filter(
            since=date.fromisoformat(query.filters["since"]),
            until=date.fromisoformat(query.filters["until"]),
            categories=tuple(query.filters["categories"]),
        )
        return (lambda: archive.search(query.text, limit=10, chosen=chosen)), "store filter"
    # No filters in this version of the store: the query alone, said so in the table.
    return (lambda: archive.search(query.text, limit=10)), "filters not supported: query only"


def _listing_call(engine: Engine, query: Query) -> Any:
    """A call listing the filter's articles newest first, straight from the article table."""
    filters = query.filters
    parameters = {
        "categories": list(filters["categories"]),
        "since": f"{filters['since']}T00:00:00+07:00",
        "until": f"{date.fromisoformat(filters['until']) + timedelta(days=1)}T00:00:00+07:00",
    }

    def listed() -> list[Any]:
        with engine.connect() as connection:
            return list(connection.execute(_LISTED, parameters))

    return listed


def timed(url: str) -> tuple[int, list[float], list[tuple[Query, str, int, float]]]:
    """The archive's size, every timed run, and per query: how, hits, median."""
    timings: list[float] = []
    rows = []
    engine = create_engine(url)
    try:
        with Archive.open(url) as archive:
            stored = archive.article_count()
            for query in (*QUERIES, LISTING):
                if query is LISTING:
                    call, how = _listing_call(engine, query), "SQL on `article`"
                else:
                    call, how = _search_call(archive, query)
                hits = call()
                own = []
                for _ in range(RUNS):
                    start = time.perf_counter()
                    call()
                    own.append(time.perf_counter() - start)
                timings += own
                rows.append((query, how, len(hits), sorted(own)[len(own) // 2]))
    finally:
        engine.dispose()
    return stored, timings, rows


def run(
    count: int,
    cache: Path,
    *,
    progress: bool = False,
    profile: bool = True,
    pg_server: str | None = None,
) -> Outcome:
    """The searches timed on SQLite and, given a server, on PostgreSQL."""
    db = cached_archive(count, cache, progress=progress)
    engines = {"SQLite": f"sqlite:///{db}"}
    on_pg = None if pg_server is None else pg_archive(pg_server, count, progress=progress)
    if on_pg is not None:
        engines[f"PostgreSQL {_pg_version(on_pg)}"] = on_pg
    outcome = Outcome()
    for name, url in engines.items():
        stored, timings, rows = timed(url)
        p50, p95 = percentile(timings, 0.50) * 1000, percentile(timings, 0.95) * 1000
        key = "search" if name == "SQLite" else "pg_search"
        outcome.numbers |= {f"{key}_p50_ms": p50, f"{key}_p95_ms": p95}
        outcome.figures.append(
            Figure(
                "6. Search",
                f"{name}: {len(QUERIES)} searches and a listing over {stored:,} articles, "
                f"limit 10 ({len(timings)} timed runs)",
                f"p50 {p50:.1f} ms, p95 {p95:.1f} ms",
                bar=f"p95 < {MAX_P95_MS:.0f} ms",
                met=p95 < MAX_P95_MS,
            )
        )
        shared = _shared_with_bm25(db, url) if name == "SQLite" else {}
        outcome.details += [
            f"### {name}: searches over {stored:,} articles (median of {RUNS} runs each)",
            "",
            "| query | kind | filters | hits | median ms | best 10 shared with a full bm25 |",
            "|---|---|---|---:|---:|---:|",
        ]
        for query, how, hits, median in rows:
            filters = ", ".join(f"{k}={v}" for k, v in query.filters.items())
            note = f"{filters} ({how})" if filters else ""
            text_ = query.text.replace("|", "\\|") or "(no words)"
            agreement = shared.get(query.text, "")
            outcome.details.append(
                f"| `{text_}` | {query.label} | {note} | {hits} | {median * 1000:.1f} "
                f"| {agreement} |"
            )
        outcome.details.append("")
    if profile and outcome.numbers["search_p95_ms"] >= MAX_P95_MS:
        outcome.details += diagnose(db)
    return outcome


def _pg_version(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar()).split()[0]
    finally:
        engine.dispose()


def _shared_with_bm25(db: Path, url: str) -> dict[str, str]:
    """For each search without filters: how many of its best ten are among the best ten of
    FTS5's bm25 over every match (same weights), the ranking the store had before it ranked
    from precomputed weights."""
    weights = ", ".join(map(str, WEIGHTS))
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    shared = {}
    try:
        with Archive.open(url) as archive:
            for query in QUERIES:
                if query.filters:
                    continue
                full = {
                    row[0]
                    for row in conn.execute(
                        "SELECT a.url FROM article_fts JOIN article AS a "
                        "ON a.id = article_fts.rowid WHERE article_fts MATCH ? "
                        f"ORDER BY bm25(article_fts, {weights}) LIMIT 10",
                        (fts5(parse_query(query.text)),),
                    )
                }
                found = {hit.url for hit in archive.search(query.text, limit=10)}
                shared[query.text] = f"{len(found & full)}/10"
    finally:
        conn.close()
    return shared


def diagnose(db: Path) -> list[str]:
    """Where a search's time goes, in SQL alone: how many articles match, FTS5 ranking them
    (bm25 top 10 over `article_fts` alone), and ranking first, then reading only the ten rows
    and their highlights (a shape the store could take)."""
    weights = ", ".join(map(str, WEIGHTS))
    marked = ", ".join(f"highlight(article_fts, {i}, '[', ']')" for i in range(4))
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)

    def rank(query: str) -> list[int]:
        return [
            row[0]
            for row in conn.execute(
                f"SELECT rowid, bm25(article_fts, {weights}) AS r FROM article_fts "
                "WHERE article_fts MATCH ? ORDER BY r LIMIT 10",
                (query,),
            )
        ]

    def rank_then_read(query: str) -> None:
        ids = rank(query)
        marks = ", ".join("?" for _ in ids)
        conn.execute(
            f"SELECT rowid, {marked} FROM article_fts "
            f"WHERE article_fts MATCH ? AND rowid IN ({marks})",
            (query, *ids),
        ).fetchall()
        conn.execute(
            "SELECT id, url, title, sapo, body_text, published_at FROM article "
            f"WHERE id IN ({marks})",
            ids,
        ).fetchall()

    lines = [
        "### Where a search's time goes (SQL alone, median of 5; the query text only, no filters)",
        "",
        "| query | matching articles | FTS5 bm25 top 10 alone, ms "
        "| rank first, then read 10 rows, ms |",
        "|---|---:|---:|---:|",
    ]
    try:
        for query in QUERIES:
            folded = fts5(parse_query(query.text))
            matching = conn.execute(
                "SELECT count(*) FROM article_fts WHERE article_fts MATCH ?", (folded,)
            ).fetchone()[0]
            alone = _median_ms(partial(rank, folded))
            then = _median_ms(partial(rank_then_read, folded))
            text = query.text.replace("|", "\\|")
            lines.append(f"| `{text}` | {matching:,} | {alone:.1f} | {then:.1f} |")
    finally:
        conn.close()
    return [*lines, ""]


def _median_ms(call: Callable[[], object], runs: int = 5) -> float:
    call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return sorted(times)[runs // 2] * 1000
