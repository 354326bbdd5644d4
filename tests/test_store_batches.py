"""Many fetches in one transaction (`Archive.record_fetches`, as a crawl writes) leave the
archive exactly as the same fetches written one at a time, repeats of one URL included."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from crawled import rows
from test_store import SITE, T0, full_article
from test_store import fetch as raw_fetch

from newsarchive.store import Archive, Candidate, Fetched, StoreError

OTHER = f"{SITE}/ha-noi-mo-rong-khong-gian-cong-cong-ven-ho.html"
LISTING = f"{SITE}/kinh-te/"
# What each table holds, without the ids the two ways may number differently.
TABLES = {
    "raw_page": "SELECT url, status, outcome, error, body_sha256, fetched_at, page_kind FROM raw_page",
    "raw_body": "SELECT sha256, size FROM raw_body",
    "article": "SELECT url, title, sapo, paragraphs, content_hash, first_seen_at, last_seen_at, "
    "(SELECT fetched_at FROM raw_page r WHERE r.id = raw_page_id) FROM article",
    "article_link": "SELECT a.url, l.position, l.url, l.kind FROM article_link l "
    "JOIN article a ON a.id = l.article_id",
    "article_caption": "SELECT a.url, c.position, c.text FROM article_caption c "
    "JOIN article a ON a.id = c.article_id",
    "article_revision": "SELECT a.url, r.content_hash, r.first_seen_at, r.last_seen_at, "
    "r.superseded_at FROM article_revision r JOIN article a ON a.id = r.article_id",
    "frontier": "SELECT url, kind, state, source, priority, attempts, last_error, etag, "
    "last_fetched_at, next_visit_at FROM frontier",
    "article_fts": "SELECT a.url, f.title, f.body FROM article_fts f JOIN article a ON a.id = f.rowid",
}


def a_crawls_worth() -> list[Fetched]:
    """New articles, one changed and one unchanged the same batch, a 304, a failure, a page
    that is no article, and links found: every path through the store."""
    first = full_article()
    changed = replace(first, title="Hoài Đức: tiêu đề mới", paragraphs=("Đoạn mới.",))
    other = full_article(OTHER, site_id="600001")
    later = [T0 + timedelta(minutes=i) for i in range(10)]
    links = (
        Candidate(OTHER, "article", "link"),
        Candidate(f"{SITE}/bai-moi-tim-thay.html", "article", "link"),
    )
    return [
        Fetched(raw_fetch(LISTING, at=later[0]), None, "listing", discovered=links),
        Fetched(raw_fetch(at=later[1], body=b"<p>v1</p>"), first, "article", discovered=links),
        Fetched(raw_fetch(OTHER, at=later[2], body=b"<p>o</p>"), other, "article"),
        Fetched(raw_fetch(at=later[3], body=b"<p>v2</p>"), changed, "article"),
        Fetched(raw_fetch(at=later[4], body=b"<p>v2</p>"), changed, "article"),
        Fetched(raw_fetch(OTHER, outcome="not_modified", status=304, body=b"", at=later[5])),
        Fetched(raw_fetch(f"{SITE}/hong.html", outcome="failed", status=503, at=later[6])),
        Fetched(raw_fetch(f"{SITE}/chan.html", at=later[7]), None, "challenge", failure="bot"),
        Fetched(raw_fetch(at=later[8], body=b"<p>v1</p>"), first, "article"),
    ]


def contents(db: Path) -> dict[str, list[tuple[object, ...]]]:
    return {table: sorted(rows(db, sql), key=repr) for table, sql in TABLES.items()}


def test_one_transaction_for_many_fetches_leaves_what_one_at_a_time_leaves(
    tmp_path: Path,
) -> None:
    fetches = a_crawls_worth()
    one_by_one, together = tmp_path / "one.db", tmp_path / "together.db"
    with Archive.open(f"sqlite:///{one_by_one}") as archive:
        singly = [archive.record_fetches([fetched])[0] for fetched in fetches]
    with Archive.open(f"sqlite:///{together}") as archive:
        batched = archive.record_fetches(fetches)

    assert batched == singly
    assert singly == [
        "not_article",
        "new",
        "new",
        "updated",
        "unchanged",
        "unchanged",
        "failed",
        "failed",
        "updated",
    ]
    assert contents(together) == contents(one_by_one)
    # The first version went into history, and came back: two revisions; the frontier saw the
    # page fetched four times.
    assert len(rows(together, "SELECT id FROM article_revision")) == 2
    assert rows(together, f"SELECT attempts FROM frontier WHERE url = '{full_article().url}'") == [
        (4,)
    ]


def test_a_batch_that_cannot_be_written_leaves_nothing_of_itself(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    fetches = a_crawls_worth()
    with Archive.open(f"sqlite:///{db}") as archive:
        archive.record_fetches(fetches[:2])
        before = contents(db)
        with sqlite3.connect(db) as conn:  # a trigger that fails the batch's last insert
            conn.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON raw_page WHEN NEW.url LIKE '%chan.html'"
                " BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        with pytest.raises(StoreError, match="refused"):
            archive.record_fetches(fetches[2:])
    assert contents(db) == before
