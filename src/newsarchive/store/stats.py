"""What the archive holds, counted: articles by layout, month and category, how often each
field is filled, raw pages and their bodies, revisions, and the last crawl."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
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


def _has(part: Any) -> ColumnElement[bool]:
    return exists().where(part.article_id == ArticleRow.id)


# Which record fields count as filled, and how to tell.
COVERAGE: tuple[tuple[str, ColumnElement[bool]], ...] = (
    ("sapo", ArticleRow.sapo.is_not(None)),
    ("authors", _has(ArticleAuthorRow)),
    ("captions", _has(ArticleCaptionRow)),
    ("images", _has(ArticleImageRow)),
    ("published_at", ArticleRow.published_at.is_not(None)),
    ("updated_at", ArticleRow.updated_at.is_not(None)),
    ("category", ArticleRow.category.is_not(None)),
    ("tags", _has(ArticleTagRow)),
)


def archive_stats(session: Session, file_bytes: int | None) -> ArchiveStats:
    month = func.substr(ArticleRow.published_at, 1, 7)
    return ArchiveStats(
        articles=_count(session, ArticleRow.id),
        by_layout=_grouped(session, ArticleRow.layout),
        by_month=_grouped(session, month),
        by_category=_grouped(session, ArticleRow.category),
        filled=[(name, _count(session, ArticleRow.id, condition)) for name, condition in COVERAGE],
        revisions=_count(session, ArticleRevisionRow.id),
        raw_pages=_count(session, RawPageRow.id),
        raw_bodies=_count(session, RawBodyRow.sha256),
        body_bytes=int(session.scalar(select(func.coalesce(func.sum(RawBodyRow.size), 0))) or 0),
        compressed_bytes=int(
            session.scalar(select(func.coalesce(func.sum(func.length(RawBodyRow.body)), 0))) or 0
        ),
        file_bytes=file_bytes,
        last_crawl=_last_crawl(session),
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
        read=_count(session, ArticleRow.id, generic),
        articles=_count(session, ArticleRow.id),
        latest=[
            (url, layout == "generic" or (confidence is not None and confidence < below))
            for url, layout, confidence in reversed(last)
        ],
    )


def _count(session: Session, column: Any, *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count(column)).where(*where)) or 0)


def _grouped(session: Session, key: Any) -> list[tuple[Any, int]]:
    """Articles per value of `key`, in the value's order (None last): by code point on either
    engine, whatever collation a PostgreSQL database was made with."""
    order = key.collate("C") if session.get_bind().dialect.name == "postgresql" else key
    rows = session.execute(
        select(key, func.count(ArticleRow.id)).group_by(key).order_by(key.is_(None), order)
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
