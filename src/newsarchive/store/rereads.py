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

from sqlalchemy import Connection, bindparam, or_, select, update
from sqlalchemy.orm import Session

from newsarchive.derived.prepared import Prepared, given
from newsarchive.record import Article

from . import articles, fulltext, raw_pages
from .dialect import among
from .filters import ArticleFilter, conditions
from .models import ArticleRow, RawPageRow, ReparseRunRow, table_of

_ARTICLE = table_of(ArticleRow)


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


def sources(
    session: Session, chunk: Sequence[ArticleCapture]
) -> tuple[dict[int, bytes], dict[int, Article]]:
    """What reading `chunk` again takes: the captures' bodies as stored (zlib), by raw page id,
    and the articles' records as stored (to compare with), by id; a query per table."""
    bodies = raw_pages.packed_bodies(session, [capture.raw_page_id for capture in chunk])
    return bodies, articles.articles_by_id(session, [capture.article_id for capture in chunk])


@dataclass(frozen=True, slots=True)
class ReadAgain:
    """A record read again from its article's own capture, and, where the reader found it
    differs from the stored one, what the store derives from it to rewrite it (`prepared`:
    content hash, folded texts, word weights); None where it is the same."""

    article_id: int
    article: Article
    prepared: Prepared | None = None


def reread_articles(
    session: Session, reads: Sequence[ReadAgain], *, searchable: bool
) -> list[Reread]:
    """Store records read again from their articles' own captures, in `reads`' order: those
    that differ from the stored record overwritten in place, parts and search entries with
    them, and how each was read (parser version, provenance), also where the record is the
    same. Each kind of row in one statement for all."""
    connection = session.connection()
    differing = [read for read in reads if read.prepared is not None]
    # Compared again in the writing transaction: what the reader saw may be seconds old.
    outcomes = _compared(
        connection,
        differing,
        articles.articles_by_id(session, [read.article_id for read in differing]),
    )
    rewritten = [
        (read, given(read.prepared)) for read in differing if outcomes[read.article_id].changed
    ]
    # Rewritten whole, or left as they were: how the others were read is noted on its own.
    settled = {read.article_id for read, _ in rewritten} | {
        key for key, outcome in outcomes.items() if outcome.refused is not None
    }
    _note_read(connection, [read for read in reads if read.article_id not in settled])
    articles.rewrite_articles(
        connection,
        [(read.article_id, read.article, given(ready.content_hash)) for read, ready in rewritten],
    )
    if searchable and rewritten:
        fulltext.index_articles(
            session,
            [(read.article_id, given(ready.folded)) for read, ready in rewritten],
            [given(ready.weights) for _, ready in rewritten],
        )
    return [outcomes.get(read.article_id, Reread()) for read in reads]


def _compared(
    connection: Connection, reads: Sequence[ReadAgain], stored: dict[int, Article]
) -> dict[int, Reread]:
    """What rewriting each of `reads` changes, by article id, or why it is refused: its article
    is gone, or its new URL is another article's (as the articles before it in `reads` leave
    the URLs: one may give up a URL a later one takes)."""
    moving = [
        read.article.url
        for read in reads
        if read.article_id in stored and stored[read.article_id].url != read.article.url
    ]
    holders: dict[str, int] = {}  # URL: the article holding it, as the rewrites go
    if moving:
        found = select(_ARTICLE.c.url, _ARTICLE.c.id).where(
            among(connection, _ARTICLE.c.url, moving)
        )
        holders.update((held, key) for held, key in connection.execute(found))
    outcomes: dict[int, Reread] = {}
    for read in reads:
        before = stored.get(read.article_id)
        if before is None:
            outcomes[read.article_id] = Reread(refused="article no longer in the archive")
            continue
        old, new = before.to_dict(), read.article.to_dict()
        changed = tuple(name for name in new if name != "parser_version" and old[name] != new[name])
        if "url" in changed:
            if read.article.url in holders:
                outcomes[read.article_id] = Reread(
                    refused=f"now reads as {read.article.url}, another archived article"
                )
                continue
            if holders.get(before.url) == read.article_id:
                del holders[before.url]
            holders[read.article.url] = read.article_id
        outcomes[read.article_id] = Reread(changed=changed)
    return outcomes


def _note_read(connection: Connection, reads: Sequence[ReadAgain]) -> None:
    """How records read again into the very record they hold were read (the parser version
    and its provenance), in one statement for all; written only where it differs from what is
    stored: most often nothing is, and rewriting a row the same costs as much as a new one
    (PostgreSQL writes a new version of it, and of its index entries where its page has no room;
    SQLite the whole row again, overflow pages and all)."""
    if reads:
        connection.execute(
            _NOTE_READ,
            [
                {"b_id": read.article_id, "b_version": read.article.parser_version}
                | {
                    f"b_{name}": value
                    for name, value in articles.provenance_values(read.article).items()
                }
                for read in reads
            ],
        )


_COLUMN = _ARTICLE.c
# How the fields were read is the parser's, not the page's: kept whether or not the record
# changed, where it is not already what is stored.
_NOTE_READ = (
    update(_ARTICLE)
    .where(
        _COLUMN.id == bindparam("b_id"),
        or_(
            _COLUMN.parser_version.is_distinct_from(bindparam("b_version")),
            _COLUMN.field_sources.is_distinct_from(bindparam("b_field_sources")),
            _COLUMN.confidence.is_distinct_from(bindparam("b_confidence")),
        ),
    )
    .values(
        parser_version=bindparam("b_version"),
        field_sources=bindparam("b_field_sources"),
        confidence=bindparam("b_confidence"),
    )
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
