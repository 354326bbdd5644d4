"""revisit schedule, crawl lock and run records of the scheduled-crawl issue.

The frontier learns when a done entry is due again (`next_visit_at`); runs keep their fetches by
outcome and a note (why they stopped, their alarms); `crawl_lock` holds the one crawl running on a
SQLite archive. Entries archived before this revision have no `next_visit_at`: they are revisited
only when rediscovered, or by `crawl --recheck`.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

# System timestamps are ISO 8601 text in UTC (models.UTCTimestamp).
TIMESTAMP = sa.String(32)


def upgrade() -> None:
    with op.batch_alter_table("frontier") as batch:
        batch.add_column(sa.Column("next_visit_at", TIMESTAMP, nullable=True))
        batch.create_index("ix_frontier_state_next_visit_at", ["state", "next_visit_at"])
    with op.batch_alter_table("crawl_run") as batch:
        batch.add_column(sa.Column("outcomes", sa.Text(), nullable=True))
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
    op.create_table(
        "crawl_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("host", sa.Text(), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("renewed_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_crawl_lock"),
    )


def downgrade() -> None:
    op.drop_table("crawl_lock")
    with op.batch_alter_table("crawl_run") as batch:
        batch.drop_column("note")
        batch.drop_column("outcomes")
    with op.batch_alter_table("frontier") as batch:
        batch.drop_index("ix_frontier_state_next_visit_at")
        batch.drop_column("next_visit_at")
