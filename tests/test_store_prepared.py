"""What the archive derives from a fetch without a database (`newsarchive.derived.prepared`), worked out
by the crawl's reader instead of the store: the same archive either way. And the store's rows
written at the driver (`dialect.insert_rows` and the rest): what SQLAlchemy would have written."""

from __future__ import annotations

import sqlite3
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from crawled import rows
from sqlalchemy import Connection, bindparam, create_engine, insert, select, update
from test_read import PAGE, SITE, URL
from test_store import full_article
from test_store_batches import a_crawls_worth, contents

from newsarchive.derived.prepared import content_hash, folded_texts, pack_body, prepare
from newsarchive.runs.readers import read_page
from newsarchive.store import Archive
from newsarchive.store.dialect import insert_rows, insert_rows_keyed, update_by_id
from newsarchive.store.models import FrontierEntryRow, RawPageRow, table_of

BODIES = "SELECT sha256, size, body FROM raw_body ORDER BY sha256"


def test_fetches_prepared_by_the_reader_leave_what_the_store_would_leave(tmp_path: Path) -> None:
    fetches = a_crawls_worth()
    ready = [replace(f, prepared=prepare(f.raw.body, f.article)) for f in fetches]
    plain, prepared = tmp_path / "plain.db", tmp_path / "prepared.db"
    with Archive.open(f"sqlite:///{plain}") as archive:
        outcomes = archive.record_fetches(fetches)
    with Archive.open(f"sqlite:///{prepared}") as archive:
        assert archive.record_fetches(ready) == outcomes

    assert contents(prepared) == contents(plain)
    assert rows(prepared, BODIES) == rows(plain, BODIES)
    assert "updated" in outcomes  # the changed article's FTS row and revision were rewritten


def test_the_stored_hash_and_index_are_those_of_the_record_read_back(tmp_path: Path) -> None:
    article = full_article()
    fetched = a_crawls_worth()[1]
    db = tmp_path / "a.db"
    with Archive.open(f"sqlite:///{db}") as archive:
        archive.record_fetches([fetched])
        stored = archive.get_article(article.url)
    assert stored == article
    [(digest,)] = rows(db, "SELECT content_hash FROM article")
    assert digest == content_hash(stored)
    [indexed] = rows(db, "SELECT title, sapo, body, captions FROM article_fts")
    assert indexed == folded_texts(stored)
    assert "hoai duc" in str(indexed[0])  # folded: no diacritics, lower case


def test_a_packed_body_reads_back_as_the_body() -> None:
    body = PAGE.read_bytes()
    packed = pack_body(body)
    assert packed is not None
    assert zlib.decompress(packed.data) == body
    assert packed.size == len(body) and len(packed.sha256) == 64
    assert pack_body(b"") is None  # an empty body is no body


def test_the_reader_prepares_every_page_it_reads() -> None:
    body = PAGE.read_bytes()
    article = read_page("article", URL, body, max_listing_page=2)
    assert article.article is not None
    assert article.prepared == prepare(body, article.article)
    home = (SITE / "index.html").read_bytes()
    listing = read_page("listing", "https://kinhtedothi.vn/", home, max_listing_page=2)
    assert listing.prepared == prepare(home, None)
    assert listing.prepared is not None and listing.prepared.content_hash is None


# -- rows at the driver ------------------------------------------------------------------------

HANOI = timezone(timedelta(hours=7))
T0 = datetime(2024, 3, 15, 9, 0, tzinfo=UTC)


def _frontier_rows(count: int) -> list[dict[str, Any]]:
    """Rows of two shapes (a failure lacks the done entry's columns), times in two zones."""
    found: list[dict[str, Any]] = []
    for i in range(count):
        row: dict[str, Any] = {
            "url": f"https://kinhtedothi.vn/bai-{i}.html",
            "kind": "article",
            "state": "failed" if i % 3 == 0 else "done",
            "source": "link",
            "priority": 50,
            "discovered_at": (T0 + timedelta(seconds=i)).astimezone(HANOI),
            "attempts": 1,
        }
        if i % 3:
            row |= {"next_visit_at": T0 + timedelta(days=1, microseconds=i), "etag": None}
        found.append(row)
    return found


def _archive_connection(path: Path) -> Connection:
    Archive.open(f"sqlite:///{path}").close()  # the archive's schema
    return create_engine(f"sqlite:///{path}").connect()


def _dump(path: Path, table: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def test_rows_written_at_the_driver_are_those_sqlalchemy_writes(tmp_path: Path) -> None:
    frontier = table_of(FrontierEntryRow)
    made = _frontier_rows(30)
    changes = [
        {"b_id": i, "attempts": 2, "last_fetched_at": T0.astimezone(HANOI)} for i in (1, 5, 9)
    ] + [{"b_id": 2, "state": "pending", "next_visit_at": None}]

    with _archive_connection(tmp_path / "core.db") as conn:
        for row in made:  # one by one: rows of two shapes cannot share one executemany
            conn.execute(insert(frontier), row)
        statement = update(frontier).where(frontier.c.id == bindparam("b_id"))
        for change in changes:
            conn.execute(statement, change)
        conn.commit()
    with _archive_connection(tmp_path / "driver.db") as conn:
        insert_rows(conn, frontier, made)
        update_by_id(conn, frontier, changes)
        # Taken keys are skipped, not an error, when asked to ignore them.
        insert_rows(conn, frontier, made[:2], ignoring=("url",))
        conn.commit()

    driver = _dump(tmp_path / "driver.db", "frontier")
    assert driver == _dump(tmp_path / "core.db", "frontier")
    assert len(driver) == 30, "not the 30 rows made, once each"
    assert driver[1][7] == "2024-03-15T09:00:01.000000+00:00"  # UTC, fixed width


def test_many_rows_keyed_get_their_own_ids_across_statements(tmp_path: Path) -> None:
    raw_page = table_of(RawPageRow)
    # More rows than one statement takes (30,000 parameters): three statements.
    made = [
        {
            "url": f"https://kinhtedothi.vn/trang-{i}.html",
            "fetch_url": f"https://kinhtedothi.vn/trang-{i}.html",
            "final_url": f"https://kinhtedothi.vn/trang-{i}.html",
            "status": 200,
            "outcome": "ok",
            "headers": "[]",
            "fetched_at": T0 + timedelta(seconds=i),
        }
        for i in range(10_000)
    ]
    with _archive_connection(tmp_path / "a.db") as conn:
        insert_rows(conn, raw_page, [made[0] | {"url": "x", "fetch_url": "x", "final_url": "x"}])
        ids = insert_rows_keyed(conn, raw_page, made, "url")
        stored = {
            url: row_id for url, row_id in conn.execute(select(raw_page.c.url, raw_page.c.id))
        }
    assert len(ids) == len(made)
    assert ids == {url: row_id for url, row_id in stored.items() if url != "x"}
    assert sorted(ids.values()) == list(range(2, len(made) + 2))
