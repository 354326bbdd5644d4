"""What the archive holds, counted: articles by layout, month and category, how often each
field is filled, raw pages and their bodies, revisions, and the last crawl.

On a million articles every pass over the article table costs seconds (its rows hold whole
texts), so every count is read from an index: the columns from theirs (partial ones for `sapo`
and `updated_at`), the list fields from their own tables' keys, months from the index on
`published_at`, and body sizes from the index on `raw_body.size` and their stored sizes from
`raw_body_size`'s (on SQLite, reading either from `raw_body` reads a page per body)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from .models import (
    ArticleAuthorRow,
    ArticleCaptionRow,
    ArticleImageRow,
    ArticleRevisionRow,
    ArticleRow,
    ArticleTagRow,
    CrawlRunRow,
    RawBodyRow,
    RawBodySizeRow,
    RawPageRow,
)


@dataclass(frozen=True, slots=True)
class LastCrawl:
    started_at: datetime
    finished_at: datetime | None  # None while it runs, or if it was killed
    exit_status: int | None
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class ArchiveStats:
    articles: int
    by_layout: list[tuple[str, int]]
    by_month: list[tuple[str | None, int]]  # "YYYY-MM" in Hanoi time; None: undated
    by_category: list[tuple[str | None, int]]  # None: no category
    filled: list[tuple[str, int]]  # (record field, articles where it is not empty)
    revisions: int
    raw_pages: int
    raw_bodies: int
    body_bytes: int  # uncompressed
    compressed_bytes: int
    file_bytes: int | None  # the SQLite file and its write-ahead log; None for a server database
    last_crawl: LastCrawl | None
    database_bytes: int | None = None  # a server database's size on disk; None for SQLite


# Record fields kept in a column of the article, and those kept in a table of their own: a
# field counts as filled where the column is not null, or the table has a row for the article.
COLUMNS = ("sapo", "published_at", "updated_at", "category")
PARTS: dict[str, Any] = {
    "authors": ArticleAuthorRow,
    "captions": ArticleCaptionRow,
    "images": ArticleImageRow,
    "tags": ArticleTagRow,
}
# The order `stats` shows them in.
COVERAGE = (
    "sapo",
    "authors",
    "captions",
    "images",
    "published_at",
    "updated_at",
    "category",
    "tags",
)


def archive_stats(session: Session, file_bytes: int | None) -> ArchiveStats:
    month = func.substr(ArticleRow.published_at, 1, 7)
    articles = _count(session, ArticleRow)
    # One count each, from an index where the column is not null (partial for two of them).
    filled = {
        name: _count(session, ArticleRow, getattr(ArticleRow, name).is_not(None))
        for name in COLUMNS
    }
    for name, part in PARTS.items():
        # Each article's list starts at position 0: its first rows, one an article, counted
        # in one pass over the key (no distinct ids to sort).
        filled[name] = _count(session, part, part.position == 0)
    bodies, body_bytes = session.execute(
        select(func.count(RawBodyRow.size), func.coalesce(func.sum(RawBodyRow.size), 0))
    ).one()
    postgresql = session.get_bind().dialect.name == "postgresql"
    return ArchiveStats(
        articles=articles,
        by_layout=_grouped(session, ArticleRow.layout),
        by_month=_grouped(session, month),
        by_category=_grouped(session, ArticleRow.category),
        filled=[(name, filled[name]) for name in COVERAGE],
        revisions=_count(session, ArticleRevisionRow),
        raw_pages=_count(session, RawPageRow),
        raw_bodies=int(bodies),
        body_bytes=int(body_bytes),
        compressed_bytes=int(
            session.scalar(select(func.coalesce(func.sum(RawBodySizeRow.stored), 0))) or 0
        ),
        file_bytes=file_bytes,
        last_crawl=_last_crawl(session),
        database_bytes=(
            int(session.scalar(select(func.pg_database_size(func.current_database()))) or 0)
            if postgresql
            else None
        ),
    )


@dataclass(frozen=True, slots=True)
class GenericReads:
    """How much of the archive the generic reader read (layout `generic`, or a confidence below
    a bound): of all its articles, and which of the latest stored ones."""

    read: int
    articles: int
    latest: list[tuple[str, bool]]  # (url, read generically), oldest first


def generic_reads(session: Session, below: float, latest: int) -> GenericReads:
    generic = or_(ArticleRow.layout == "generic", ArticleRow.confidence < below)
    last = session.execute(
        select(ArticleRow.url, ArticleRow.layout, ArticleRow.confidence)
        .order_by(ArticleRow.id.desc())
        .limit(latest)
    ).all()
    return GenericReads(
        read=_count(session, ArticleRow, generic),
        articles=_count(session, ArticleRow),
        latest=[
            (url, layout == "generic" or (confidence is not None and confidence < below))
            for url, layout, confidence in reversed(last)
        ],
    )


def _count(session: Session, model: Any, *where: ColumnElement[bool]) -> int:
    """Rows of `model` where `where` holds: count(*), so that an index alone may answer."""
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _grouped(session: Session, key: Any) -> list[tuple[Any, int]]:
    """Articles per value of `key`, in the value's order (None last): by code point on either
    engine, whatever collation a PostgreSQL database was made with."""
    order = key.collate("C") if session.get_bind().dialect.name == "postgresql" else key
    rows = session.execute(
        # count(*), not of a column: PostgreSQL may then count from the key's index alone.
        select(key, func.count())
        .select_from(ArticleRow)
        .group_by(key)
        .order_by(key.is_(None), order)
    )
    return [(value, int(count)) for value, count in rows]


def _last_crawl(session: Session) -> LastCrawl | None:
    run = session.scalars(
        select(CrawlRunRow).order_by(CrawlRunRow.started_at.desc(), CrawlRunRow.id.desc()).limit(1)
    ).one_or_none()
    if run is None:
        return None
    counts = json.loads(run.counts) if run.counts else {}
    return LastCrawl(
        started_at=run.started_at,
        finished_at=run.finished_at,
        exit_status=run.exit_status,
        counts={str(k): int(v) for k, v in counts.items()},
    )
