"""When the archive cannot be written (a full disk, a read-only database) a crawl ends with one
clear line and status 1, the archive stays readable, and the next run resumes; readers work
while a crawl writes.

A full disk is SQLite's own: `PRAGMA max_page_count` set on every connection by a hook this test
installs (no filesystem tricks). A read-only database is opened read-only by its URL
(`file:...?mode=ro`), or turned read-only mid-crawl with `PRAGMA query_only` (the tests run as
root, where chmod binds nothing).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import figures
import pytest
from crawled import crawl, crawl_command, expected_records
from replica import Replica, start_replica
from sitegen import generated_site

from newsarchive.cli import run as cli
from newsarchive.store import Archive

ARTICLES = len(expected_records())


def count_articles(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM article").fetchone()[0])


def assert_readable(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Integrity intact, and the reading commands work on it."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    url = f"sqlite:///{db}"
    assert cli(["search", "Hà Nội", "--db", url]) == 0
    assert cli(["export", "--format", "jsonl", "--db", url]) == 0
    assert cli(["stats", "--db", url]) == 0
    capsys.readouterr()


# Runs `newsarchive` with every SQLite connection unable to grow its database past PAGES pages:
# SQLite's own "database or disk is full", without touching the machine's disks.
SMALL_DISK = textwrap.dedent(
    """
    import sys
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from newsarchive.cli import main

    pages = int(sys.argv[1])

    def connect(dbapi_connection, record):
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(Engine, "connect", connect)
    main(sys.argv[2:])
    """
)


def test_a_full_disk_ends_the_crawl_with_one_line_and_status_1_and_the_next_run_resumes(
    replica: Replica, tmp_path: Path, fast_conf: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "full.db"
    Archive.open(f"sqlite:///{db}").close()  # the schema, then room for a few pages only
    with sqlite3.connect(db) as conn:
        empty = conn.execute("PRAGMA page_count").fetchone()[0]

    script = tmp_path / "small_disk.py"
    script.write_text(SMALL_DISK, encoding="utf-8")

    child = subprocess.run(
        [
            sys.executable,
            str(script),
            str(empty + 40),
            *crawl_command(fast_conf, f"sqlite:///{db}", replica.base_url),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert child.returncode == 1
    assert child.stderr.splitlines() == [
        "newsarchive: cannot write to the archive: database or disk is full"
    ]
    kept = count_articles(db)
    assert 0 < kept < ARTICLES
    assert_readable(db, capsys)
    with sqlite3.connect(db) as conn:
        # The run noted how it ended and gave its lock back: both fit in pages it had.
        assert conn.execute("SELECT exit_status FROM crawl_run").fetchall() == [(1,)]
        assert conn.execute("SELECT count(*) FROM crawl_lock").fetchone() == (0,)

    assert cli(crawl_command(fast_conf, f"sqlite:///{db}", replica.base_url)) == 0  # room again
    assert count_articles(db) == ARTICLES
    figures.scenario(
        "durability",
        "disk full mid-crawl (SQLite max_page_count)",
        "one line, status 1, archive readable, next run resumes",
        f"status 1 after {kept} articles; readable; resumed to {ARTICLES}",
    )


def test_a_read_only_archive_is_refused_before_any_fetch_and_left_as_it_was(
    replica: Replica, tmp_path: Path, fast_conf: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "ro.db"
    crawl(db)
    asked = len(replica.requests)
    read_only = f"sqlite:///file:{db}?mode=ro&uri=true"

    code = cli([*crawl_command(fast_conf, read_only, replica.base_url), "--recheck"])

    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines() == [
        "newsarchive: cannot write to the archive: attempt to write a readonly database"
    ]
    assert replica.requests[asked:] == []
    assert count_articles(db) == ARTICLES
    assert cli(["search", "Hà Nội", "--db", read_only]) == 0  # readers are fine with it
    assert_readable(db, capsys)
    figures.scenario(
        "durability",
        "read-only database (opened with mode=ro)",
        "refused before any fetch, one line, status 1",
        "status 1, 0 requests, archive unchanged and readable",
    )


# Runs `newsarchive` with every connection turned read-only once the file STOP exists.
READ_ONLY_LATER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from newsarchive.cli import main

    stop = Path(sys.argv[1])

    def begin(connection):
        if stop.exists():
            connection.exec_driver_sql("PRAGMA query_only = 1")

    event.listen(Engine, "begin", begin)
    main(sys.argv[2:])
    """
)


def test_an_archive_turning_read_only_mid_crawl_ends_it_with_one_line_and_resumes_later(
    tmp_path: Path, fast_conf: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "later.db"
    stop = tmp_path / "read-only-now"
    script = tmp_path / "read_only_later.py"
    script.write_text(READ_ONLY_LATER, encoding="utf-8")
    conf = tmp_path / "slow.toml"
    conf.write_text("[fetch]\ndelay = 0.05\nconcurrency = 1\n", encoding="utf-8")
    with start_replica() as replica:
        child = subprocess.Popen(
            [
                sys.executable,
                str(script),
                str(stop),
                *crawl_command(conf, f"sqlite:///{db}", replica.base_url),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and child.poll() is None:
                if db.exists() and _articles_or_zero(db) >= 3:
                    break
                time.sleep(0.05)
            stop.touch()
            _, err = child.communicate(timeout=30)
        finally:
            child.kill()
        assert child.returncode == 1
        assert err.splitlines() == [
            "newsarchive: cannot write to the archive: attempt to write a readonly database"
        ]
        kept = count_articles(db)
        assert 3 <= kept < ARTICLES
        assert_readable(db, capsys)
        # The run could not even note its end, nor give its lock back: the lock of a process
        # that is gone is taken over, and the next run resumes.
        assert cli(crawl_command(fast_conf, f"sqlite:///{db}", replica.base_url)) == 0
    assert count_articles(db) == ARTICLES
    figures.scenario(
        "durability",
        "database turning read-only mid-crawl (PRAGMA query_only)",
        "one line, status 1, archive readable, next run resumes",
        f"status 1 after {kept} articles; readable; resumed to {ARTICLES}",
    )


def _articles_or_zero(db: Path) -> int:
    try:
        return count_articles(db)
    except sqlite3.OperationalError:
        return 0  # schema not there yet


def test_search_and_export_answer_while_a_crawl_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = generated_site(1000 if figures.LONG else 150, seed=9)
    root = site.write_site(tmp_path / "site")
    db = tmp_path / "busy.db"
    url = f"sqlite:///{db}"
    # Paced a little and written in small batches, so the crawl lasts long enough for the reads
    # to overlap many of its write transactions, however fast the machine.
    conf = tmp_path / "paced.toml"
    conf.write_text(
        "[fetch]\ndelay = 0.01\nretries = 0\n[crawl]\nwrite_batch = 5\n", encoding="utf-8"
    )
    reads: dict[str, int] = {"search": 0, "export": 0, "stats": 0}
    failures: list[str] = []
    with start_replica(root) as replica:
        child = subprocess.Popen(
            [sys.executable, "-m", "newsarchive", *crawl_command(conf, url, replica.base_url)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while child.poll() is None and time.monotonic() < deadline:
                if not db.exists() or _articles_or_zero(db) == 0:
                    time.sleep(0.02)
                    continue
                for command, args in (
                    ("search", ["search", "Hà Nội", "--limit", "5"]),
                    ("export", ["export", "--format", "csv"]),
                    ("stats", ["stats", "--json"]),
                ):
                    if cli([*args, "--db", url]) != 0:
                        failures.append(command)
                    reads[command] += 1
                err = capsys.readouterr().err
                if err:
                    failures.append(err)
                time.sleep(0.1)  # leave the crawl (two cores here) room to write
            _, crawl_err = child.communicate(timeout=60)
        finally:
            child.kill()
    assert child.returncode == 0, crawl_err
    assert failures == []
    assert "locked" not in crawl_err
    assert min(reads.values()) >= 3, reads  # they did overlap the crawl
    assert count_articles(db) == site.count
    figures.count("reads during a crawl", sum(reads.values()))
    figures.scenario(
        "durability",
        "search, export and stats in a loop while a crawl writes (WAL)",
        "every read answers; no 'database is locked'",
        f"{sum(reads.values())} reads, 0 failed; crawl status 0",
    )
