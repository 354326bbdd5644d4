"""How deep in its section's paging a listing page lies.

A listing page found by following a paging link (`rel=next`, the link after the active page, a
"Trang sau" link) is page N+1 of the page it was found on, whatever its URL's form: the frontier
keeps that `depth`, so a chain stops at `[crawl] listing_pages` without guessing from the URL.
NULL for every other entry. The entry points (home and section pages) are depth 1; the next pages
fetched before this revision keep NULL (a crawl reads them as the last page it follows until a
first page links them again) and, now that next pages are revisited (`[crawl] listing_revisit`),
are due at the next run: before, they were fetched once.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("frontier") as batch:
        batch.add_column(sa.Column("depth", sa.Integer(), nullable=True))
    op.execute("UPDATE frontier SET depth = 1 WHERE kind = 'listing' AND source = 'seed'")
    op.execute(
        "UPDATE frontier SET next_visit_at = coalesce(last_fetched_at, discovered_at) "
        "WHERE kind = 'listing' AND source <> 'seed' AND state = 'done' "
        "AND next_visit_at IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("frontier") as batch:
        batch.drop_column("depth")
