"""`article_browse`: the articles as `browse` lists them, one row each with the columns it facets.

Datasette facets on columns: the month of publication (`YYYY-MM`, Hanoi time) is a column here,
the authors a JSON array (faceted as an array), and `article` the id the article's page is
found by. A view of the base tables, not of `article_view`, so the revisions that rebuild that
view need not know of this one.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

_AUTHORS = {
    "sqlite": """(SELECT json_group_array(w.name) FROM (
        SELECT name FROM article_author WHERE article_id = a.id ORDER BY position) AS w
    )""",
    "postgresql": """COALESCE((SELECT json_agg(w.name ORDER BY w.position)
        FROM article_author w WHERE w.article_id = a.id), '[]'::json)::text""",
}


def upgrade() -> None:
    authors = _AUTHORS.get(op.get_bind().dialect.name)
    if authors is None:
        return
    op.execute(
        "CREATE VIEW article_browse AS\nSELECT\n    a.id AS article,\n    a.published_at,\n"
        "    a.title,\n    a.category,\n    substr(a.published_at, 1, 7) AS month,\n"
        f"    {authors} AS authors,\n    a.layout,\n    a.sapo,\n    a.url,\n"
        "    (SELECT count(*) FROM article_revision r WHERE r.article_id = a.id) AS revisions\n"
        "FROM article AS a\n"
    )


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS article_browse")
