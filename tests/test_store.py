"""The archive: real SQLite files, behaviour that matters to the crawl and the commands."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from crawled import expected_records, holds, rows
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine

from newsarchive.derived.fold import fold
from newsarchive.record import Article, Image, Related
from newsarchive.store import (
    Archive,
    Candidate,
    RawPage,
    SearchSyntaxError,
    StoreError,
)
from newsarchive.store.engine import head_revision, migration_config
from newsarchive.store.models import Base, include_object

SITE = "https://kinhtedothi.vn"
URL = f"{SITE}/huyen-hoai-duc-nang-cao-chat-luong-cai-cach-hanh-chinh.html"
T0 = datetime(2024, 3, 15, 9, 0, tzinfo=UTC)


def full_article(url: str = URL, **changes: object) -> Article:
    article = Article(
        url=url,
        site_id="512345",
        title="Huyện Hoài Đức: Nâng cao chất lượng cải cách hành chính, tăng sự hài lòng",
        sapo=(
            "Chiều 15/3, UBND huyện Hoài Đức đã tổ chức hội nghị đánh giá kết quả thực hiện "
            "công tác cải cách hành chính (CCHC) năm 2023."
        ),
        paragraphs=(
            "Năm 2023, chỉ số CCHC của huyện đạt kết quả cao, người dân hài lòng.",
            "Huyện tập trung chuyển đổi số.\nMỗi xã một bộ phận một cửa.",
            "Cột A | Cột B",
            "Phấn đấu đạt chỉ số CCHC trong tốp đầu của TP.",
        ),
        captions=(
            "Huyện Hoài Đức phấn đấu đứng vào tốp đầu của Thành phố về CCHC",
            "Người dân xã Song Phương đến UBND xã (ảnh tư liệu).",
        ),
        images=(
            Image(
                f"{SITE}/images/a.jpg",
                "Huyện Hoài Đức phấn đấu đứng vào tốp đầu của Thành phố về CCHC",
            ),
            Image(f"{SITE}/images/b.jpg", "Người dân xã Song Phương đến UBND xã (ảnh tư liệu)."),
            Image("http://cdn.kinhtedothi.vn/images/c.png", None),
        ),
        published_at="2024-03-15T16:05:00+07:00",
        updated_at="2024-03-15T16:05:00+07:00",
        authors=("Hà Phong", "Nguyễn Văn Đức"),
        category="Hà Nội",
        tags=("Hoài Đức", "cải cách hành chính"),
        related=(
            Related(f"{SITE}/hoai-duc-nong-thon-moi.html", "Hoài Đức tiến gần mục tiêu", "inline"),
            Related(f"{SITE}/dung-bo-lo-1.html", "Tin đừng bỏ lỡ", "related"),
            Related(f"{SITE}/tin-moi-1.html", "Tin mới một", "latest"),
            Related(f"{SITE}/tin-moi-2.html", "Tin mới hai", "latest"),
            Related(f"{SITE}/doc-nhieu.html", "Đọc nhiều", "most_read"),
        ),
        layout="A",
        parser_version="2024.1",
    )
    return replace(article, **changes)  # type: ignore[arg-type]


def fetch(
    url: str = URL,
    *,
    outcome: str = "ok",
    body: bytes = b"<html>page</html>",
    at: datetime = T0,
    status: int | None = 200,
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html; charset=utf-8"),),
    error: str | None = None,
) -> RawPage:
    return RawPage(
        url=url,
        fetch_url=url,
        final_url=url,
        status=status,
        outcome=outcome,
        headers=headers,
        body=body,
        fetched_at=at,
        error=error,
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "archive.db"


@pytest.fixture
def archive(db_path: Path) -> Iterator[Archive]:
    with Archive.open(f"sqlite:///{db_path}") as opened:
        yield opened


# -- articles ------------------------------------------------------------------------------


def test_same_article_twice_is_one_row_new_then_unchanged(archive: Archive, db_path: Path) -> None:
    assert archive.record_fetch(fetch(), article=full_article(), page_kind="article") == "new"
    later = T0 + timedelta(hours=1)
    outcome = archive.record_fetch(fetch(at=later), article=full_article(), page_kind="article")

    assert outcome == "unchanged"
    assert archive.article_count() == 1
    assert rows(db_path, "SELECT count(*) FROM article_image") == [(3,)]
    assert rows(db_path, "SELECT first_seen_at, last_seen_at, raw_page_id FROM article") == [
        ("2024-03-15T09:00:00.000000+00:00", "2024-03-15T10:00:00.000000+00:00", 2)
    ]


def test_changed_title_is_an_update_the_stored_record_shows(archive: Archive) -> None:
    archive.record_fetch(fetch(), article=full_article(), page_kind="article")
    changed = full_article(title="Hoài Đức: tiêu đề mới", tags=("Hoài Đức",))

    assert archive.record_fetch(fetch(), article=changed, page_kind="article") == "updated"
    assert archive.article_count() == 1
    assert archive.get_article(URL) == changed


def test_a_full_record_round_trips_exactly(archive: Archive) -> None:
    article = full_article()
    archive.record_fetch(fetch(), article=article, page_kind="article")

    stored = archive.get_article(URL)
    assert stored is not None
    assert stored.to_dict() == article.to_dict()
    assert archive.get_article(1) == article


def test_a_sparse_record_round_trips_exactly(archive: Archive) -> None:
    article = Article(url=f"{SITE}/a.html", title="Tin ngắn")
    archive.record_fetch(fetch(article.url), article=article, page_kind="article")

    stored = archive.get_article(article.url)
    assert stored is not None and stored.to_dict() == article.to_dict()
    assert archive.get_article(f"{SITE}/missing.html") is None


def test_article_is_stored_under_its_canonical_url(archive: Archive, db_path: Path) -> None:
    fetched_as = f"{SITE}/amp/huyen-hoai-duc.html"
    archive.add_candidates([Candidate(fetched_as, "article", "link")])
    archive.record_fetch(fetch(fetched_as), article=full_article(), page_kind="article")

    assert archive.get_article(URL) is not None
    assert rows(db_path, "SELECT url, state FROM frontier") == [(fetched_as, "done")]


def test_unchanged_content_under_a_new_parser_version_is_unchanged(archive: Archive) -> None:
    archive.record_fetch(fetch(), article=full_article(), page_kind="article")
    newer = full_article(parser_version="2024.2")

    assert archive.record_fetch(fetch(), article=newer, page_kind="article") == "unchanged"
    stored = archive.get_article(URL)
    assert stored is not None and stored.parser_version == "2024.2"


def test_not_modified_answer_for_a_known_article_counts_as_unchanged(
    archive: Archive, db_path: Path
) -> None:
    archive.record_fetch(fetch(), article=full_article(), page_kind="article")
    later = T0 + timedelta(days=1)
    not_modified = fetch(outcome="not_modified", status=304, body=b"", at=later)

    assert archive.record_fetch(not_modified, article=None, page_kind=None) == "unchanged"
    # The article still points at the capture that has its body.
    assert rows(db_path, "SELECT raw_page_id, last_seen_at FROM article") == [
        (1, "2024-03-16T09:00:00.000000+00:00")
    ]


def test_iter_articles_streams_in_publication_order(archive: Archive) -> None:
    dates = ["2024-03-15T16:05:00+07:00", None, "2023-01-01T00:00:00+07:00"]
    for number, date in enumerate(dates):
        article = full_article(f"{SITE}/{number}.html", published_at=date)
        archive.record_fetch(fetch(article.url), article=article, page_kind="article")

    assert [a.published_at for a in archive.iter_articles()] == [dates[2], dates[0], None]


# -- raw pages -----------------------------------------------------------------------------


def test_identical_bodies_are_stored_once(archive: Archive, db_path: Path) -> None:
    body = "<html>Hoài Đức</html>".encode() * 100
    archive.record_fetch(fetch(f"{SITE}/a", body=body), article=None, page_kind="listing")
    archive.record_fetch(fetch(f"{SITE}/b", body=body), article=None, page_kind="listing")

    assert rows(db_path, "SELECT count(*) FROM raw_page") == [(2,)]
    assert rows(db_path, "SELECT count(*), sum(size) FROM raw_body") == [(1, len(body))]
    assert archive.raw_body(1) == archive.raw_body(2) == body


def test_raw_page_keeps_what_the_fetch_returned(archive: Archive, db_path: Path) -> None:
    headers = (("Content-Type", "text/html"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"))
    run = archive.start_run()
    archive.record_fetch(fetch(headers=headers), article=None, page_kind="not_found", run_id=run)

    assert rows(
        db_path, "SELECT outcome, content_type, headers, page_kind, run_id FROM raw_page"
    ) == [
        (
            "ok",
            "text/html",
            '[["Content-Type", "text/html"], ["Set-Cookie", "a=1"], ["Set-Cookie", "b=2"]]',
            "not_found",
            run,
        )
    ]


def test_a_fetch_is_archived_whole_or_not_at_all(archive: Archive, db_path: Path) -> None:
    archive.add_candidates([Candidate(URL, "article", "sitemap")])
    with sqlite3.connect(db_path) as connection:  # the article insert fails half-way
        connection.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON article "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )

    with pytest.raises(StoreError, match="disk full"):
        archive.record_fetch(fetch(), article=full_article(), page_kind="article")

    assert rows(db_path, "SELECT count(*) FROM raw_page") == [(0,)]
    assert rows(db_path, "SELECT count(*) FROM raw_body") == [(0,)]
    assert rows(db_path, "SELECT state, attempts FROM frontier") == [("pending", 0)]


def test_an_archive_killed_mid_crawl_opens_consistent(db_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from datetime import UTC, datetime
        from newsarchive.record import Article
        from newsarchive.store import Archive, RawPage
        archive = Archive.open("sqlite:///{db_path}")
        for n in range(100000):
            url = "{SITE}/%d.html" % n
            raw = RawPage(url, url, url, 200, "ok", (), b"body %d" % n, datetime.now(UTC))
            article = Article(url=url, title="Tin %d" % n)
            archive.record_fetch(raw, article=article, page_kind="article")
            if n == 5:
                print("writing", flush=True)
        """
    )
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
        time.sleep(0.3)
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()

    with Archive.open(f"sqlite:///{db_path}") as archive:
        count = archive.article_count()
    assert count > 5
    assert rows(db_path, "PRAGMA integrity_check") == [("ok",)]
    assert rows(db_path, "SELECT count(*) FROM raw_page") == [(count,)]
    assert rows(db_path, "SELECT count(*) FROM frontier WHERE state = 'done'") == [(count,)]
    assert rows(db_path, "SELECT count(*) FROM article_fts") == [(count,)]


# -- frontier ------------------------------------------------------------------------------


def test_known_urls_are_not_added_twice(archive: Archive) -> None:
    first = [
        Candidate(f"{SITE}/a", "article", "sitemap"),
        Candidate(f"{SITE}/b", "listing", "seed"),
    ]
    again = [Candidate(f"{SITE}/b", "listing", "link"), Candidate(f"{SITE}/c", "article", "feed")]

    assert archive.add_candidates(first) == 2
    assert archive.add_candidates(again + again) == 1
    assert archive.pending_count() == 3


def test_next_batch_takes_lower_priority_first_then_discovery_order(archive: Archive) -> None:
    archive.add_candidates(
        [
            Candidate(f"{SITE}/late", "article", "link", priority=200),
            Candidate(f"{SITE}/first", "article", "sitemap"),
            Candidate(f"{SITE}/second", "article", "sitemap"),
        ]
    )
    archive.add_candidates([Candidate(f"{SITE}/home", "listing", "seed", priority=0)])

    batch = archive.next_batch(3)

    assert [entry.url for entry in batch] == [f"{SITE}/home", f"{SITE}/first", f"{SITE}/second"]
    assert archive.next_batch(10)[:3] == batch  # reading the batch changes nothing


def test_fetch_outcomes_make_entries_done_or_failed(archive: Archive, db_path: Path) -> None:
    urls = [f"{SITE}/{n}" for n in range(3)]
    archive.add_candidates(Candidate(url, "article", "sitemap") for url in urls)
    validators = (("ETag", '"abc"'), ("Last-Modified", "Fri, 15 Mar 2024 09:00:00 GMT"))

    archive.record_fetch(fetch(urls[0], headers=validators), article=None, page_kind="listing")
    archive.record_fetch(fetch(urls[1], outcome="gone", status=410), article=None, page_kind=None)
    failed = fetch(urls[2], outcome="failed", status=None, body=b"", error="timed out")
    assert archive.record_fetch(failed, article=None, page_kind=None) == "failed"

    assert rows(
        db_path, "SELECT state, attempts, last_error, etag, last_modified FROM frontier ORDER BY id"
    ) == [
        ("done", 1, None, '"abc"', "Fri, 15 Mar 2024 09:00:00 GMT"),
        ("done", 1, None, None, None),
        ("failed", 1, "timed out", None, None),
    ]
    assert archive.pending_count() == 0
    # A 304 without validators keeps the ones the entry had.
    not_modified = fetch(urls[0], outcome="not_modified", status=304, body=b"")
    archive.reschedule([urls[0]])
    archive.record_fetch(not_modified, article=None, page_kind=None)
    assert rows(db_path, "SELECT etag FROM frontier WHERE id = 1") == [('"abc"',)]


def test_links_found_on_a_page_join_the_frontier_with_its_fetch(
    archive: Archive, db_path: Path
) -> None:
    archive.add_candidates([Candidate(f"{SITE}/kinh-te/", "listing", "seed")])
    found = [
        Candidate(f"{SITE}/a.html", "article", "link"),
        Candidate(f"{SITE}/b.html", "article", "link"),
    ]
    archive.record_fetch(
        fetch(f"{SITE}/kinh-te/"), article=None, page_kind="listing", discovered=found
    )
    assert rows(db_path, "SELECT url, state FROM frontier ORDER BY id") == [
        (f"{SITE}/kinh-te/", "done"),
        (f"{SITE}/a.html", "pending"),
        (f"{SITE}/b.html", "pending"),
    ]


def test_requeue_failed_retries_only_entries_with_attempts_left(archive: Archive) -> None:
    once, thrice = f"{SITE}/once", f"{SITE}/thrice"
    archive.add_candidates(
        [Candidate(once, "article", "link"), Candidate(thrice, "article", "link")]
    )

    def fail(url: str) -> None:
        failed = fetch(url, outcome="failed", status=503, body=b"", error="HTTP 503")
        assert archive.record_fetch(failed, article=None, page_kind=None) == "failed"

    fail(once)
    for _ in range(3):
        fail(thrice)
        archive.requeue_failed(max_attempts=3)

    assert [(e.url, e.attempts) for e in archive.next_batch(10)] == [(once, 1)]
    assert archive.requeue_failed(max_attempts=3) == 0
    assert archive.requeue_failed(max_attempts=4) == 1
    assert archive.pending_count() == 2


def test_newer_lastmod_makes_a_done_entry_pending_again(archive: Archive) -> None:
    archive.add_candidates([Candidate(URL, "article", "sitemap", lastmod=T0 - timedelta(days=1))])
    archive.record_fetch(fetch(at=T0), article=None, page_kind="listing")

    archive.add_candidates([Candidate(URL, "article", "sitemap", lastmod=T0 - timedelta(hours=1))])
    assert archive.pending_count() == 0

    archive.add_candidates([Candidate(URL, "article", "feed", lastmod=T0 + timedelta(hours=1))])
    assert [(e.url, e.lastmod) for e in archive.next_batch(5)] == [(URL, T0 + timedelta(hours=1))]


def test_reschedule_makes_entry_points_pending_again(archive: Archive) -> None:
    home, sitemap = f"{SITE}/", f"{SITE}/sitemap.xml"
    archive.add_candidates(
        [Candidate(home, "listing", "seed"), Candidate(sitemap, "sitemap", "seed")]
    )
    for url in (home, sitemap):
        archive.record_fetch(fetch(url), article=None, page_kind="listing")
    assert archive.pending_count() == 0

    archive.reschedule([home, f"{SITE}/unknown"])

    assert [e.url for e in archive.next_batch(10)] == [home]


def test_runs_record_when_and_how_a_crawl_ended(archive: Archive, db_path: Path) -> None:
    run = archive.start_run()
    archive.finish_run(run, {"fetched": 3, "new": 2}, 0)

    [(finished, counts, status, pid)] = rows(
        db_path, "SELECT finished_at, counts, exit_status, pid FROM crawl_run"
    )
    assert finished is not None and str(finished).endswith("+00:00")
    assert (counts, status, pid) == ('{"fetched": 3, "new": 2}', 0, os.getpid())
    with pytest.raises(StoreError, match="no crawl run 99"):
        archive.finish_run(99, {}, 1)


# -- search --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "hoai duc",
        "HOAI DUC",
        "Hoài Đức",
        unicodedata.normalize("NFD", "Hoài Đức"),
        '"hoài đức"',
        '"cai cach hanh chinh" AND tốp',
    ],
)
def test_search_ignores_diacritics_and_case(archive: Archive, query: str) -> None:
    archive.record_fetch(fetch(), article=full_article(), page_kind="article")
    other = Article(url=f"{SITE}/other.html", title="Giá vàng hôm nay", paragraphs=("Hà Nội",))
    archive.record_fetch(fetch(other.url), article=other, page_kind="article")

    assert [hit.url for hit in archive.search(query)] == [URL]


def test_search_snippet_shows_the_original_text_with_matches_marked(archive: Archive) -> None:
    archive.record_fetch(fetch(), article=full_article(), page_kind="article")

    [hit] = archive.search("hoai duc")

    assert hit.title == full_article().title
    assert hit.published_at == "2024-03-15T16:05:00+07:00"
    assert "[Hoài Đức]" in hit.snippet
    assert hit.score > 0


def test_snippet_is_cut_to_about_thirty_words_around_the_first_match(archive: Archive) -> None:
    words = [f"từ{n}" for n in range(200)]
    words[100] = "Đông Anh"
    article = Article(url=f"{SITE}/long.html", title="Dài", paragraphs=(" ".join(words),))
    archive.record_fetch(fetch(article.url), article=article, page_kind="article")

    [hit] = archive.search("dong anh")

    assert hit.snippet.startswith("… từ90 ") and hit.snippet.endswith(" …")
    assert "[Đông Anh]" in hit.snippet
    assert 28 <= len(hit.snippet.split()) <= 34


def test_search_ranks_title_matches_first(archive: Archive) -> None:
    in_body = Article(url=f"{SITE}/1.html", title="Tin khác", paragraphs=("Ở Sóc Sơn hôm nay.",))
    in_title = Article(url=f"{SITE}/2.html", title="Sóc Sơn mở đường", paragraphs=("Đường mới.",))
    for article in (in_body, in_title):
        archive.record_fetch(fetch(article.url), article=article, page_kind="article")

    assert [hit.url for hit in archive.search("soc son")] == [in_title.url, in_body.url]


@pytest.mark.parametrize("query", ['"unclosed', "AND", "hoai AND", "hoai (duc", "  ", "!?"])
def test_malformed_query_raises_search_syntax_error(archive: Archive, query: str) -> None:
    archive.record_fetch(fetch(), article=full_article(), page_kind="article")

    with pytest.raises(SearchSyntaxError) as raised:
        archive.search(query)
    assert "\n" not in str(raised.value)


def test_search_index_follows_updates(archive: Archive) -> None:
    archive.record_fetch(fetch(), article=full_article(), page_kind="article")
    rewritten = full_article(
        title="Mê Linh phát triển",
        sapo=None,
        paragraphs=("Mê Linh mở rộng đô thị.",),
        captions=(),
        images=(),
        tags=(),
    )
    archive.record_fetch(fetch(), article=rewritten, page_kind="article")

    assert archive.search("hoai duc") == []
    assert [hit.url for hit in archive.search("me linh")] == [URL]


@given(st.text())
def test_folding_keeps_every_character_in_its_place(text: str) -> None:
    folded = fold(text)
    assert len(folded) == len(unicodedata.normalize("NFC", text))


def test_folding_strips_vietnamese_diacritics_and_case() -> None:
    assert fold("Huyện Hoài Đức, ĐÔNG ANH, Ðà Nẵng") == "huyen hoai duc, dong anh, da nang"


# -- opening, settings, migrations ---------------------------------------------------------


def test_archive_runs_in_wal_mode_with_foreign_keys(archive: Archive, db_path: Path) -> None:
    assert rows(db_path, "PRAGMA journal_mode") == [("wal",)]
    engine = archive._engine
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_reopening_an_archive_keeps_its_rows(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    with Archive.open(url) as archive:
        archive.add_candidates([Candidate(URL, "article", "sitemap")])
        archive.record_fetch(fetch(), article=full_article(), page_kind="article")

    with Archive.open(url) as archive:
        assert archive.get_article(URL) == full_article()
        assert [hit.url for hit in archive.search("hoai duc")] == [URL]
    head = ScriptDirectory.from_config(migration_config()).get_current_head()
    assert rows(db_path, "SELECT version_num FROM alembic_version") == [(head,)]


def test_the_head_revision_read_from_file_names_is_alembics_own() -> None:
    # Opening an archive compares its revision with `head_revision` and loads Alembic only
    # when they differ: a wrong head would skip a migration, or migrate on every open.
    assert head_revision() == ScriptDirectory.from_config(migration_config()).get_current_head()


def test_an_empty_database_file_is_upgraded_to_the_full_schema(db_path: Path) -> None:
    sqlite3.connect(db_path).close()

    with Archive.open(f"sqlite:///{db_path}") as archive:
        assert archive.article_count() == 0
    tables = {name for (name,) in rows(db_path, "SELECT name FROM sqlite_master")}
    assert {"frontier", "raw_page", "raw_body", "article", "article_fts", "crawl_run"} <= tables


def test_an_archive_from_a_newer_version_is_refused(db_path: Path) -> None:
    Archive.open(f"sqlite:///{db_path}").close()
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")

    with pytest.raises(StoreError, match="revision 9999"):
        Archive.open(f"sqlite:///{db_path}")


def test_migrations_create_exactly_the_tables_of_the_models(db_path: Path) -> None:
    Archive.open(f"sqlite:///{db_path}").close()
    engine = create_engine(f"sqlite:///{db_path}")
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


@pytest.mark.parametrize(
    ("where", "says"),
    [
        ("file/archive.db", "does not exist"),
        ("missing/archive.db", "does not exist"),
        ("folder", "is a directory"),
    ],
)
def test_an_unusable_path_raises_a_one_line_store_error(
    tmp_path: Path, where: str, says: str
) -> None:
    (tmp_path / "file").write_text("not a folder")
    (tmp_path / "folder").mkdir()

    with pytest.raises(StoreError, match=says) as raised:
        Archive.open(f"sqlite:///{tmp_path / where}")
    assert "\n" not in str(raised.value)


def test_a_file_that_is_not_an_archive_raises_store_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Hoài Đức\n" * 100)

    with pytest.raises(StoreError, match="not a database") as raised:
        Archive.open(f"sqlite:///{path}")
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("url", ["archive.db", "nosuchdb://x/y"])
def test_a_bad_archive_url_raises_store_error(url: str) -> None:
    with pytest.raises(StoreError, match="archive") as raised:
        Archive.open(url)
    assert "\n" not in str(raised.value)


def test_an_archive_made_by_version_0_1_0_upgrades_without_losing_a_row(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    old.write_bytes((Path(__file__).parent / "data" / "archive-0.1.0.db").read_bytes())
    tables = (
        "article",
        "article_image",
        "article_link",
        "raw_page",
        "raw_body",
        "frontier",
        "crawl_run",
    )
    before = {t: rows(old, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    assert before["article"] == 21

    with Archive.open(f"sqlite:///{old}") as archive:
        seed = archive.get_article(
            "https://kinhtedothi.vn/huyen-hoai-duc-nang-cao-chat-luong-cai-cach-hanh-chinh-tang-su-hai-long.html"
        )
        assert seed is not None and seed.title.startswith("Huyện Hoài Đức")
        # Both articles of the replica on Hoài Đức are among the 21.
        on_hoai_duc = {
            url for url, record in expected_records().items() if holds(record, "hoai", "duc")
        }
        assert {hit.url for hit in archive.search("hoai duc")} == on_hoai_duc
        # Migration 0012 read the stored bodies' sizes once: `stats` sums them from there.
        stored = archive.stats().compressed_bytes

    assert {t: rows(old, f"SELECT count(*) FROM {t}")[0][0] for t in tables} == before
    assert stored == 117_814, "the 49 bodies of archive-0.1.0.db take 117,814 bytes compressed"
    assert rows(old, "PRAGMA integrity_check") == [("ok",)]
