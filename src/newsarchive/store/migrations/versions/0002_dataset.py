"""Article revisions, and `article_view`: one flat row per article for people who skip joins.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

# System timestamps are ISO 8601 text in UTC (models.UTCTimestamp).
TIMESTAMP = sa.String(32)

# List fields as JSON text, built from the part tables in `position` order. SQLite before 3.44
# has no ORDER BY inside an aggregate, so each list aggregates an ordered subquery.
SQLITE_VIEW = """
CREATE VIEW article_view AS
SELECT
    a.id,
    a.url,
    a.site_id,
    a.title,
    a.sapo,
    a.paragraphs,
    a.body_text,
    (SELECT json_group_array(c.text) FROM (
        SELECT text FROM article_caption WHERE article_id = a.id ORDER BY position) AS c
    ) AS captions,
    (SELECT json_group_array(json_object('url', i.url, 'caption', i.caption)) FROM (
        SELECT url, caption FROM article_image WHERE article_id = a.id ORDER BY position) AS i
    ) AS images,
    a.published_at,
    a.updated_at,
    (SELECT json_group_array(w.name) FROM (
        SELECT name FROM article_author WHERE article_id = a.id ORDER BY position) AS w
    ) AS authors,
    a.category,
    (SELECT json_group_array(t.name) FROM (
        SELECT name FROM article_tag WHERE article_id = a.id ORDER BY position) AS t
    ) AS tags,
    (SELECT json_group_array(json_object('url', l.url, 'title', l.title, 'kind', l.kind)) FROM (
        SELECT url, title, kind FROM article_link WHERE article_id = a.id ORDER BY position) AS l
    ) AS related,
    a.layout,
    a.parser_version,
    a.first_seen_at,
    a.last_seen_at,
    (SELECT count(*) FROM article_revision r WHERE r.article_id = a.id) AS revisions
FROM article AS a
"""

POSTGRESQL_VIEW = """
CREATE VIEW article_view AS
SELECT
    a.id,
    a.url,
    a.site_id,
    a.title,
    a.sapo,
    a.paragraphs,
    a.body_text,
    COALESCE((SELECT json_agg(c.text ORDER BY c.position)
        FROM article_caption c WHERE c.article_id = a.id), '[]'::json)::text AS captions,
    COALESCE((SELECT json_agg(json_build_object('url', i.url, 'caption', i.caption)
        ORDER BY i.position)
        FROM article_image i WHERE i.article_id = a.id), '[]'::json)::text AS images,
    a.published_at,
    a.updated_at,
    COALESCE((SELECT json_agg(w.name ORDER BY w.position)
        FROM article_author w WHERE w.article_id = a.id), '[]'::json)::text AS authors,
    a.category,
    COALESCE((SELECT json_agg(t.name ORDER BY t.position)
        FROM article_tag t WHERE t.article_id = a.id), '[]'::json)::text AS tags,
    COALESCE((SELECT json_agg(json_build_object('url', l.url, 'title', l.title, 'kind', l.kind)
        ORDER BY l.position)
        FROM article_link l WHERE l.article_id = a.id), '[]'::json)::text AS related,
    a.layout,
    a.parser_version,
    a.first_seen_at,
    a.last_seen_at,
    (SELECT count(*) FROM article_revision r WHERE r.article_id = a.id) AS revisions
FROM article AS a
"""


def upgrade() -> None:
    op.create_table(
        "article_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("first_seen_at", TIMESTAMP, nullable=False),
        sa.Column("last_seen_at", TIMESTAMP, nullable=False),
        sa.Column("superseded_at", TIMESTAMP, nullable=False),
        sa.Column("raw_page_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_article_revision"),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name="fk_article_revision_article_id_article",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["raw_page_id"], ["raw_page.id"], name="fk_article_revision_raw_page_id_raw_page"
        ),
    )
    op.create_index("ix_article_revision_article_id", "article_revision", ["article_id"])
    op.create_index("ix_article_revision_raw_page_id", "article_revision", ["raw_page_id"])
    view = {"sqlite": SQLITE_VIEW, "postgresql": POSTGRESQL_VIEW}.get(op.get_bind().dialect.name)
    if view is not None:
        op.execute(view)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS article_view")
    op.drop_index("ix_article_revision_raw_page_id", table_name="article_revision")
    op.drop_index("ix_article_revision_article_id", table_name="article_revision")
    op.drop_table("article_revision")
