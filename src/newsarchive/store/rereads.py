"""Captures read again: which articles a re-parse works on, and their records rewritten in place.

A re-parse reads the same capture with a newer parser: the page did not change, so the record is
overwritten without keeping a revision (`history` keeps versions of the page, not of the parser).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from newsarchive.derived.prepared import folded_texts
from newsarchive.record import Article

from . import articles, fulltext
from .filters import ArticleFilter, conditions
from .models import ArticleRow, RawPageRow, ReparseRunRow


@dataclass(frozen=True, slots=True)
class ArticleCapture:
    """An article and the capture it was read from."""

    article_id: int
    url: str  # the article's canonical URL, as stored
    page_url: str  # the site URL that capture was fetched for: what the parser is given
    raw_page_id: int
    layout: str
    parser_version: str


@dataclass(frozen=True, slots=True)
class Reread:
    """What a re-parse did to one article: the fields that changed (none: only the parser
    version was recorded), or why it was left as it was."""

    changed: tuple[str, ...] = ()
    refused: str | None = None


def article_captures(
    session: Session, *, layout: str | None, since: date | None, after: int = 0
) -> list[ArticleCapture]:
    """Articles with a capture (body archived), by id, from the id after `after`; `since` is
    a Hanoi day of publication."""
    query = (
        select(
            ArticleRow.id,
            ArticleRow.url,
            RawPageRow.url,
            ArticleRow.raw_page_id,
            ArticleRow.layout,
            ArticleRow.parser_version,
        )
        .join(RawPageRow, RawPageRow.id == ArticleRow.raw_page_id)
        .where(
            RawPageRow.body_sha256.is_not(None),
            ArticleRow.id > after,
            *conditions(ArticleFilter(since=since)),
        )
        .order_by(ArticleRow.id)
    )
    if layout is not None:
        query = query.where(ArticleRow.layout == layout)
    return [
        ArticleCapture(article_id, url, page_url, raw_page_id, layout, version)
        for article_id, url, page_url, raw_page_id, layout, version in session.execute(query)
        if raw_page_id is not None
    ]


def record_unchanged(session: Session, read: Sequence[tuple[int, Article]]) -> None:
    """Articles read again into the very record they hold: only how they were read (the
    parser version and its provenance) is written, in one statement for all."""
    if read:
        session.execute(
            update(ArticleRow),
            [
                {"id": article_id, "parser_version": article.parser_version}
                | articles.provenance_values(article)
                for article_id, article in read
            ],
        )


@dataclass(frozen=True, slots=True)
class ReparseState:
    """A re-parse under way: its row, how far it got, what it found so far."""

    run_id: int
    done_through: int
    report: dict[str, Any]
    resumed: bool


def begin_reparse(session: Session, options: dict[str, Any], parser_version: str) -> ReparseState:
    """The re-parse with these options and parser version that stopped before its end, to go on
    with; else a new one."""
    key = json.dumps(options, sort_keys=True)
    found = session.scalars(
        select(ReparseRunRow)
        .where(
            ReparseRunRow.options == key,
            ReparseRunRow.parser_version == parser_version,
            ReparseRunRow.finished_at.is_(None),
        )
        .order_by(ReparseRunRow.id.desc())
        .limit(1)
    ).one_or_none()
    if found is not None:
        return ReparseState(found.id, found.done_through, json.loads(found.report), True)
    row = ReparseRunRow(
        options=key,
        parser_version=parser_version,
        started_at=datetime.now(UTC),
        done_through=0,
        report="{}",
    )
    session.add(row)
    session.flush()
    return ReparseState(row.id, 0, {}, False)


def note_reparse(
    session: Session, run_id: int, done_through: int, report: dict[str, Any], *, done: bool
) -> None:
    """How far a re-parse got (written with the articles it read), and whether it ended."""
    values: dict[str, Any] = {"done_through": done_through, "report": json.dumps(report)}
    if done:
        values["finished_at"] = datetime.now(UTC)
    session.execute(update(ReparseRunRow).where(ReparseRunRow.id == run_id).values(**values))


def reread_article(
    session: Session, article_id: int, article: Article, *, searchable: bool
) -> Reread:
    """Overwrite the stored record of `article_id` with `article`, read from the same capture,
    and how it was read (also when the record is unchanged)."""
    row = session.get(ArticleRow, article_id)
    if row is None:
        return Reread(refused="article no longer in the archive")
    [stored] = articles.load_articles(session, [row])
    before, after = stored.to_dict(), article.to_dict()
    changed = tuple(
        name for name in after if name != "parser_version" and before[name] != after[name]
    )
    if "url" in changed:
        taken = session.scalar(select(ArticleRow.id).where(ArticleRow.url == article.url))
        if taken is not None:
            return Reread(refused=f"now reads as {article.url}, another archived article")
    row.parser_version = article.parser_version
    # How the fields were read is the parser's, not the page's: kept whether or not the
    # record changed.
    for name, value in articles.provenance_values(article).items():
        setattr(row, name, value)
    if changed:
        articles.rewrite_article(session, row, article)
        if searchable:
            fulltext.index_articles(session, [(row.id, folded_texts(article))])
    return Reread(changed=changed)
