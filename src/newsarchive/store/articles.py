"""Articles: the record of ARTICLE.md in the article table and its part tables, and back."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, and_, delete, or_, select
from sqlalchemy.orm import Session

from newsarchive.record import RELATED_KINDS, Article, Image, Provenance, Related, RelatedKind

from . import history
from .dialect import among, insert_rows, insert_rows_keyed, update_by_id
from .filters import ArticleFilter, conditions
from .models import (
    ArticleAuthorRow,
    ArticleCaptionRow,
    ArticleImageRow,
    ArticleLinkRow,
    ArticleRow,
    ArticleTagRow,
    table_of,
)
from .reasons import StoreError

UpsertOutcome = Literal["new", "updated", "unchanged"]

_PARTS: tuple[type[Any], ...] = (
    ArticleImageRow,
    ArticleCaptionRow,
    ArticleAuthorRow,
    ArticleTagRow,
    ArticleLinkRow,
)


_ARTICLE = table_of(ArticleRow)


@dataclass(frozen=True, slots=True)
class Sighting:
    """An article read from a capture, with its content hash (`prepare.content_hash`): the raw
    page it came from, seen at `seen_at`."""

    article: Article
    content_hash: str
    raw_page_id: int
    has_body: bool
    seen_at: datetime


def upsert_articles(
    session: Session, sightings: Sequence[Sighting]
) -> list[tuple[UpsertOutcome, int]]:
    """Insert or update the articles (at distinct URLs); each one's outcome and id, in order.

    Unchanged content rewrites nothing but when it was last seen, which capture shows it (only a
    capture with a body: a 304 shows nothing), the parser version that read it and how it read
    each field (when it says). Changed text or dates keep the version they replace as a revision
    (`history`): how the fields were read is no part of a version. Each kind of row goes in
    with one statement for all the articles: statements, not rows, are what cost here.
    """
    if not sightings:
        return []
    connection = session.connection()
    digests = [s.content_hash for s in sightings]
    urls = [s.article.url for s in sightings]
    if len(set(urls)) < len(urls):
        raise ValueError("upsert_articles takes each URL at most once")
    column = _ARTICLE.c
    stored = {
        row.url: row
        for row in connection.execute(
            select(
                column.id, column.url, column.content_hash, column.last_seen_at, column.raw_page_id
            ).where(column.url.in_(urls))
        )
    }
    fresh = [i for i, url in enumerate(urls) if url not in stored]
    known = [i for i, url in enumerate(urls) if url in stored]
    changed = sorted(i for i in known if stored[urls[i]].content_hash != digests[i])
    is_changed = set(changed)
    found: dict[int, tuple[UpsertOutcome, int]] = {}
    if fresh:
        rows = [
            _values(sightings[i].article, digests[i])
            | {
                "first_seen_at": sightings[i].seen_at,
                "last_seen_at": sightings[i].seen_at,
                "raw_page_id": sightings[i].raw_page_id,
            }
            for i in fresh
        ]
        ids = insert_rows_keyed(connection, _ARTICLE, rows, "url")
        found.update((i, ("new", ids[urls[i]])) for i in fresh)
    if changed:
        _keep_revisions(session, [(stored[urls[i]].id, sightings[i]) for i in changed])
    seen_again = []
    for i in known:
        sighting, row = sightings[i], stored[urls[i]]
        values = _values(sighting.article, digests[i]) if i in is_changed else {}
        values |= {
            "b_id": row.id,
            "last_seen_at": max(row.last_seen_at, sighting.seen_at),
            "raw_page_id": sighting.raw_page_id if sighting.has_body else row.raw_page_id,
            "parser_version": sighting.article.parser_version,
        }
        if sighting.article.provenance is not None:
            values |= provenance_values(sighting.article)
        seen_again.append(values)
        found[i] = ("updated" if i in is_changed else "unchanged", row.id)
    update_by_id(connection, _ARTICLE, seen_again)
    changed_ids = [stored[urls[i]].id for i in changed]
    _delete_parts(connection, changed_ids)
    _insert_parts(
        connection, [(found[i][1], sightings[i].article) for i in sorted([*fresh, *changed])]
    )
    return [found[i] for i in range(len(sightings))]


def _keep_revisions(session: Session, changes: Sequence[tuple[int, Sighting]]) -> None:
    """Keep the stored versions the changes replace, where they change what a reader reads.
    Read before anything of them is overwritten; the ORM objects read are let go at once, so
    nothing later in the transaction sees them stale."""
    by_id = {
        row.id: row
        for row in session.scalars(
            select(ArticleRow).where(ArticleRow.id.in_([article_id for article_id, _ in changes]))
        )
    }
    rows = [by_id[article_id] for article_id, _ in changes]
    kept = [
        (row, current, sighting.seen_at)
        for row, current, (_, sighting) in zip(
            rows, load_articles(session, rows), changes, strict=True
        )
        if history.is_revision(current, sighting.article)
    ]
    history.keep_revisions(session, kept)
    session.expunge_all()


def rewrite_articles(connection: Connection, rewritten: Sequence[tuple[int, Article, str]]) -> None:
    """Overwrite articles in place, `(id, record, its content hash)`, keeping no revision: for
    the same capture read again by a newer parser (reparse), where the page itself did not
    change. Each kind of row in one statement for all, in the order given (a URL one of them
    gives up may be taken by a later one)."""
    update_by_id(
        connection,
        _ARTICLE,
        [_values(article, digest) | {"b_id": key} for key, article, digest in rewritten],
    )
    _delete_parts(connection, [key for key, _, _ in rewritten])
    _insert_parts(connection, [(key, article) for key, article, _ in rewritten])


def touch_articles(session: Session, seen: Sequence[tuple[str, datetime]]) -> set[str]:
    """Articles seen again unchanged (304s), by URL and when; the URLs that are archived."""
    connection = session.connection()
    column = _ARTICLE.c
    stored = {
        row.url: row
        for row in connection.execute(
            select(column.id, column.url, column.last_seen_at).where(
                column.url.in_(sorted({url for url, _ in seen}))
            )
        )
    }
    latest: dict[int, datetime] = {}
    for url, seen_at in seen:
        row = stored.get(url)
        if row is not None and seen_at > latest.get(row.id, row.last_seen_at):
            latest[row.id] = seen_at
    update_by_id(
        connection, _ARTICLE, [{"b_id": key, "last_seen_at": at} for key, at in latest.items()]
    )
    return set(stored)


def _values(article: Article, digest: str) -> dict[str, Any]:
    """The article table's columns that come from the record, and how it was read."""
    return provenance_values(article) | {
        "url": article.url,
        "site_id": article.site_id,
        "title": article.title,
        "sapo": article.sapo,
        "paragraphs": json.dumps(list(article.paragraphs), ensure_ascii=False),
        "body_text": article.body_text,
        "published_at": article.published_at,
        "updated_at": article.updated_at,
        "category": article.category,
        "layout": article.layout,
        "parser_version": article.parser_version,
        "content_hash": digest,
    }


def provenance_values(article: Article) -> dict[str, Any]:
    """`field_sources` (JSON: field → rule) and `confidence` of how `article` was read; NULL
    both where the parser did not say."""
    provenance = article.provenance
    if provenance is None:
        return {"field_sources": None, "confidence": None}
    sources = json.dumps(dict(provenance.fields), ensure_ascii=False)
    return {"field_sources": sources, "confidence": provenance.confidence}


def stored_provenance(field_sources: str | None, confidence: float | None) -> Provenance | None:
    """The `Provenance` the two columns keep; None where they keep nothing."""
    if field_sources is None and confidence is None:
        return None
    sources: dict[str, Any] = json.loads(field_sources) if field_sources else {}
    return Provenance(
        tuple((str(name), str(rule)) for name, rule in sources.items()), confidence or 0.0
    )


def _delete_parts(connection: Connection, article_ids: Sequence[int]) -> None:
    if article_ids:
        for part in _PARTS:
            table = table_of(part)
            connection.execute(
                delete(table).where(among(connection, table.c.article_id, article_ids))
            )


def _insert_parts(connection: Connection, written: Sequence[tuple[int, Article]]) -> None:
    """The list fields of articles, one statement per part table."""
    rows: dict[type[Any], list[dict[str, Any]]] = {model: [] for model in _PARTS}
    for key, article in written:
        rows[ArticleImageRow] += (
            {"article_id": key, "position": at, "url": image.url, "caption": image.caption}
            for at, image in enumerate(article.images)
        )
        rows[ArticleCaptionRow] += (
            {"article_id": key, "position": at, "text": text}
            for at, text in enumerate(article.captions)
        )
        rows[ArticleAuthorRow] += (
            {"article_id": key, "position": at, "name": name}
            for at, name in enumerate(article.authors)
        )
        rows[ArticleTagRow] += (
            {"article_id": key, "position": at, "name": name}
            for at, name in enumerate(article.tags)
        )
        rows[ArticleLinkRow] += (
            {
                "article_id": key,
                "position": at,
                "url": link.url,
                "title": link.title,
                "kind": link.kind,
            }
            for at, link in enumerate(article.related)
        )
    for model, found in rows.items():
        insert_rows(connection, table_of(model), found)


def chunks_of_rows(
    session: Session, chosen: ArticleFilter, size: int
) -> Iterator[list[ArticleRow]]:
    """The rows `chosen` selects, oldest publication first (undated last, then by id), `size`
    at a time. Each chunk is one query resuming after the last row seen, so no list of the
    whole archive is ever held."""
    where = conditions(chosen)
    published, key = ArticleRow.published_at, ArticleRow.id
    after: tuple[str, int] | None = None
    while True:
        query = select(ArticleRow).where(published.is_not(None), *where)
        if after is not None:
            # `published >= …` first: the bound an index scan starts from (PostgreSQL reads
            # the whole index up to it otherwise, each chunk: quadratic over an export).
            query = query.where(
                published >= after[0],
                or_(published > after[0], and_(published == after[0], key > after[1])),
            )
        rows = list(session.scalars(query.order_by(published, key).limit(size)))
        if not rows:
            break
        last = rows[-1]
        after = (last.published_at or "", last.id)
        yield rows
    if chosen.since is not None or chosen.until is not None:
        return  # a date range leaves out the undated
    after_id = 0
    while True:
        query = select(ArticleRow).where(published.is_(None), key > after_id, *where)
        rows = list(session.scalars(query.order_by(key).limit(size)))
        if not rows:
            break
        after_id = rows[-1].id
        yield rows


def articles_by_id(session: Session, ids: Sequence[int]) -> dict[int, Article]:
    """The records as stored of the articles `ids` that exist, a query per table."""
    if not ids:
        return {}
    rows = list(
        session.scalars(select(ArticleRow).where(among(session.connection(), _ARTICLE.c.id, ids)))
    )
    return {
        row.id: article for row, article in zip(rows, load_articles(session, rows), strict=True)
    }


def load_articles(session: Session, rows: Sequence[ArticleRow]) -> list[Article]:
    """The records of `rows`, in their order, with their parts."""
    ids = [row.id for row in rows]
    parts: dict[type[Any], dict[int, list[Any]]] = {}
    connection = session.connection()
    for model in _PARTS:
        found: dict[int, list[Any]] = defaultdict(list)
        # Rows, not ORM objects: an article has a dozen parts, and objects cost more to make.
        table = table_of(model)
        for part in connection.execute(
            select(table)
            .where(among(connection, table.c.article_id, ids))
            .order_by(table.c.article_id, table.c.position)
        ).all():  # one fetch of every row: iterating fetches them one by one
            found[part.article_id].append(part)
        parts[model] = found
    return [
        Article(
            url=row.url,
            site_id=row.site_id,
            title=row.title,
            sapo=row.sapo,
            paragraphs=tuple(json.loads(row.paragraphs)),
            captions=tuple(c.text for c in parts[ArticleCaptionRow][row.id]),
            images=tuple(Image(i.url, i.caption) for i in parts[ArticleImageRow][row.id]),
            published_at=row.published_at,
            updated_at=row.updated_at,
            authors=tuple(a.name for a in parts[ArticleAuthorRow][row.id]),
            category=row.category,
            tags=tuple(t.name for t in parts[ArticleTagRow][row.id]),
            related=tuple(
                Related(link.url, link.title, _related_kind(link.kind))
                for link in parts[ArticleLinkRow][row.id]
            ),
            layout=row.layout,
            parser_version=row.parser_version,
            provenance=stored_provenance(row.field_sources, row.confidence),
        )
        for row in rows
    ]


def _related_kind(kind: str) -> RelatedKind:
    for known in RELATED_KINDS:
        if kind == known:
            return known
    raise StoreError(f"article_link has kind {kind!r}, not one of {', '.join(RELATED_KINDS)}")
