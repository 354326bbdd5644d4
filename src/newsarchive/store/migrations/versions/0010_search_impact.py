"""Search ranks from weights worked out when an article is indexed: `article_search_impact`;
a category's articles listed newest first from an index (`article (category, published_at, id)`).

One row per article and word that weighs in its ranking (`store/ranking.py`), kept sorted by
word and weight so a search reads each of its words' best articles first. Filled here for the
articles already archived (from the full-text index's folded texts on SQLite, from the articles
on PostgreSQL); derived data, like the full-text index, so not modelled.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

BATCH = 500


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute(
        "CREATE TABLE article_search_impact ("
        "word TEXT NOT NULL, impact INTEGER NOT NULL, article_id INTEGER NOT NULL, "
        "CONSTRAINT pk_article_search_impact PRIMARY KEY (word, impact, article_id))"
        + (" WITHOUT ROWID" if sqlite else "")
    )
    # An article's weights by id (read by a search, deleted when it is indexed again), the
    # weight in the index itself: PostgreSQL reads them without visiting the table.
    op.execute(
        "CREATE INDEX ix_article_search_impact_article_id "
        "ON article_search_impact (article_id, word, impact)"
    )
    op.create_index(
        "ix_article_category_published_at_id", "article", ["category", "published_at", "id"]
    )
    if sqlite:
        _list_archived("SELECT id, c0, c1, c2, c3 FROM article_fts_content", folded=True)
    elif op.get_bind().dialect.name == "postgresql":
        _list_archived("SELECT id, title, sapo, body_text FROM article", folded=False)


def _list_archived(select: str, *, folded: bool) -> None:
    """Articles archived before this revision get their weights, a batch at a time."""
    # Imported here: only this step needs the store's code.
    from newsarchive.derived.fold import fold
    from newsarchive.derived.prepared import Texts
    from newsarchive.store.ranking import list_articles

    connection = op.get_bind()
    after = 0
    while rows := connection.execute(
        sa.text(f"{select} WHERE id > :after ORDER BY id LIMIT {BATCH}"), {"after": after}
    ).all():
        texts: dict[int, Texts]
        if folded:
            texts = {
                row[0]: (row[1] or "", row[2] or "", row[3] or "", row[4] or "") for row in rows
            }
        else:
            captions: dict[int, list[str]] = {row[0]: [] for row in rows}
            for article_id, caption in connection.execute(
                sa.text(
                    "SELECT article_id, text FROM article_caption WHERE article_id = ANY(:ids) "
                    "ORDER BY article_id, position"
                ),
                {"ids": list(captions)},
            ):
                captions[article_id].append(caption)
            texts = {
                row[0]: (
                    fold(row[1]),
                    fold(row[2] or ""),
                    fold(row[3]),
                    fold("\n".join(captions[row[0]])),
                )
                for row in rows
            }
        list_articles(connection, list(texts.items()))
        after = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_article_category_published_at_id", table_name="article")
    op.execute("DROP TABLE IF EXISTS article_search_impact")
