"""Full-text search on the archive's engine: SQLite's FTS5 (`search`) or PostgreSQL's tsvector
(`search_pg`), the same queries and the same answers."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from newsarchive.derived.prepared import Texts, Weights

from . import ranking, search, search_pg
from .filters import ALL_ARTICLES, ArticleFilter
from .search import SearchHit


def _on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def index_articles(
    session: Session,
    indexed: Sequence[tuple[int, Texts]],
    weights: Sequence[Weights] | None = None,
) -> None:
    """(Re)index articles, by id, with their searchable texts folded (`prepare.folded_texts`)
    and, in the same order, their words' weights where already worked out (`prepare`), in the
    session's transaction."""
    if _on_postgresql(session):
        search_pg.index_articles(session, indexed)
    else:
        search.index_articles(session.connection(), indexed)
    ranking.list_articles(session.connection(), indexed, weights)


def find(
    session: Session, query: str, limit: int, chosen: ArticleFilter = ALL_ARTICLES
) -> list[SearchHit]:
    """Articles matching `query` (`query.parse_query`), diacritics ignored, best first."""
    if _on_postgresql(session):
        return search_pg.search(session, query, limit, chosen)
    return search.search(session, query, limit, chosen)


def count(session: Session, query: str, chosen: ArticleFilter = ALL_ARTICLES) -> int:
    """How many articles match `query` among those `chosen` (`find` shows the best of them)."""
    if _on_postgresql(session):
        return search_pg.count(session, query, chosen)
    return search.count(session, query, chosen)


def clear(connection: Connection) -> None:
    """Empty the index (its articles are being replaced)."""
    table = "article_search" if connection.dialect.name == "postgresql" else "article_fts"
    connection.execute(text(f"DELETE FROM {table}"))
    connection.execute(text("DELETE FROM article_search_impact"))
