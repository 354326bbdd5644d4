"""The initial archive: frontier, raw pages and bodies, articles and their parts, crawl runs,
and (on SQLite) the full-text index.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# System timestamps are ISO 8601 text in UTC (models.UTCTimestamp).
TIMESTAMP = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "frontier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("lastmod", TIMESTAMP, nullable=True),
        sa.Column("discovered_at", TIMESTAMP, nullable=False),
        sa.Column("last_fetched_at", TIMESTAMP, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_frontier"),
        sa.UniqueConstraint("url", name="uq_frontier_url"),
    )
    op.create_index("ix_frontier_state_priority_id", "frontier", ["state", "priority", "id"])

    op.create_table(
        "raw_body",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_raw_body"),
    )

    op.create_table(
        "crawl_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("counts", sa.Text(), nullable=True),
        sa.Column("exit_status", sa.Integer(), nullable=True),
        sa.Column("host", sa.Text(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_crawl_run"),
    )

    op.create_table(
        "raw_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("fetch_url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("body_sha256", sa.String(64), nullable=True),
        sa.Column("fetched_at", TIMESTAMP, nullable=False),
        sa.Column("page_kind", sa.String(16), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_raw_page"),
        sa.ForeignKeyConstraint(
            ["body_sha256"], ["raw_body.sha256"], name="fk_raw_page_body_sha256_raw_body"
        ),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_run.id"], name="fk_raw_page_run_id_crawl_run"),
    )
    op.create_index("ix_raw_page_url", "raw_page", ["url"])
    op.create_index("ix_raw_page_body_sha256", "raw_page", ["body_sha256"])
    op.create_index("ix_raw_page_run_id", "raw_page", ["run_id"])

    op.create_table(
        "article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("site_id", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("sapo", sa.Text(), nullable=True),
        sa.Column("paragraphs", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("published_at", sa.String(32), nullable=True),
        sa.Column("updated_at", sa.String(32), nullable=True),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("layout", sa.String(16), nullable=False),
        sa.Column("parser_version", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("first_seen_at", TIMESTAMP, nullable=False),
        sa.Column("last_seen_at", TIMESTAMP, nullable=False),
        sa.Column("raw_page_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_article"),
        sa.UniqueConstraint("url", name="uq_article_url"),
        sa.ForeignKeyConstraint(
            ["raw_page_id"], ["raw_page.id"], name="fk_article_raw_page_id_raw_page"
        ),
    )
    op.create_index("ix_article_site_id", "article", ["site_id"])
    op.create_index("ix_article_published_at", "article", ["published_at"])
    op.create_index("ix_article_category", "article", ["category"])
    op.create_index("ix_article_parser_version", "article", ["parser_version"])
    op.create_index("ix_article_raw_page_id", "article", ["raw_page_id"])

    _create_article_part(
        "article_image",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("caption", sa.Text(), nullable=True),
    )
    _create_article_part("article_caption", sa.Column("text", sa.Text(), nullable=False))
    _create_article_part("article_author", sa.Column("name", sa.Text(), nullable=False))
    op.create_index("ix_article_author_name", "article_author", ["name"])
    _create_article_part("article_tag", sa.Column("name", sa.Text(), nullable=False))
    op.create_index("ix_article_tag_name", "article_tag", ["name"])
    _create_article_part(
        "article_link",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
    )
    op.create_index("ix_article_link_url", "article_link", ["url"])

    if op.get_bind().dialect.name == "sqlite":
        # Folded text (newsarchive.store.fold), rowid = article.id; kept by the store.
        op.execute(
            "CREATE VIRTUAL TABLE article_fts USING fts5("
            "title, sapo, body, captions, tokenize = 'unicode61')"
        )


def _create_article_part(name: str, *columns: sa.Column[object]) -> None:
    op.create_table(
        name,
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        *columns,
        sa.PrimaryKeyConstraint("article_id", "position", name=f"pk_{name}"),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=f"fk_{name}_article_id_article",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS article_fts")
    for name in (
        "article_link",
        "article_tag",
        "article_author",
        "article_caption",
        "article_image",
        "article",
        "raw_page",
        "crawl_run",
        "raw_body",
        "frontier",
    ):
        op.drop_table(name)
