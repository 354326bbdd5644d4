"""The archive on PostgreSQL: the commands give what they give on SQLite, several crawls share
one archive politely, and `copy` moves an archive over. Against a real server (tests/pgserver.py):
skipped where none runs, failed under CI where one must."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from crawled import (
    SEED,
    SITE_ROOT,
    copy_of_site,
    edit_page,
    expected_records,
    holds,
    searchable,
    without_version,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pgserver import PgServer
from replica import DEFAULT_ROOT, start_replica
from sitegen import sitemap_urls
from sqlalchemy import create_engine

from newsarchive.cli import run as cli
from newsarchive.store import Archive, Candidate, SearchSyntaxError, copy_archive
from newsarchive.store.engine import migration_config
from newsarchive.store.models import Base, include_object

pytestmark = pytest.mark.postgresql

EXPECTED = expected_records()
NEW_TITLE = EXPECTED[SEED]["title"].replace("tăng sự hài lòng", "nâng sự hài lòng của người dân")
OLD_ARCHIVE = Path(__file__).parent / "data" / "archive-0.1.0.db"
CONFIG = "[fetch]\ndelay = 0.0\nbackoff_base = 0.01\nbackoff_max = 0.05\nretries = 1\n"


def write_config(folder: Path, text: str = CONFIG) -> str:
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@dataclass(frozen=True)
class Archives:
    """The replica crawled into PostgreSQL and, alike, into SQLite: crawled once, then with the
    seed page's title edited, crawled again; the first crawl's WARC files."""

    pg: str
    sqlite: str
    config: str
    warc: Path


@pytest.fixture(scope="module")
def archives(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Archives:
    folder = tmp_path_factory.mktemp("postgresql")
    site = copy_of_site(folder)
    config = write_config(folder)
    pg, lite = pg_server.archive_url(), f"sqlite:///{folder / 'archive.db'}"
    warc = folder / "warc"
    with start_replica(site) as replica:
        for db, extra in ((pg, ["--warc", str(warc)]), (lite, [])):
            crawl = ["crawl", "--config", config, "--db", db, "--base-url", replica.base_url]
            assert cli([*crawl, *extra]) == 0
    edit_page(site, SEED, ("tăng sự hài lòng</h1>", "nâng sự hài lòng của người dân</h1>"))
    with start_replica(site) as replica:
        for db in (pg, lite):
            with Archive.open(db) as archive:
                archive.reschedule([SEED])
            crawl = ["crawl", "--config", config, "--db", db, "--base-url", replica.base_url]
            assert cli(crawl) == 0
    return Archives(pg, lite, config, warc)


def newsarchive(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- the schema ----------------------------------------------------------------------------


def test_migrations_on_postgresql_create_exactly_the_tables_of_the_models(pg_url: str) -> None:
    Archive.open(pg_url).close()
    engine = create_engine(pg_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        assert compare_metadata(context, Base.metadata) == []
        views = connection.exec_driver_sql("SELECT count(*) FROM article_view").scalar()
        assert views == 0
    engine.dispose()


def test_article_view_on_postgresql_gives_each_article_its_record_with_lists_as_json(
    pg_server: PgServer, archives: Archives
) -> None:
    fields = list(EXPECTED[SEED])
    columns = ", ".join(fields)
    rows = pg_server.execute(archives.pg, f"SELECT {columns}, revisions FROM article_view")
    assert len(rows) == len(EXPECTED)
    for row in rows:
        record = dict(zip(fields, row, strict=False))
        for name in ("paragraphs", "captions", "images", "authors", "tags", "related"):
            record[name] = json.loads(str(record[name]))
        expected = dict(EXPECTED[record["url"]])
        if record["url"] == SEED:
            expected["title"] = NEW_TITLE
        assert without_version(record) == without_version(expected), record["url"]
        assert row[-1] == (1 if record["url"] == SEED else 0)


def test_upgrading_a_postgresql_archive_to_0005_indexes_the_articles_it_holds(
    pg_url: str, archives: Archives
) -> None:
    copy_archive(archives.sqlite, pg_url)
    engine = create_engine(pg_url)
    try:
        config = migration_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0004")  # as archived before search worked here
    finally:
        engine.dispose()
    with Archive.open(pg_url) as archive:  # upgraded again: the index is filled
        expected = {url for url, record in EXPECTED.items() if "hoai duc" in searchable(record)}
        assert {hit.url for hit in archive.search("hoai duc", limit=50)} == expected


# -- the commands, as on SQLite ------------------------------------------------------------


def test_a_crawl_into_postgresql_stores_every_article_as_its_expected_record(
    archives: Archives, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = newsarchive(capsys, "export", "--format", "jsonl", "--db", archives.pg)
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert sorted(r["url"] for r in records) == sorted(EXPECTED)  # every article, once
    for record in records:
        expected = dict(EXPECTED[record["url"]])
        if record["url"] == SEED:
            expected["title"] = NEW_TITLE
        assert without_version(record) == without_version(expected), record["url"]
    dated = [r["published_at"] for r in records if r["published_at"]]
    assert dated == sorted(dated)  # oldest first
    code, lite, _ = newsarchive(capsys, "export", "--format", "jsonl", "--db", archives.sqlite)
    assert lite == out


def test_how_each_field_was_read_is_kept_and_copied_on_postgresql_as_on_sqlite(
    pg_server: PgServer, archives: Archives, pg_url: str
) -> None:
    sql = "SELECT url, field_sources, confidence FROM article_view"

    def kept(rows: list[tuple[object, ...]]) -> dict[str, tuple[object, object]]:
        return {
            str(url): (json.loads(str(sources)), confidence) for url, sources, confidence in rows
        }

    with sqlite3.connect(archives.sqlite.removeprefix("sqlite:///")) as connection:
        lite = kept(connection.execute(sql).fetchall())
    assert lite and all(sources and confidence is not None for sources, confidence in lite.values())
    assert kept(pg_server.execute(archives.pg, sql)) == lite
    with Archive.open(archives.pg) as archive:
        seed = archive.get_article(SEED)
    assert seed is not None and seed.provenance is not None
    assert (dict(seed.provenance.fields), seed.provenance.confidence) == lite[SEED]

    copy_archive(archives.sqlite, pg_url)

    assert kept(pg_server.execute(pg_url, sql)) == lite


@pytest.mark.parametrize(
    "query", ["hoai duc", "Hoài Đức", unicodedata.normalize("NFD", "Hoài Đức"), "HOAI DUC"]
)
def test_search_on_postgresql_finds_the_same_articles_with_or_without_diacritics(
    archives: Archives, capsys: pytest.CaptureFixture[str], query: str
) -> None:
    expected = {url for url, record in EXPECTED.items() if "hoai duc" in searchable(record)}
    assert len(expected) >= 2, "the replica has fewer articles on Hoài Đức than this test needs"
    code, out, err = newsarchive(
        capsys, "search", query, "--json", "--limit", "50", "--db", archives.pg
    )
    assert (code, err) == (0, "")
    hits = [json.loads(line) for line in out.splitlines()]
    assert {hit["url"] for hit in hits} == expected
    assert [hit["url"] for hit in hits if "[Hoài Đức]" not in hit["snippet"]] == [], (
        "snippets without the match marked"
    )
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True)


def test_a_phrase_search_on_postgresql_matches_those_words_in_that_order(
    archives: Archives,
) -> None:
    phrase = {url for url, r in EXPECTED.items() if "cai cach hanh chinh" in searchable(r)}
    assert phrase, "no article of the replica has the phrase"
    # The words alone do match: in any order, anywhere in the article.
    both = {url for url, r in EXPECTED.items() if holds(r, "duc", "hoai")}
    assert both, "no article of the replica has both words"
    with Archive.open(archives.pg) as archive:
        assert {h.url for h in archive.search('"cải cách hành chính"', limit=50)} == phrase
        assert archive.search('"duc hoai"', limit=50) == []
        assert {h.url for h in archive.search("duc hoai", limit=50)} == both


# FTS5 queries made of the replica's words, operators, phrases, prefixes and column filters.
WORDS = ["ha", "noi", "hoai", "duc", "cai", "cach", "nam", "giao", "thong", "tet", "pho", "cua"]
_PHRASES = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(WORDS).map(lambda w: w[:2] + "*"),
    st.lists(st.sampled_from(WORDS), min_size=2, max_size=3).map(lambda ws: f'"{" ".join(ws)}"'),
    st.tuples(
        st.sampled_from(["title", "body", "sapo", "-title", "{title sapo}"]), st.sampled_from(WORDS)
    ).map(":".join),
)
QUERIES = st.recursive(
    _PHRASES,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from([" AND ", " OR ", " NOT ", " "]), inner).map("".join),
        inner.map(lambda q: f"({q})"),
    ),
    max_leaves=5,
)


def found(archive: Archive, query: str) -> set[str] | str:
    try:
        return {hit.url for hit in archive.search(query, limit=100)}
    except SearchSyntaxError:
        return "syntax error"


@pytest.fixture(scope="module")
def both(archives: Archives) -> Iterator[tuple[Archive, Archive]]:
    """The two archives open: (SQLite, PostgreSQL)."""
    with Archive.open(archives.sqlite) as lite, Archive.open(archives.pg) as pg:
        yield lite, pg


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=QUERIES)
def test_search_on_postgresql_answers_fts5_queries_as_sqlite_does(
    both: tuple[Archive, Archive], query: str
) -> None:
    lite, pg = both
    assert found(pg, query) == found(lite, query)


@pytest.mark.parametrize(
    "query",
    [
        "Hà Nội",
        "hoai duc",
        '"cải cách hành chính"',
        "title:ha",
        "ha NOT noi",
        "giao OR tet",
        "hoa*",
        "Hà Nội: xuất khẩu",
        "NEAR(giao thong, 3)",
        "quận",
    ],
)
def test_search_on_postgresql_ranks_as_sqlite_does(
    both: tuple[Archive, Archive], query: str
) -> None:
    def ranked(archive: Archive) -> list[tuple[float, str]]:
        # Equal scores go newest first, by each archive's own ids: compared by URL here.
        hits = archive.search(query, limit=100)
        assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
        return sorted((-hit.score, hit.url) for hit in hits)

    lite, pg = both
    assert ranked(lite), "SQLite finds nothing: the comparison would test nothing"
    assert ranked(pg) == ranked(lite)


@pytest.mark.parametrize(
    "query",
    ["hoai duc", '"cải cách hành chính"', "title:ha", "ha NOT noi", "giao OR tet", "hoa*"],
)
def test_search_snippets_on_postgresql_are_those_of_sqlite(
    both: tuple[Archive, Archive], query: str
) -> None:
    lite, pg = both
    snippets = {hit.url: hit.snippet for hit in lite.search(query, limit=100)}
    assert snippets, "SQLite finds nothing: the comparison would test nothing"
    assert {hit.url: hit.snippet for hit in pg.search(query, limit=100)} == snippets


@pytest.mark.parametrize(
    "filters",
    [
        ["--since", "2025-01-28", "--until", "2025-01-29"],
        ["--until", "2018-02-05"],
        ["--category", "kinh te"],
        ["--category", "Đô thị", "--since", "2020-01-01"],
    ],
)
def test_search_filters_on_postgresql_choose_what_they_choose_on_sqlite(
    archives: Archives, capsys: pytest.CaptureFixture[str], filters: list[str]
) -> None:
    def urls(db: str) -> list[str]:
        code, out, err = newsarchive(
            capsys, "search", "cac", "--json", "--limit", "50", *filters, "--db", db
        )
        assert (code, err) == (0, "")
        return sorted(json.loads(line)["url"] for line in out.splitlines())

    chosen = urls(archives.pg)
    assert chosen and len(chosen) < len(EXPECTED)
    assert chosen == urls(archives.sqlite)


def test_audit_of_a_postgresql_archive_reads_as_that_of_sqlite(
    archives: Archives, capsys: pytest.CaptureFixture[str]
) -> None:
    with start_replica() as replica:
        period = ["--since", "2017-01-01", "--until", "2025-12-31", "--base-url", replica.base_url]
        audits = [
            newsarchive(capsys, "audit", *period, "--config", archives.config, "--db", db)
            for db in (archives.pg, archives.sqlite)
        ]
    assert audits[0] == audits[1]
    code, out, _ = audits[0]
    listed = len(sitemap_urls(DEFAULT_ROOT)[1])  # not those only the listings' paging leads to
    assert code == 0 and f"{listed} archived, 0 missing" in out.splitlines()[0]


@pytest.mark.parametrize(
    ("query", "says"),
    [('"unclosed', "unterminated string"), ("hoai AND", "syntax error"), ("NOT", "syntax error")],
)
def test_a_bad_search_query_on_postgresql_exits_2_with_one_line(
    archives: Archives, capsys: pytest.CaptureFixture[str], query: str, says: str
) -> None:
    code, out, err = newsarchive(capsys, "search", query, "--db", archives.pg)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and says in err


def test_show_history_on_postgresql_lists_both_versions(
    archives: Archives, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = newsarchive(capsys, "show", "--history", "--json", SEED, "--db", archives.pg)
    assert code == 0
    first, second = json.loads(out)["versions"]
    assert without_version(first["record"]) == without_version(EXPECTED[SEED])
    assert second["record"]["title"] == NEW_TITLE and second["changed"] == ["title"]


def test_stats_on_postgresql_count_what_the_records_say(
    archives: Archives, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = newsarchive(capsys, "stats", "--json", "--db", archives.pg)
    assert code == 0
    stats = json.loads(out)
    assert (stats["articles"], stats["revisions"]) == (len(EXPECTED), 1)
    layouts = Counter(r["layout"] for r in EXPECTED.values())
    assert {row["layout"]: row["articles"] for row in stats["by_layout"]} == layouts
    categories = Counter(r["category"] for r in EXPECTED.values())
    assert {row["category"]: row["articles"] for row in stats["by_category"]} == categories
    assert stats["last_crawl"]["exit_status"] == 0
    lite = json.loads(newsarchive(capsys, "stats", "--json", "--db", archives.sqlite)[1])
    for same in ("by_layout", "by_month", "by_category", "coverage", "raw_bodies", "body_bytes"):
        assert stats[same] == lite[same], same
    # The size on disk: the database's on PostgreSQL, the file's on SQLite.
    assert stats["database_bytes"] > stats["compressed_bytes"] and stats["file_bytes"] is None
    assert lite["database_bytes"] is None and lite["file_bytes"] > 0
    code, text, _ = newsarchive(capsys, "stats", "--db", archives.pg)
    assert code == 0 and "database on disk" in text


def test_reparse_on_postgresql_restores_a_damaged_record_and_its_search_entry(
    pg_server: PgServer, archives: Archives, capsys: pytest.CaptureFixture[str]
) -> None:
    url = next(u for u in EXPECTED if u != SEED and "cop26" in u)
    [(article_id,)] = pg_server.execute(archives.pg, "SELECT id FROM article WHERE url = :u", u=url)
    pg_server.execute(archives.pg, "UPDATE article SET title = 'hỏng' WHERE id = :i", i=article_id)
    pg_server.execute(archives.pg, "DELETE FROM article_search WHERE article_id = :i", i=article_id)
    # Another stored under a URL its page does not give: its own is looked up before it is
    # taken back (whether another article holds it).
    moved = next(u for u in EXPECTED if u not in (SEED, url))
    pg_server.execute(archives.pg, "UPDATE article SET url = 'moved' WHERE url = :u", u=moved)
    with Archive.open(archives.pg) as archive:
        assert url not in {hit.url for hit in archive.search("metan", limit=50)}

    code, out, _ = newsarchive(capsys, "reparse", "--json", "--db", archives.pg)
    assert code == 0
    summary = json.loads(out)
    assert (summary["changed"], summary["of"]) == (2, len(EXPECTED))
    assert summary["fields"] == {"title": 1, "url": 1}
    with Archive.open(archives.pg) as archive:
        stored = archive.get_article(url)
        assert stored is not None and stored.title == EXPECTED[url]["title"]
        assert url in {hit.url for hit in archive.search("metan", limit=50)}
        assert archive.get_article(moved) is not None and archive.get_article("moved") is None


def test_import_warc_into_postgresql_stores_the_crawls_articles(
    pg_url: str, archives: Archives, capsys: pytest.CaptureFixture[str]
) -> None:
    files = sorted(str(p) for p in archives.warc.glob("*.warc.gz"))
    assert files, "the crawl wrote no WARC file"
    code, out, err = newsarchive(capsys, "import-warc", "--db", pg_url, *files)
    assert code == 0, err
    assert f"new {len(EXPECTED)}," in out, "not every article imported as new"
    with Archive.open(pg_url) as archive:
        for url, expected in EXPECTED.items():
            stored = archive.get_article(url)
            assert stored is not None, url
            assert without_version(stored.to_dict()) == without_version(expected), url
        on_hoai_duc = {url for url, r in EXPECTED.items() if holds(r, "hoai", "duc")}
        assert {h.url for h in archive.search("hoai duc", limit=50)} == on_hoai_duc


# -- moving over ---------------------------------------------------------------------------


def sqlite_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as connection:
        tables = [
            "raw_body", "raw_body_size", "crawl_run", "raw_page", "article", "article_image", "article_caption",
            "article_author", "article_tag", "article_link", "article_revision", "frontier",
        ]  # fmt: skip
        return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def test_copy_moves_the_0_1_0_archive_to_postgresql_row_for_row(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old.db"
    shutil.copyfile(OLD_ARCHIVE, old)
    Archive.open(f"sqlite:///{old}").close()  # upgraded, as any command would
    counts = sqlite_counts(old)
    assert counts["article"] == 21

    code, out, err = newsarchive(capsys, "copy", "--from", f"sqlite:///{old}", "--to", pg_url)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert {name: int(n) for name, n in (line.split() for line in lines[:-1])} == counts
    assert lines[-1].startswith(f"copied {sum(counts.values())} rows in 12 tables")
    with Archive.open(pg_url) as archive:
        assert archive.article_count() == 21
        # Both articles of the replica on Hoài Đức are among the 21.
        on_hoai_duc = {url for url, record in EXPECTED.items() if holds(record, "hoai", "duc")}
        assert {hit.url for hit in archive.search("hoai duc")} == on_hoai_duc
        seed = archive.get_article(SEED)
        assert seed is not None and seed.title.startswith("Huyện Hoài Đức")

    code, out, err = newsarchive(capsys, "copy", "--from", f"sqlite:///{old}", "--to", pg_url)
    assert code == 2 and out == "" and "--force" in err and err.count("\n") == 1
    code, out, _ = newsarchive(
        capsys, "copy", "--from", f"sqlite:///{old}", "--to", pg_url, "--force"
    )
    assert code == 0 and out.splitlines()[-1] == lines[-1]

    # The copy goes on as an archive: a crawl adds to it, numbering rows after the copied ones.
    with start_replica() as replica:
        config = write_config(tmp_path)
        crawl = ["crawl", "--config", config, "--db", pg_url, "--base-url", replica.base_url]
        code, out, _ = newsarchive(capsys, *crawl)
    assert code == 0
    with Archive.open(pg_url) as archive:
        assert archive.article_count() == len(EXPECTED)


def test_copy_refuses_to_copy_an_archive_onto_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    Archive.open(db).close()
    code, _, err = newsarchive(capsys, "copy", "--from", db, "--to", db, "--force")
    assert code == 1 and "onto itself" in err


# -- several crawls on one archive ---------------------------------------------------------


def test_a_lease_left_by_a_dead_crawl_is_taken_over_once_it_runs_out(pg_url: str) -> None:
    now = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    with Archive.open(pg_url) as archive:
        urls = [f"{SITE_ROOT}/a-{n}.html" for n in range(4)]
        archive.add_candidates(Candidate(url, "article", "link") for url in urls)
        first = archive.lease_batch(1, 3, now=now)
        assert [e.url for e in first] == urls[:3]
        # The first crawl holds three: another gets only the fourth.
        assert [e.url for e in archive.lease_batch(2, 10, now=now)] == [urls[3]]
        assert archive.lease_batch(3, 10, now=now + timedelta(minutes=1)) == []
        assert archive.leased_elsewhere(3, now=now + timedelta(minutes=1)) == 4
        # Crawl 1 renews (it lives), crawl 2 does not (it died): only crawl 2's entry frees up.
        archive.renew_leases(1, now=now + timedelta(minutes=1))
        later = now + timedelta(minutes=2, seconds=30)
        assert [e.url for e in archive.lease_batch(3, 10, now=later)] == [urls[3]]
        # A crawl that stops hands its leases back at once.
        assert archive.release_leases(1) == 3
        assert [e.url for e in archive.lease_batch(3, 10, now=later)] == urls[:3]


def test_turns_at_a_host_are_claimed_one_spacing_apart_across_archives(pg_url: str) -> None:
    with Archive.open(pg_url) as one, Archive.open(pg_url) as other:  # two engines: two crawls
        assert one.claim_turn("kinhtedothi.vn", 0.5) == 0.0
        wait = other.claim_turn("kinhtedothi.vn", 0.5)
        assert 0.3 < wait <= 0.5  # the other crawl waits out the spacing
        assert other.claim_turn("example.org", 0.5) == 0.0  # another host: no wait


WORKERS = 3
DELAY = 0.15  # seconds between two requests to the host, over all workers
# A turn is claimed in the archive right before the request's head is written; on a loaded
# machine the request can reach the server some milliseconds after its claim.
LATENESS = 0.04


def test_three_crawls_share_one_archive_each_page_once_within_the_politeness_limit(
    pg_url: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path, CONFIG.replace("delay = 0.0", f"delay = {DELAY}"))
    # No schema yet: the three make it at once, one of them while the others wait for it.
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with start_replica() as replica:
        command = [sys.executable, "-m", "newsarchive", "crawl", "--config", config]
        command += ["--db", pg_url, "--base-url", replica.base_url]
        workers = [
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            for _ in range(WORKERS)
        ]
        outputs = [worker.communicate(timeout=90) for worker in workers]
        requests, times = list(replica.requests), list(replica.request_times)
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err.decode()
    fetched = [int(out.decode().splitlines()[-1].split()[1].rstrip(",")) for out, _ in outputs]
    assert all(n > 0 for n in fetched), fetched  # all three took part

    # Every page fetched once (each worker reads robots.txt for itself), every article stored once.
    pages = [path for path in requests if path != "/robots.txt"]
    assert [path for path, n in Counter(pages).items() if n > 1] == []
    assert requests.count("/robots.txt") == WORKERS
    assert sum(fetched) == len(pages)
    with Archive.open(pg_url) as archive:
        assert archive.article_count() == len(EXPECTED)
        assert {a.url for a in archive.iter_articles()} == set(EXPECTED)

    # The politeness limit held across the workers together, request by request.
    gaps = [later - earlier for earlier, later in pairwise(times)]
    assert min(gaps) >= DELAY - LATENESS, sorted(gaps)[:5]
    assert times[-1] - times[0] >= (len(times) - 1) * DELAY - LATENESS


# -- no server -----------------------------------------------------------------------------


@pytest.mark.parametrize(("ci", "outcome"), [("", "1 skipped"), ("true", "1 error")])
def test_without_a_server_the_tests_are_skipped_but_fail_under_ci(ci: str, outcome: str) -> None:
    env = {
        **os.environ,
        "CI": ci,
        "NEWSARCHIVE_TEST_PG_URL": "postgresql+psycopg://x@127.0.0.1:9/x",
    }
    test = f"{__file__}::test_migrations_on_postgresql_create_exactly_the_tables_of_the_models"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-rs", test],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parent.parent,
        timeout=60,
    )
    assert outcome in run.stdout, run.stdout
    assert (
        "no PostgreSQL server for the tests at postgresql+psycopg://x@127.0.0.1:9/x" in run.stdout
    )


def test_a_server_that_answers_but_cannot_be_used_is_an_error_not_a_skip(
    pg_server: PgServer,
) -> None:
    """Only silence at the address is a reason to skip: a database that is not there (or rights
    that are missing) is a broken set-up, reported as an error even outside CI."""
    missing = pg_server.url.set(database="newsarchive_no_such_database").render_as_string(
        hide_password=False
    )
    env = {**os.environ, "CI": "", "NEWSARCHIVE_TEST_PG_URL": missing}
    test = f"{__file__}::test_migrations_on_postgresql_create_exactly_the_tables_of_the_models"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-rs", test],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parent.parent,
        timeout=60,
    )
    assert "1 error" in run.stdout and "skipped" not in run.stdout, run.stdout
    assert "newsarchive_no_such_database" in run.stdout
