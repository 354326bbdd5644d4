"""A redesign noticed during a crawl: when most of the latest articles come from the generic
reader (no layout's rules know them) where the archive had few, the crawl keeps storing them and
raises its alarm once, naming the fields that came from the generic reader or came out empty; a
few such pages among known ones raise none. Real crawls of pages served on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from replica import start_replica, unknown_layout_page

from newsarchive.cli import run as cli
from newsarchive.record import Article, Provenance
from newsarchive.runs.crawl_writes import PRIORITY
from newsarchive.runs.redesign import WINDOW, RedesignWatch
from newsarchive.store import Archive, Candidate, GenericReads

SITE = Path(__file__).resolve().parent.parent / "fixtures" / "site"
SITE_ROOT = "https://kinhtedothi.vn"
CONFIG = "[fetch]\ndelay = 0.0\nbackoff_base = 0.01\nbackoff_max = 0.05\nretries = 0\n"


def unknown_url(n: int) -> str:
    return f"{SITE_ROOT}/bo-cuc-moi-so-{n}-79{n:04d}.html"


class Site:
    """A copy of the replica's pages, served; articles in a new template can be added."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = Path(shutil.copytree(SITE, tmp_path / "site"))
        self.config = tmp_path / "config.toml"
        self.config.write_text(CONFIG, encoding="utf-8")
        self.db = tmp_path / "archive.db"

    def add_unknown_layout_articles(self, numbers: range) -> None:
        """Pages in the new template, put on the frontier after what is there: the crawl reads
        them once the known articles it finds are read."""
        for n in numbers:
            path = self.root / unknown_url(n).removeprefix(f"{SITE_ROOT}/")
            path.write_text(unknown_layout_page(n), encoding="utf-8")
        later = PRIORITY["article"] + 5
        with Archive.open(f"sqlite:///{self.db}") as archive:
            archive.add_candidates(
                Candidate(unknown_url(n), "article", "sitemap", priority=later) for n in numbers
            )

    def crawl(self, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]], str]:
        """Exit status, the JSON events, and stdout of one crawl."""
        capsys.readouterr()
        with start_replica(self.root) as replica:
            code = cli(
                [
                    "crawl",
                    *("--config", str(self.config), "--db", f"sqlite:///{self.db}"),
                    *("--base-url", replica.base_url, "--log-format", "json"),
                ]
            )
        out, err = capsys.readouterr()
        return code, [json.loads(line) for line in err.splitlines()], out

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as connection:
            return connection.execute(sql).fetchall()


def alarms(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event for event in events if event["event"] == "alarm"]


def test_a_batch_of_pages_in_an_unknown_layout_raises_one_alarm_and_all_are_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = Site(tmp_path)
    site.add_unknown_layout_articles(range(1, 26))

    code, events, out = site.crawl(capsys)

    assert code == 4
    [alarm] = alarms(events)  # once per run, not per page
    assert alarm["kind"] == "unknown_layout"
    message = alarm["message"]
    assert f"of the last {WINDOW} articles are in a layout no rules know" in message
    assert "site redesign?" in message and f"e.g. {SITE_ROOT}/bo-cuc-moi-so-" in message
    sources, empty = message.split("fields from the generic reader: ")[1].split("; empty: ")
    assert "paragraphs" in sources and "published_at" not in sources  # JSON-LD gave the date
    assert {"authors", "category", "tags"} <= {part.split()[0] for part in empty.split(", ")}
    # Raised while the crawl read on, which stored every page all the same.
    stored = [event for event in events if event["event"] == "article"]
    assert events.index(alarm) < events.index(stored[-1])
    [(known,)] = site.rows("SELECT count(*) FROM article WHERE layout != 'generic'")
    assert known >= WINDOW and len(stored) == known + 25
    generic = site.rows("SELECT field_sources FROM article WHERE layout = 'generic'")
    assert len(generic) == 25, "not the 25 pages of the new layout read by the generic reader"
    assert all(json.loads(s)["paragraphs"].startswith("generic:") for (s,) in generic)
    [(status, note)] = site.rows("SELECT exit_status, note FROM crawl_run")
    assert status == 4 and "site redesign?" in note
    assert "generic reader: 25 articles in a layout no rules know" in out


def test_a_few_unknown_layout_pages_in_an_archive_of_known_ones_raise_no_alarm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = Site(tmp_path)
    code, events, _ = site.crawl(capsys)
    assert (code, alarms(events)) == (0, [])
    site.add_unknown_layout_articles(range(1, 4))

    code, events, out = site.crawl(capsys)

    assert (code, alarms(events)) == (0, [])
    assert site.rows("SELECT count(*) FROM article WHERE layout = 'generic'") == [(3,)]
    assert "generic reader: 3 articles in a layout no rules know" in out


def test_a_short_run_after_a_redesign_is_judged_with_the_archives_latest_articles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = Site(tmp_path)
    assert site.crawl(capsys)[0] == 0
    [(known,)] = site.rows("SELECT count(*) FROM article")
    assert known >= WINDOW
    # The next day's run finds fewer new articles than the window holds, all in a new template.
    site.add_unknown_layout_articles(range(1, 16))

    code, events, _ = site.crawl(capsys)

    assert code == 4
    [alarm] = alarms(events)
    # The window starts with the archive's latest articles: the eleventh new one tips it.
    assert f"11 of the last {WINDOW} articles" in alarm["message"]
    assert f"0% of the {known} archived before this run" in alarm["message"]


# -- the watch's rule ----------------------------------------------------------------------


def article(n: int, layout: str, confidence: float = 1.0) -> Article:
    sources = (("title", "generic:h1"), ("paragraphs", "generic:structure"), ("tags", "none"))
    return Article(
        url=unknown_url(n),
        title=f"Bài {n}",
        paragraphs=("Một đoạn.",),
        published_at="2026-01-02T08:00:00+07:00",
        layout=layout,
        provenance=Provenance(sources, confidence),
    )


def watch(read: int, articles: int, latest: list[bool]) -> RedesignWatch:
    return RedesignWatch(
        GenericReads(read, articles, [(unknown_url(900 + i), g) for i, g in enumerate(latest)])
    )


def test_the_alarm_needs_more_than_half_of_the_window_read_generically() -> None:
    watcher = watch(0, 100, [False] * WINDOW)
    said = [watcher.see(article(n, "generic")) for n in range(WINDOW // 2)]
    assert said == [None] * (WINDOW // 2)  # half is not more than half
    assert watcher.see(article(99, "generic")) is not None
    assert [watcher.see(article(n, "generic")) for n in range(100, 130)] == [None] * 30
    assert watcher.finish() is None  # once a run


def test_pages_the_parser_is_unsure_of_count_as_read_generically() -> None:
    watcher = watch(0, 100, [False] * WINDOW)
    messages = [watcher.see(article(n, "C", confidence=0.2)) for n in range(WINDOW // 2 + 1)]
    assert messages[-1] is not None and "title 11, paragraphs 11" in messages[-1]


def test_an_archive_mostly_read_generically_all_along_raises_no_alarm() -> None:
    watcher = watch(60, 100, [True] * WINDOW)
    assert [watcher.see(article(n, "generic")) for n in range(40)] == [None] * 40
    assert watcher.finish() is None


def test_a_young_archive_is_judged_at_the_end_on_the_articles_it_has() -> None:
    watcher = watch(0, 0, [])
    assert watcher.see(article(1, "A")) is None
    assert watcher.see(article(2, "generic")) is None
    assert watcher.finish() is None  # 1 of 2: not more than half
    assert watcher.see(article(3, "generic")) is None
    message = watcher.finish()
    assert message is not None and "2 of the last 3 articles" in message
    assert "(read by the generic reader; the archive was empty before this run)" in message
