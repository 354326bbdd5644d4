"""Articles: the record of ARTICLE.md in the article table and its part tables, and back."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, delete, insert, or_, select
from sqlalchemy.orm import Session

from newsarchive.record import RELATED_KINDS, Article, Image, Related, RelatedKind

from . import history
from .errors import StoreError
from .filters import ArticleFilter, conditions
from .models import (
    ArticleAuthorRow,
    ArticleCaptionRow,
    ArticleImageRow,
    ArticleLinkRow,
    ArticleRow,
    ArticleTagRow,
)

UpsertOutcome = Literal["new", "updated", "unchanged"]

_PARTS: tuple[type[Any], ...] = (
    ArticleImageRow,
    ArticleCaptionRow,
    ArticleAuthorRow,
    ArticleTagRow,
    ArticleLinkRow,
)


def content_hash(article: Article) -> str:
    """sha256 over the record's content: every field but `parser_version`, in ARTICLE.md order."""
    content = article.to_dict()
    del content["parser_version"]
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upsert_article(
    session: Session, article: Article, *, raw_page_id: int, has_body: bool, seen_at: datetime
) -> tuple[UpsertOutcome, int]:
    """Insert or update the article at `article.url`; the outcome and the article's id.

    Unchanged content rewrites nothing but when it was last seen, which capture shows it (only a
    capture with a body: a 304 shows nothing) and the parser version that read it. Changed text
    or dates keep the version they replace as a revision (`history`).
    """
    digest = content_hash(article)
    row = session.scalars(select(ArticleRow).where(ArticleRow.url == article.url)).one_or_none()
    if row is None:
        row = ArticleRow(first_seen_at=seen_at, last_seen_at=seen_at, raw_page_id=raw_page_id)
        _fill(row, article, digest)
        session.add(row)
        session.flush()
        _insert_parts(session, row.id, article)
        return "new", row.id
    changed = row.content_hash != digest
    if changed:
        # Read the stored version before anything of it is overwritten: it may be kept.
        [current] = load_articles(session, [row])
        if history.is_revision(current, article):
            history.keep_revision(session, row, current, seen_at)
    row.last_seen_at = max(row.last_seen_at, seen_at)
    if has_body:
        row.raw_page_id = raw_page_id
    row.parser_version = article.parser_version
    if not changed:
        return "unchanged", row.id
    _fill(row, article, digest)
    for part in _PARTS:
        session.execute(delete(part).where(part.article_id == row.id))
    _insert_parts(session, row.id, article)
    return "updated", row.id


def rewrite_article(session: Session, row: ArticleRow, article: Article) -> None:
    """Overwrite `row` with `article` in place, keeping no revision: for the same capture read
    again by a newer parser (reparse), where the page itself did not change."""
    _fill(row, article, content_hash(article))
    for part in _PARTS:
        session.execute(delete(part).where(part.article_id == row.id))
    _insert_parts(session, row.id, article)


def touch_article(session: Session, url: str, seen_at: datetime) -> bool:
    """The article at `url` was seen again unchanged (a 304); False if there is none."""
    row = session.scalars(select(ArticleRow).where(ArticleRow.url == url)).one_or_none()
    if row is None:
        return False
    row.last_seen_at = max(row.last_seen_at, seen_at)
    return True


def _fill(row: ArticleRow, article: Article, digest: str) -> None:
    row.url = article.url
    row.site_id = article.site_id
    row.title = article.title
    row.sapo = article.sapo
    row.paragraphs = json.dumps(list(article.paragraphs), ensure_ascii=False)
    row.body_text = article.body_text
    row.published_at = article.published_at
    row.updated_at = article.updated_at
    row.category = article.category
    row.layout = article.layout
    row.parser_version = article.parser_version
    row.content_hash = digest


def _insert_parts(session: Session, article_id: int, article: Article) -> None:
    parts: list[tuple[type[Any], list[dict[str, Any]]]] = [
        (ArticleImageRow, [{"url": i.url, "caption": i.caption} for i in article.images]),
        (ArticleCaptionRow, [{"text": text} for text in article.captions]),
        (ArticleAuthorRow, [{"name": name} for name in article.authors]),
        (ArticleTagRow, [{"name": name} for name in article.tags]),
        (
            ArticleLinkRow,
            [{"url": r.url, "title": r.title, "kind": r.kind} for r in article.related],
        ),
    ]
    for model, rows in parts:
        if rows:
            session.execute(
                insert(model),
                [
                    {"article_id": article_id, "position": position, **values}
                    for position, values in enumerate(rows)
                ],
            )


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
            query = query.where(
                or_(published > after[0], and_(published == after[0], key > after[1]))
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


def load_articles(session: Session, rows: Sequence[ArticleRow]) -> list[Article]:
    """The records of `rows`, in their order, with their parts."""
    ids = [row.id for row in rows]
    parts: dict[type[Any], dict[int, list[Any]]] = {}
    for model in _PARTS:
        found: dict[int, list[Any]] = defaultdict(list)
        for part in session.scalars(
            select(model)
            .where(model.article_id.in_(ids))
            .order_by(model.article_id, model.position)
        ):
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
        )
        for row in rows
    ]


def _related_kind(kind: str) -> RelatedKind:
    for known in RELATED_KINDS:
        if kind == known:
            return known
    raise StoreError(f"article_link has kind {kind!r}, not one of {', '.join(RELATED_KINDS)}")
