"""Search ranks from precomputed weights and reads only the best of each word's articles; the
best matches must still come first: its top results are checked against a full bm25 ranking of
every match, FTS5's own `bm25()` with the same column weights (SQLite's code, not ours), over a
generated archive where each word's list is longer than what a search reads at first."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sitegen import generated_site

from newsarchive.store import Archive, Fetched, RawPage
from newsarchive.store.ranking import DEPTH

ARTICLES = 1500


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("ranking")) / "archive.db"


@pytest.fixture(scope="module")
def archive(db: Path) -> Iterator[Archive]:
    site = generated_site(ARTICLES)
    with Archive.open(f"sqlite:///{db}") as opened:
        fetches = []
        for i in range(ARTICLES):
            article = site.article(i)
            raw = RawPage(
                url=article.url,
                fetch_url=article.url,
                final_url=article.url,
                status=200,
                outcome="ok",
                headers=(("content-type", "text/html"),),
                body=f"<html>{i}</html>".encode(),
                fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
            fetches.append(Fetched(raw, article, "article"))
        for first in range(0, ARTICLES, 250):
            opened.record_fetches(fetches[first : first + 250])
        yield opened


def full_bm25(db: Path, match: str, limit: int) -> list[str]:
    """The best `limit` articles for an FTS5 query (written out here in FTS5's own syntax), by
    FTS5's bm25 over every match."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT a.url FROM article_fts JOIN article AS a ON a.id = article_fts.rowid "
            "WHERE article_fts MATCH ? ORDER BY bm25(article_fts, 10, 4, 1, 2) LIMIT ?",
            (match, limit),
        ).fetchall()
    return [url for (url,) in rows]


def listed(db: Path, word: str) -> int:
    with sqlite3.connect(db) as connection:
        query = "SELECT count(*) FROM article_search_impact WHERE word = ?"
        return int(connection.execute(query, (word,)).fetchone()[0])


# Queries whose words are in most articles: each word's list is longer than a search reads.
QUERIES = {
    "Hà Nội": '"ha" "noi"',
    "phố phường": '"pho" "phuong"',
    "người dân": '"nguoi" "dan"',
    "quận": '"quan"',
    "thành phố": '"thanh" "pho"',
    "cộng đồng": '"cong" "dong"',
}


def test_the_best_matches_come_first_as_a_full_bm25_ranking_puts_them(
    archive: Archive, db: Path
) -> None:
    first, shared = 0, []
    for query, match in QUERIES.items():
        words = match.replace('"', "").split()
        assert max(listed(db, word) for word in words) > DEPTH  # a search reads part of a list
        best = full_bm25(db, match, 5)
        found = [hit.url for hit in archive.search(query, limit=5)]
        first += found[0] == best[0]
        shared.append(len(set(found) & set(best)))
    # The ranking is bm25's without the archive's statistics (ranking.py): nearly always the
    # same best article, and most of the best five.
    assert first >= len(QUERIES) - 1, shared
    assert min(shared) >= 3 and sum(shared) >= 4 * len(QUERIES), shared
