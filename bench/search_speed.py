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

from newsarchive import store
from newsarchive.fold import fold_query
from newsarchive.store import Archive, RawPage
from newsarchive.store.search import WEIGHTS

from .common import Figure, Outcome, percentile
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
)


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
            raw = RawPage(
                url=article.url,
                fetch_url=article.url,
                final_url=article.url,
                status=200,
                outcome="ok",
                headers=(("content-type", "text/html; charset=utf-8"),),
                body=site.page(i),
                fetched_at=start + timedelta(seconds=i),
            )
            archive.record_fetch(raw, article=article, page_kind="article")
            if progress and (i + 1) % 10_000 == 0:
                rate = (i + 1) / (time.perf_counter() - began)
                print(f"  search archive: {i + 1:,}/{count:,} articles ({rate:,.0f}/s)", flush=True)
    done.write_text(json.dumps({"articles": count, "seed": seed}), encoding="utf-8")
    return db


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


def run(count: int, cache: Path, *, progress: bool = False, profile: bool = True) -> Outcome:
    db = cached_archive(count, cache, progress=progress)
    timings: list[float] = []
    rows = []
    with Archive.open(f"sqlite:///{db}") as archive:
        stored = archive.article_count()
        for query in QUERIES:
            call, how = _search_call(archive, query)
            hits = call()
            own = []
            for _ in range(RUNS):
                start = time.perf_counter()
                call()
                own.append(time.perf_counter() - start)
            timings += own
            rows.append((query, how, len(hits), sorted(own)[len(own) // 2]))
    p50, p95 = percentile(timings, 0.50) * 1000, percentile(timings, 0.95) * 1000
    outcome = Outcome(numbers={"search_p50_ms": p50, "search_p95_ms": p95})
    outcome.figures.append(
        Figure(
            "6. Search",
            f"ten searches over {stored:,} articles, limit 10 ({len(timings)} timed runs)",
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms",
            bar=f"p95 < {MAX_P95_MS:.0f} ms",
            met=p95 < MAX_P95_MS,
        )
    )
    outcome.details += [
        f"### Searches over {stored:,} articles (median of {RUNS} runs each)",
        "",
        "| query | kind | filters | hits | median ms |",
        "|---|---|---|---:|---:|",
    ]
    for query, how, hits, median in rows:
        filters = ", ".join(f"{k}={v}" for k, v in query.filters.items())
        note = f"{filters} ({how})" if filters else ""
        text = query.text.replace("|", "\\|")
        outcome.details.append(
            f"| `{text}` | {query.label} | {note} | {hits} | {median * 1000:.1f} |"
        )
    outcome.details.append("")
    if profile and p95 >= MAX_P95_MS:
        outcome.details += diagnose(db)
    return outcome


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
            folded = fold_query(query.text)
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
