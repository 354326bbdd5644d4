"""Whole crawls of the replica site on 127.0.0.1: archived once, exactly as expected, resumable."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from crawled import crawl_command, crawl_config, expected_records, run_crawl, without_version
from replica import Replica
from selectolax.lexbor import LexborHTMLParser

from newsarchive.cli import run as cli
from newsarchive.fetch import FetchResult
from newsarchive.record import Article
from newsarchive.runs.crawl_writes import WRITE_BYTES, WRITE_EVERY, Landed, Unwritten
from newsarchive.store import Archive, FrontierEntry

EXPECTED = expected_records()


def article_paths(replica: Replica) -> list[str]:
    articles = {"/" + url.split("/", 3)[3] for url in EXPECTED}
    return [path for path in replica.requests if path.split("?")[0] in articles]


def test_a_crawl_archives_every_replica_article_once_exactly_as_expected(
    replica: Replica, tmp_path: Path
) -> None:
    cfg = crawl_config(replica.base_url, tmp_path / "a.db")
    report = run_crawl(cfg)
    assert report.exit_status == 0
    assert report.counts["new"] == len(EXPECTED)
    with Archive.open(cfg.store.url) as archive:
        assert archive.article_count() == len(EXPECTED)
        for url, expected in EXPECTED.items():
            stored = archive.get_article(url)
            assert stored is not None, url
            assert without_version(stored.to_dict()) == without_version(expected), url
    # Every article page was asked for once, and nothing robots.txt forbids was asked for.
    fetched = article_paths(replica)
    assert sorted(fetched) == sorted(set(fetched))
    assert not [p for p in replica.requests if p.startswith(("/tim-kiem", "/api/"))]


def test_a_second_crawl_refetches_no_article_and_adds_no_rows(
    replica: Replica, tmp_path: Path
) -> None:
    cfg = crawl_config(replica.base_url, tmp_path / "a.db")
    run_crawl(cfg)
    first = list(replica.requests)
    report = run_crawl(cfg)
    again = replica.requests[len(first) :]
    assert report.counts["new"] == 0
    assert not [p for p in again if p in article_paths(replica)[: len(EXPECTED)]]
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("SELECT count(*) FROM article").fetchone()[0] == len(EXPECTED)


def test_an_interrupted_crawl_resumes_without_fetching_an_article_twice(
    replica: Replica, tmp_path: Path
) -> None:
    db = tmp_path / "a.db"
    first = run_crawl(crawl_config(replica.base_url, db, max_pages=12))
    assert first.counts["fetched"] == 12
    run_crawl(crawl_config(replica.base_url, db))
    fetched = article_paths(replica)
    assert sorted(fetched) == sorted(set(fetched))
    with Archive.open(f"sqlite:///{db}") as archive:
        assert archive.article_count() == len(EXPECTED)


def test_a_crawl_killed_with_sigkill_resumes_where_it_stopped(
    replica: Replica, tmp_path: Path
) -> None:
    db = tmp_path / "k.db"
    conf = tmp_path / "slow.toml"
    # Slow enough to be killed mid-way: one request every 0.1 s.
    conf.write_text("[fetch]\ndelay = 0.1\nconcurrency = 1\n", encoding="utf-8")
    command = [
        sys.executable, "-m", "newsarchive", "crawl", "--config", str(conf),
        "--db", f"sqlite:///{db}", "--base-url", replica.base_url,
    ]  # fmt: skip
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    stored = 0
    while time.monotonic() < deadline and stored < 3:
        time.sleep(0.1)
        if db.exists():
            try:
                with sqlite3.connect(db) as conn:
                    stored = conn.execute("SELECT count(*) FROM article").fetchone()[0]
            except sqlite3.OperationalError:
                stored = 0  # schema not created yet
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert 3 <= stored < len(EXPECTED), "the crawl should have been killed half-way"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        before = {row[0] for row in conn.execute("SELECT url FROM article")}
    asked_before = len(replica.requests)

    assert cli(crawl_command(conf, f"sqlite:///{db}", replica.base_url)) == 0

    resumed = replica.requests[asked_before:]
    refetched = [u for u in before if "/" + u.split("/", 3)[3] in resumed]
    assert refetched == []
    with sqlite3.connect(db) as conn:
        urls = [row[0] for row in conn.execute("SELECT url FROM article")]
    assert sorted(urls) == sorted(EXPECTED)


def test_the_crawl_summary_ends_with_the_documented_counts_line(
    replica: Replica, tmp_path: Path, capsys: object
) -> None:
    conf = tmp_path / "fast.toml"
    conf.write_text("[fetch]\ndelay = 0.0\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'c.db'}"
    assert cli(["crawl", "--config", str(conf), "--db", db, "--base-url", replica.base_url]) == 0
    out = capsys.readouterr().out.strip().splitlines()  # type: ignore[attr-defined]
    assert out[-1].startswith("fetched ")
    assert f"new {len(EXPECTED)}, updated 0, unchanged 0" in out[-1]


def test_a_parser_bug_on_one_page_fails_that_page_and_the_crawl_carries_on(
    replica: Replica, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsarchive.runs.readers

    broken = next(iter(EXPECTED))
    real = newsarchive.runs.readers.parse_article

    def parse_with_a_bug(
        html: bytes | str, url: str, *, tree: LexborHTMLParser | None = None
    ) -> Article:
        if url == broken:
            raise IndexError("list index out of range")
        return real(html, url, tree=tree)

    monkeypatch.setattr(newsarchive.runs.readers, "parse_article", parse_with_a_bug)
    # Read in this process, where the bug is planted.
    cfg = crawl_config(replica.base_url, tmp_path / "a.db", parse_workers=0)
    report = run_crawl(cfg)
    assert report.failures["failed: parser error: IndexError: list index out of range"] == 1
    with Archive.open(cfg.store.url) as archive:
        assert archive.article_count() == len(EXPECTED) - 1
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("SELECT state FROM frontier WHERE url = ?", (broken,)).fetchone() == (
            "failed",
        )

    # Once the bug is fixed, the next run archives the page.
    monkeypatch.setattr(newsarchive.runs.readers, "parse_article", real)
    run_crawl(cfg)
    with Archive.open(cfg.store.url) as archive:
        assert archive.article_count() == len(EXPECTED)


def _landed(url: str, size: int) -> Landed:
    entry = FrontierEntry(url, "article", "link", 0, None, None, None)
    result = FetchResult(
        url=url,
        final_url=url,
        outcome="ok",
        status=200,
        headers=(),
        body=b"x" * size,
        fetched_at=datetime.now(UTC),
        elapsed=0.0,
        attempts=1,
    )
    return entry, result, None


def _unwritten(pages: list[Landed]) -> Unwritten:
    held = Unwritten()
    for page in pages:
        held.add(page)
    return held


def test_landed_pages_are_written_by_count_by_size_or_by_age() -> None:
    few = _unwritten([_landed(f"https://kinhtedothi.vn/a{i}.html", 1000) for i in range(3)])
    assert not few.due(batch=50)
    assert few.due(batch=3)  # a full batch
    few.since -= WRITE_EVERY
    assert few.due(batch=50)  # the first has waited long enough
    # A few large pages go before the batch is full: memory holds WRITE_BYTES of bodies at most.
    large = [_landed(f"https://kinhtedothi.vn/b{i}.html", WRITE_BYTES // 2) for i in range(2)]
    assert _unwritten(large).due(batch=50)
    assert not _unwritten(large[:1]).due(batch=50)
    # Taken to be written, they are held no more: what lands next starts afresh.
    held = _unwritten(large)
    assert len(held.take()) == 2
    assert held.pages == [] and held.size == 0
    held.add(large[0])
    assert not held.due(batch=50)
