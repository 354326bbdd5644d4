"""Full-text search on the archive's engine: SQLite's FTS5 (`search`) or PostgreSQL's tsvector
(`search_pg`), the same queries and the same answers."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.orm import Session

from newsarchive.record import Article

from . import search, search_pg
from .filters import ALL_ARTICLES, ArticleFilter
from .fold import fold
from .search import SearchHit, texts_of


def _on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def index_articles(session: Session, indexed: Sequence[tuple[int, Article]]) -> None:
    """(Re)index articles, by id, in the session's transaction."""
    if not indexed:
        return
    if _on_postgresql(session):
        for article_id, article in indexed:
            search_pg.index_article(session, article_id, article)
        return
    # SQLite: one statement for all of them (statements, not rows, cost on this path).
    connection = session.connection()
    connection.execute(
        _FTS_DELETE.bindparams(bindparam("ids", expanding=True)),
        {"ids": [article_id for article_id, _ in indexed]},
    )
    connection.execute(
        _FTS_INSERT,
        [
            {
                "id": article_id,
                **dict(zip(search.COLUMNS, map(fold, texts_of(article)), strict=True)),
            }
            for article_id, article in indexed
        ],
    )


_FTS_DELETE = text("DELETE FROM article_fts WHERE rowid IN :ids")
_FTS_INSERT = text(
    "INSERT INTO article_fts (rowid, title, sapo, body, captions) "
    "VALUES (:id, :title, :sapo, :body, :captions)"
)


def find(
    session: Session, query: str, limit: int, chosen: ArticleFilter = ALL_ARTICLES
) -> list[SearchHit]:
    """Articles matching `query` (FTS5's syntax), diacritics ignored, best first."""
    if _on_postgresql(session):
        return search_pg.search(session, query, limit, chosen)
    return search.search(session, query, limit, chosen)


def clear(connection: Connection) -> None:
    """Empty the index (its articles are being replaced)."""
    table = "article_search" if connection.dialect.name == "postgresql" else "article_fts"
    connection.execute(text(f"DELETE FROM {table}"))
