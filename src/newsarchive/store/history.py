"""Article history: earlier versions of an article kept as revisions, and reading them back.

A re-crawl that finds changed text or dates (`REVISED_FIELDS`) keeps the version it replaces in
`article_revision`. Changes to the link boxes, tags, images or category alone update the article
in place: "Tin mới" and "Đọc nhiều" boxes change daily, and a revision for each would bury the
edits that matter under noise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsarchive.record import Article

from .models import ArticleRevisionRow, ArticleRow

# The record fields whose change makes a new version (`body_text` follows `paragraphs`).
REVISED_FIELDS: tuple[str, ...] = (
    "title",
    "sapo",
    "paragraphs",
    "captions",
    "authors",
    "published_at",
    "updated_at",
)


@dataclass(frozen=True, slots=True)
class Version:
    """One version of an article and when it was seen: from its first fetch to its last."""

    article: Article
    content_hash: str
    first_seen_at: datetime
    last_seen_at: datetime


def is_revision(old: Article, new: Article) -> bool:
    """Whether `new` changes what a reader reads in `old` (not only its links or tags)."""
    before, after = old.to_dict(), new.to_dict()
    return any(before[name] != after[name] for name in REVISED_FIELDS)


def keep_revision(session: Session, row: ArticleRow, current: Article, seen_at: datetime) -> None:
    """Keep `current`, the version stored in `row`, as a revision superseded at `seen_at`.

    Call before `row` is overwritten: its seen times and capture are that version's.
    """
    session.add(
        ArticleRevisionRow(
            article_id=row.id,
            record=json.dumps(current.to_dict(), ensure_ascii=False),
            content_hash=row.content_hash,
            first_seen_at=version_since(session, row),
            last_seen_at=row.last_seen_at,
            superseded_at=seen_at,
            raw_page_id=row.raw_page_id,
        )
    )


def version_since(session: Session, row: ArticleRow) -> datetime:
    """When the version now in `row` was first seen: when it superseded the last revision, or
    when the article was first seen if it has none."""
    superseded = session.scalar(
        select(ArticleRevisionRow.superseded_at)
        .where(ArticleRevisionRow.article_id == row.id)
        .order_by(ArticleRevisionRow.id.desc())
        .limit(1)
    )
    return row.first_seen_at if superseded is None else superseded


def revisions(session: Session, article_id: int) -> list[Version]:
    """The earlier versions of an article, oldest first."""
    return [
        Version(
            article=Article.from_dict(_record(revision.record)),
            content_hash=revision.content_hash,
            first_seen_at=revision.first_seen_at,
            last_seen_at=revision.last_seen_at,
        )
        for revision in session.scalars(
            select(ArticleRevisionRow)
            .where(ArticleRevisionRow.article_id == article_id)
            .order_by(ArticleRevisionRow.id)
        )
    ]


def _record(text: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(text)
    return record
