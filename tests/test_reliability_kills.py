"""Kill -9 at random points, again and again, then let the crawl finish: nothing lost, nothing twice.

A generated replica (tests/sitegen.py) of 200 articles (1,000 with NEWSARCHIVE_RELIABILITY_LONG=1)
is crawled by `newsarchive crawl` in a child process that is killed with SIGKILL at seeded random
points: once early (during start-up, migrations or the first pages), then each time the archive
holds a chosen number of articles, plus a random few milliseconds so kills land anywhere in the
write of a page. Each kill is followed by a new run, which resumes; the last run finishes.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import figures
from replica import start_replica
from sitegen import expected_record, generated_site, sitemap_urls

from newsarchive.store import Archive

ARTICLES = 1000 if figures.LONG else 200
KILLS = 20 if figures.LONG else 3  # at article counts, after the one early kill
SEED = 20240611


def article_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM article").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # no schema yet


def kill_when(
    child: subprocess.Popen[bytes], ready: Callable[[], bool], limit: float = 60.0
) -> bool:
    """SIGKILL the child once `ready()` is true; False if it ended (or time ran out) first."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and child.poll() is None and not ready():
        time.sleep(0.01)
    alive = child.poll() is None
    if alive:
        os.kill(child.pid, signal.SIGKILL)
    child.wait()
    return alive


def test_a_crawl_killed_at_random_points_ends_with_every_article_once_and_nothing_lost(
    tmp_path: Path,
) -> None:
    site = generated_site(ARTICLES, seed=5)
    root = site.write_site(tmp_path / "site")
    url_sets, listed = sitemap_urls(root)
    assert len(listed) == ARTICLES
    db = tmp_path / "killed.db"
    conf = tmp_path / "crawl.toml"
    # Small write batches, so kills land between many transactions.
    conf.write_text("[fetch]\ndelay = 0.0\n[crawl]\nwrite_batch = 5\n", encoding="utf-8")
    rng = random.Random(SEED)
    # Each run is killed once it has stored a random few more articles, few enough that the
    # runs killed leave most of the site to the last one, however fast the crawl is.
    most = max(1, ARTICLES // (KILLS * 5))
    kills = 0

    with start_replica(root) as replica:
        command = [
            sys.executable, "-m", "newsarchive", "crawl", "--config", str(conf),
            "--db", f"sqlite:///{db}", "--base-url", replica.base_url,
        ]  # fmt: skip

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        # Early: start-up, schema creation, the entry points.
        early = time.monotonic() + rng.uniform(0.3, 1.5)
        assert kill_when(start(), lambda: time.monotonic() >= early)
        kills += 1
        for _ in range(KILLS):
            extra = rng.uniform(0.0, 0.02)
            point = article_count(db) + rng.randint(1, most)

            def ready(point: int = point, extra: float = extra) -> bool:
                if article_count(db) < point:
                    return False
                time.sleep(extra)  # anywhere in the writes that follow
                return True

            assert kill_when(start(), ready), f"the run ended before {point} articles"
            kills += 1
            with sqlite3.connect(db) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

        last = subprocess.run(command, capture_output=True, text=True, timeout=300)

    assert last.returncode == 0, last.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        stored = [url for (url,) in conn.execute("SELECT url FROM article")]
        frontier = dict(conn.execute("SELECT url, state FROM frontier").fetchall())
        # A fetch archived as an article page has its article: the row pointing at this
        # capture, or at a later one of the same URL (an unchanged revisit moves the pointer).
        orphans = conn.execute(
            "SELECT r.id, r.url FROM raw_page r WHERE r.outcome = 'ok' AND r.page_kind = 'article'"
            " AND NOT EXISTS (SELECT 1 FROM article a WHERE a.url = r.url AND a.raw_page_id >= r.id)"
        ).fetchall()
        # Every fetch kept is noted on the frontier: its entry was fetched then or later (an
        # entry failed by that fetch keeps the cause in last_error).
        unnoted = conn.execute(
            "SELECT r.id, r.url FROM raw_page r WHERE NOT EXISTS (SELECT 1 FROM frontier f"
            " WHERE f.url = r.url AND f.last_fetched_at >= r.fetched_at)"
        ).fetchall()
        runs = conn.execute("SELECT count(*) FROM crawl_run").fetchone()[0]
    assert orphans == []
    assert unnoted == []
    # Every article stored exactly once, and each is the record its page holds.
    assert sorted(stored) == sorted(set(stored))
    assert set(stored) == listed
    with Archive.open(f"sqlite:///{db}", create=False) as archive:
        for spec in site.specs:
            article = archive.get_article(spec.url)
            assert article is not None, spec.url
            record = article.to_dict()
            del record["parser_version"]
            assert record == expected_record(site, spec.index), spec.url
    # No frontier entry lost: every url set and article of the sitemaps is there, and done.
    assert {url: frontier.get(url) for url in url_sets | listed} == dict.fromkeys(
        url_sets | listed, "done"
    )
    assert [url for url, state in frontier.items() if state != "done"] == []
    assert runs >= KILLS + 1  # the early kill may come before the first run was recorded

    figures.count("kills survived", kills)
    figures.count("articles crawled through kills", ARTICLES)
    figures.count("pages lost", len(listed - set(stored)))
    figures.scenario(
        "kill",
        f"SIGKILL at {kills} random points of a {ARTICLES}-article crawl, then resume",
        "every article once, no frontier entry lost, integrity ok",
        f"{len(stored)} of {ARTICLES} articles once each, 0 orphan captures, integrity ok",
    )
