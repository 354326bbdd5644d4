"""Datasette's metadata for an archive: the main table's facets and order, hidden tables, and
the canned queries researchers ask."""

from __future__ import annotations

from typing import Any

from ..site import NEWSPAPER

MAIN_TABLE = "article_browse"
# Tables a reader has no use for: the full-text index's shadow tables, crawl machinery.
_HIDDEN = (
    "alembic_version",
    "article_fts",
    "article_fts_config",
    "article_fts_content",
    "article_fts_data",
    "article_fts_docsize",
    "article_fts_idx",
    "crawl_lock",
    "host_pace",
    "raw_body",
    "raw_body_size",
)

# Every day from the first to the last publication (or the days asked for), with how many
# articles each had: a day with none is a gap, to look into with `audit`.
ARTICLES_PER_DAY = """
WITH RECURSIVE
  dated AS (SELECT substr(published_at, 1, 10) AS day FROM article WHERE published_at IS NOT NULL),
  bounds AS (
    SELECT coalesce(nullif(:since, ''), min(day)) AS first,
           coalesce(nullif(:until, ''), max(day)) AS last
    FROM dated
  ),
  days(day) AS (
    SELECT first FROM bounds WHERE first IS NOT NULL
    UNION ALL
    SELECT date(day, '+1 day') FROM days, bounds WHERE day < last
  ),
  counts AS (SELECT day, count(*) AS n FROM dated GROUP BY day)
SELECT days.day, coalesce(counts.n, 0) AS articles,
       CASE WHEN counts.n IS NULL THEN 'gap: no article' ELSE '' END AS note
FROM days LEFT JOIN counts ON counts.day = days.day
ORDER BY days.day DESC
"""

LAST_CRAWL = """
SELECT raw_page.outcome, raw_page.status, count(*) AS fetches,
       min(raw_page.error) AS example_error, min(raw_page.url) AS example_url,
       crawl_run.started_at, crawl_run.finished_at, crawl_run.exit_status, crawl_run.note
FROM crawl_run JOIN raw_page ON raw_page.run_id = crawl_run.id
WHERE crawl_run.id = (SELECT max(id) FROM crawl_run)
GROUP BY raw_page.outcome, raw_page.status
ORDER BY fetches DESC
"""

# Versions replaced in the last seven days: when, and the title before and now; the article's
# page shows what changed, field by field.
CHANGED_THIS_WEEK = """
SELECT article.id AS article, revision.superseded_at AS changed_at,
       json_extract(revision.record, '$.title') AS title_before, article.title AS title_now,
       article.url
FROM article_revision AS revision JOIN article ON article.id = revision.article_id
WHERE revision.superseded_at >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-7 days')
ORDER BY revision.superseded_at DESC
"""


def metadata(database: str) -> dict[str, Any]:
    """The metadata for an archive served as `database`."""
    search_form = (
        '<form action="/search" method="get" class="newsarchive-search">'
        '<input type="search" name="q" placeholder="Tìm kiếm, with or without diacritics" '
        'aria-label="search the articles"> <input type="submit" value="Search"></form>'
    )
    tables: dict[str, Any] = {name: {"hidden": True} for name in _HIDDEN}
    tables[MAIN_TABLE] = {
        "title": "Articles",
        "description_html": search_form,
        "facets": ["category", "layout", "month", {"array": "authors"}],
        "sort_desc": "published_at",
        "label_column": "title",
    }
    return {
        "title": f"{NEWSPAPER}: the archive",
        "description_html": f'<p><a href="/{database}/{MAIN_TABLE}">The articles</a></p>'
        + search_form,
        "databases": {
            database: {
                "tables": tables,
                "queries": {
                    "articles_per_day": {
                        "title": "Articles per day, with the days that had none",
                        "sql": ARTICLES_PER_DAY.strip(),
                        "params": ["since", "until"],
                        "description": "Days as YYYY-MM-DD; leave empty for the whole archive.",
                    },
                    "last_crawl": {
                        "title": "The last crawl's outcomes",
                        "sql": LAST_CRAWL.strip(),
                    },
                    "changed_this_week": {
                        "title": "What changed this week",
                        "sql": CHANGED_THIS_WEEK.strip(),
                    },
                },
            }
        },
    }
