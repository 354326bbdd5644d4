"""Article history: earlier versions of an article kept as revisions, and reading them back.

A re-crawl that finds changed text or dates (`REVISED_FIELDS`) keeps the version it replaces in
`article_revision`. Changes to the link boxes, tags, images or category alone update the article
in place: "Tin mới" and "Đọc nhiều" boxes change daily, and a revision for each would bury the
edits that matter under noise.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsarchive.record import Article

from .dialect import insert_rows
from .models import ArticleRevisionRow, ArticleRow, table_of

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
    raw_page_id: int | None = None  # the last capture it was read from


def is_revision(old: Article, new: Article) -> bool:
    """Whether `new` changes what a reader reads in `old` (not only its links or tags)."""
    before, after = old.to_dict(), new.to_dict()
    return any(before[name] != after[name] for name in REVISED_FIELDS)


def keep_revisions(session: Session, kept: Sequence[tuple[ArticleRow, Article, datetime]]) -> None:
    """Keep each `current` version, the one stored in its `row`, as a revision superseded at
    `seen_at`.

    Call before the rows are overwritten: their seen times and captures are those versions'.
    """
    since = versions_since(session, [row for row, _, _ in kept])
    rows = [
        {
            "article_id": row.id,
            "record": json.dumps(current.to_dict(), ensure_ascii=False),
            "content_hash": row.content_hash,
            "first_seen_at": since[row.id],
            "last_seen_at": row.last_seen_at,
            "superseded_at": seen_at,
            "raw_page_id": row.raw_page_id,
        }
        for row, current, seen_at in kept
    ]
    insert_rows(session.connection(), table_of(ArticleRevisionRow), rows)


def version_since(session: Session, row: ArticleRow) -> datetime:
    """When the version now in `row` was first seen: when it superseded the last revision, or
    when the article was first seen if it has none."""
    return versions_since(session, [row])[row.id]


def versions_since(session: Session, rows: Sequence[ArticleRow]) -> dict[int, datetime]:
    """`version_since` for each row, by article id."""
    since = {row.id: row.first_seen_at for row in rows}
    revision = ArticleRevisionRow
    for article_id, superseded_at in session.execute(
        select(revision.article_id, revision.superseded_at)
        .where(revision.article_id.in_(list(since)))
        .order_by(revision.id)
    ):
        since[article_id] = superseded_at  # the latest revision's, read last
    return since


def revisions(session: Session, article_id: int) -> list[Version]:
    """The earlier versions of an article, oldest first."""
    return [
        Version(
            article=Article.from_dict(_record(revision.record)),
            content_hash=revision.content_hash,
            first_seen_at=revision.first_seen_at,
            last_seen_at=revision.last_seen_at,
            raw_page_id=revision.raw_page_id,
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
