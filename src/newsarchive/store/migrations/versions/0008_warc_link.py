"""Raw pages linked to their WARC records: `raw_page.warc_file`, `warc_offset`, `warc_length`,
`warc_record_id`.

A crawl writing WARC files notes, with each raw page, where its `response` (or `revisit`)
record lies: the file, the offset and length of its gzip member, and its `WARC-Record-ID`, so
that `show` and `cite` name it and a replay tool finds it. NULL for pages not written to WARC
and for those archived before this revision.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("raw_page") as batch:
        batch.add_column(sa.Column("warc_file", sa.Text(), nullable=True))
        batch.add_column(sa.Column("warc_offset", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("warc_length", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("warc_record_id", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("raw_page") as batch:
        batch.drop_column("warc_record_id")
        batch.drop_column("warc_length")
        batch.drop_column("warc_offset")
        batch.drop_column("warc_file")
