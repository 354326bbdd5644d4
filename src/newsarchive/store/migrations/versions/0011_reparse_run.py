"""Re-parses that resume: `reparse_run`; what `stats` counts, indexed.

A re-parse of a large archive takes long enough to be stopped (Ctrl-C, a reboot); the row of
each keeps its options, its parser version and the article id up to which it has read and
written every chosen article, in the same transactions as the articles, so that running it
again goes on from there.

`stats` sums the bodies' sizes from an index on `raw_body.size`: read from the table, on SQLite,
each row's size lies past its compressed body (5 s over 73,000 real-sized pages). It counts the
articles with a sapo, and with an update time, from partial indexes: a pass over the article
table reads whole texts (a quarter of a second a hundred thousand articles).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.String(32)
FILLED = ("sapo", "updated_at")  # article columns counted where not null, from partial indexes


def upgrade() -> None:
    op.create_table(
        "reparse_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("parser_version", sa.String(64), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("done_through", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reparse_run"),
    )
    op.create_index("ix_raw_body_size", "raw_body", ["size"])
    for column in FILLED:
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            f"ix_article_with_{column}",
            "article",
            ["id"],
            sqlite_where=where,
            postgresql_where=where,
        )


def downgrade() -> None:
    for column in FILLED:
        op.drop_index(f"ix_article_with_{column}", table_name="article")
    op.drop_index("ix_raw_body_size", table_name="raw_body")
    op.drop_table("reparse_run")
