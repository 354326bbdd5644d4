"""How each field of an article was read: `article.field_sources` and `article.confidence`.

The parser says, per field, which rule gave its value (the layout's selectors, the page's
metadata, the generic reader, the URL, or nothing) and how sure it is of the whole page; the
archive keeps what it said of the stored version. NULL for the articles stored before this
revision, until they are read again (a re-crawl or `reparse`). `article_view` gains both
columns, after the ones it had. `layout` and `confidence` are indexed: every crawl counts the
articles read generically when it starts (`redesign`), and must not read the whole table to.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

# article_view as revision 0002 made it, up to its last column: each engine's list columns.
_SQLITE_LISTS = """
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
    ) AS related,"""

_POSTGRESQL_LISTS = """
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
        FROM article_link l WHERE l.article_id = a.id), '[]'::json)::text AS related,"""


def _view(lists: str, *, sources: bool) -> str:
    extra = ",\n    a.field_sources,\n    a.confidence" if sources else ""
    return (
        "CREATE VIEW article_view AS\nSELECT\n    a.id,\n    a.url,\n    a.site_id,\n"
        "    a.title,\n    a.sapo,\n    a.paragraphs,\n    a.body_text,"
        f"{lists}\n    a.layout,\n    a.parser_version,\n    a.first_seen_at,\n"
        "    a.last_seen_at,\n"
        "    (SELECT count(*) FROM article_revision r WHERE r.article_id = a.id) AS revisions"
        f"{extra}\nFROM article AS a\n"
    )


def _make_view(*, sources: bool) -> None:
    lists = {"sqlite": _SQLITE_LISTS, "postgresql": _POSTGRESQL_LISTS}.get(
        op.get_bind().dialect.name
    )
    if lists is not None:
        op.execute(_view(lists, sources=sources))


def upgrade() -> None:
    op.execute("DROP VIEW IF EXISTS article_view")
    with op.batch_alter_table("article") as batch:
        batch.add_column(sa.Column("field_sources", sa.Text(), nullable=True))
        batch.add_column(sa.Column("confidence", sa.Float(), nullable=True))
        batch.create_index("ix_article_layout", ["layout"])
        batch.create_index("ix_article_confidence", ["confidence"])
    _make_view(sources=True)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS article_view")
    with op.batch_alter_table("article") as batch:
        batch.drop_index("ix_article_confidence")
        batch.drop_index("ix_article_layout")
        batch.drop_column("confidence")
        batch.drop_column("field_sources")
    _make_view(sources=False)
