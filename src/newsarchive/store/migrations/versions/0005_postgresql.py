"""Several crawls on one PostgreSQL archive, and full-text search there.

Frontier entries can be leased by a crawl (`leased_by`, `lease_until`); `host_pace` holds when
the next request to each host may start, for all crawls together. On PostgreSQL, `article_search`
is the full-text index (one tsvector per article, see `store/search_pg.py`), filled here for the
articles already archived. On SQLite the new columns and table stay empty: one crawl at a time.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

# System timestamps are ISO 8601 text in UTC (models.UTCTimestamp).
TIMESTAMP = sa.String(32)


def upgrade() -> None:
    with op.batch_alter_table("frontier") as batch:
        batch.add_column(sa.Column("leased_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("lease_until", TIMESTAMP, nullable=True))
        batch.create_index("ix_frontier_leased_by", ["leased_by"])
    op.create_table(
        "host_pace",
        sa.Column("host", sa.Text(), nullable=False),
        sa.Column("next_allowed_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("host", name="pk_host_pace"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE article_search ("
            "article_id integer NOT NULL, document tsvector NOT NULL, "
            "CONSTRAINT pk_article_search PRIMARY KEY (article_id), "
            "CONSTRAINT fk_article_search_article_id_article FOREIGN KEY (article_id) "
            "REFERENCES article (id) ON DELETE CASCADE)"
        )
        op.execute("CREATE INDEX ix_article_search_document ON article_search USING gin (document)")
        _index_archived_articles()


def _index_archived_articles() -> None:
    """Articles stored on PostgreSQL before search worked there get their index entry."""
    # Imported here: only this step needs the store's code, and only on PostgreSQL.
    from newsarchive.derived.fold import fold
    from newsarchive.store.search_pg import document

    connection = op.get_bind()
    after = 0
    while rows := connection.execute(
        sa.text(
            "SELECT id, title, sapo, body_text FROM article WHERE id > :after ORDER BY id LIMIT 200"
        ),
        {"after": after},
    ).all():
        captions: dict[int, list[str]] = {row.id: [] for row in rows}
        for article_id, caption in connection.execute(
            sa.text(
                "SELECT article_id, text FROM article_caption WHERE article_id = ANY(:ids) "
                "ORDER BY article_id, position"
            ),
            {"ids": list(captions)},
        ):
            captions[article_id].append(caption)
        connection.execute(
            sa.text(
                "INSERT INTO article_search (article_id, document) "
                "VALUES (:id, CAST(:document AS tsvector))"
            ),
            [
                {
                    "id": row.id,
                    "document": document(
                        {
                            "title": fold(row.title),
                            "sapo": fold(row.sapo or ""),
                            "body": fold(row.body_text),
                            "captions": fold("\n".join(captions[row.id])),
                        }
                    ),
                }
                for row in rows
            ],
        )
        after = rows[-1].id


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE IF EXISTS article_search")
    op.drop_table("host_pace")
    with op.batch_alter_table("frontier") as batch:
        batch.drop_index("ix_frontier_leased_by")
        batch.drop_column("lease_until")
        batch.drop_column("leased_by")
