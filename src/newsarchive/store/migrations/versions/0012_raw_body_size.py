"""Bodies' stored sizes, for `stats`: `raw_body_size`.

`stats` shows how much room the bodies take compressed. On SQLite each body's stored length is
read from its row, a page per body (a second a hundred thousand real-sized pages from a cold
disk, three at a million); kept in a table of their own, with an index, they are summed from a
few thousand pages. The sizes of the bodies already stored are read once here, without
rewriting a body.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "raw_body_size",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"], ["raw_body.sha256"], name="fk_raw_body_size_sha256_raw_body"
        ),
        sa.PrimaryKeyConstraint("sha256", name="pk_raw_body_size"),
    )
    op.execute(
        "INSERT INTO raw_body_size (sha256, stored) SELECT sha256, length(body) FROM raw_body"
    )
    op.create_index("ix_raw_body_size_stored", "raw_body_size", ["stored"])


def downgrade() -> None:
    op.drop_index("ix_raw_body_size_stored", table_name="raw_body_size")
    op.drop_table("raw_body_size")
