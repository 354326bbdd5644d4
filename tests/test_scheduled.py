"""Unattended scheduled crawls: incremental revisits, conditional requests, one run at a time,
early stops, alarms, clean stops, back-fills. Against the replica and the fault server on
127.0.0.1; time is injected (the crawl's clock) rather than waited for."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from crawled import crawl_command, crawl_config, rows, run_crawl
from faultserver import FaultServer, Reply
from replica import Replica, start_replica

from newsarchive.cli import run as cli
from newsarchive.config import Config, FetchSettings
from newsarchive.discover import DateWindow
from newsarchive.runs.crawl_report import CrawlOptions
from newsarchive.site import HANOI
from newsarchive.store import Archive, CrawlLocked

SITE = Path(__file__).resolve().parent.parent / "fixtures" / "site"
ARTICLES = sorted(
    "/" + p.relative_to(SITE).as_posix().replace(".expected.json", ".html")
    for p in SITE.rglob("*.expected.json")
)
YOUNGEST = "/khai-mac-le-hoi-van-hoa-am-thuc-ha-noi-2025.790377.html"  # 2025-12-20 10:05
MONTH_OLD = "/ha-noi-day-manh-thanh-toan-khong-dung-tien-mat-tai-cho-dan-sinh.779416.html"  # 11-14
# Found only through a listing: a teaser of an unknown URL form (12-08), a next page (11-22).
TEASED = "/kinh-te/cho-dau-moi-nong-san-ha-noi-ap-dung-truy-xuat-nguon-goc-a812345.html"
PAGED = "/trien-lam-di-san-ao-dai-ha-noi-mo-cua-don-khach.781530.html"
JANUARY_2025 = {
    "/go-vuong-de-hoan-thanh-khoang-1000km-duong-cao-toc-trong-nam-2025.html",
    "/ha-noi-xac-dinh-10-nhom-giai-phap-can-co-day-lui-un-tac-giao-thong.html",
    "/duong-sat-do-thi-xuong-song-xanh-cua-giao-thong-do-thi.html",
    "/ha-noi-tang-cuong-xu-phat-vi-pham-trong-giu-xe.html",
    "/tet-voi-tren-cong-truong-trong-diem-cua-thu-do-ha-noi.html",
    "/quan-hai-ba-trung-san-sang-phuc-vu-nhan-dan-vui-xuan-don-tet.html",
    "/quan-hai-ba-trung-cac-phuong-moi-hoat-dong-thong-suot-nguoi-dan-duoc-phuc-vu-tot.html",
}


def articles_asked(paths: list[str]) -> list[str]:
    return [p.split("?")[0] for p in paths if p.split("?")[0] in ARTICLES]


# -- incremental: conditional requests and revisits by age ---------------------------------


def test_a_recheck_asks_conditionally_and_counts_304s_as_unchanged(
    replica: Replica, tmp_path: Path
) -> None:
    cfg = crawl_config(replica.base_url, tmp_path / "a.db", retries=0)
    assert run_crawl(cfg).counts["new"] == len(ARTICLES)
    asked_before = len(replica.requests)

    again = run_crawl(cfg, CrawlOptions("recheck"))

    assert sorted(articles_asked(replica.not_modified)) == ARTICLES
    assert sorted(articles_asked(replica.requests[asked_before:])) == ARTICLES  # once each
    assert (again.counts["new"], again.counts["updated"]) == (0, 0)
    assert again.counts["unchanged"] == len(ARTICLES)
    assert again.outcomes["ok"] == 0  # entry points too answered 304: nothing was sent twice
    assert again.exit_status == 0


def test_a_plain_second_crawl_revisits_entry_points_conditionally_and_no_old_article(
    replica: Replica, tmp_path: Path
) -> None:
    cfg = crawl_config(replica.base_url, tmp_path / "a.db", retries=0)
    run_crawl(cfg)
    asked_before = len(replica.requests)

    again = run_crawl(cfg)

    asked = replica.requests[asked_before:]
    assert articles_asked(asked) == []  # all older than a week: never revisited by default
    assert "/sitemap.xml" in replica.not_modified and "/rss/home.rss" in replica.not_modified
    # What was due again: the sections' next pages alone (every run, `crawl.listing_revisit`).
    next_pages = ["/do-thi/trang-2.html", "/kinh-te/trang-2/", "/van-hoa/p2", "/xa-hoi/?page=2"]
    assert again.revisits == len(next_pages)
    assert set(next_pages) <= set(replica.not_modified)


def test_archived_articles_are_revisited_on_a_schedule_that_decays_with_age(
    replica: Replica, tmp_path: Path
) -> None:
    cfg = crawl_config(replica.base_url, tmp_path / "a.db", retries=0, revisit=("1h@1d", "1d@40d"))
    # Two hours after the youngest article appeared; the next youngest are 12 to 36 days old.
    start = datetime(2025, 12, 20, 12, 5, tzinfo=HANOI)

    def run_at(offset: timedelta) -> list[str]:
        asked_before = len(replica.requests)
        run_crawl(cfg, clock=lambda: start + offset)
        return sorted(articles_asked(replica.requests[asked_before:]))

    assert run_at(timedelta(0)) == ARTICLES
    assert run_at(timedelta(minutes=30)) == []  # nothing due yet
    assert run_at(timedelta(minutes=61)) == [YOUNGEST]  # hourly while under a day old
    recent = sorted([YOUNGEST, TEASED, PAGED, MONTH_OLD])
    assert run_at(timedelta(days=1, minutes=1)) == recent  # then daily
    assert run_at(timedelta(days=50)) == recent  # were due; now too old
    assert run_at(timedelta(days=60)) == []  # never again
    assert set(articles_asked(replica.not_modified)) == set(recent)


def test_an_edited_article_is_updated_on_its_revisit(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(SITE, root)
    start = datetime(2025, 12, 20, 12, 5, tzinfo=HANOI)
    with start_replica(root) as replica:
        cfg = crawl_config(replica.base_url, tmp_path / "a.db", retries=0)
        run_crawl(cfg, clock=lambda: start)
        page = root / YOUNGEST.lstrip("/")
        html = page.read_text(encoding="utf-8")
        page.write_text(html.replace("Khai mạc Lễ hội", "Bế mạc Lễ hội"), encoding="utf-8")

        report = run_crawl(cfg, clock=lambda: start + timedelta(hours=2))

    assert (report.counts["updated"], report.counts["new"]) == (1, 0)
    with Archive.open(cfg.store.url) as archive:
        stored = archive.get_article("https://kinhtedothi.vn" + YOUNGEST)
    assert stored is not None and stored.title.startswith("Bế mạc Lễ hội")


# -- back-fill ----------------------------------------------------------------------------


def test_a_backfill_reads_only_the_url_sets_and_articles_of_its_period(
    replica: Replica, tmp_path: Path
) -> None:
    cfg = crawl_config(replica.base_url, tmp_path / "b.db", retries=0)
    window = DateWindow(datetime(2025, 1, 1).date(), datetime(2025, 1, 20).date())

    report = run_crawl(cfg, CrawlOptions("backfill", window))

    sitemaps = [p for p in replica.requests if p.startswith("/sitemap")]
    assert sitemaps == ["/sitemap.xml", "/sitemaps/2025-01.xml"]
    assert sorted(articles_asked(replica.requests)) == sorted(
        [
            "/quan-hai-ba-trung-san-sang-phuc-vu-nhan-dan-vui-xuan-don-tet.html",
            "/quan-hai-ba-trung-cac-phuong-moi-hoat-dong-thong-suot-nguoi-dan-duoc-phuc-vu-tot.html",
        ]
    )
    assert not [p for p in replica.requests if p.startswith(("/rss", "/kinh-te"))]
    assert report.counts["new"] == 2

    # The rest of the month: its url set is read again, whole, and only the missing ones fetched.
    asked_before = len(replica.requests)
    rest = DateWindow(datetime(2025, 1, 1).date(), datetime(2025, 1, 31).date())
    assert run_crawl(cfg, CrawlOptions("backfill", rest)).counts["new"] == 5
    assert sorted(articles_asked(replica.requests[asked_before:])) == sorted(
        JANUARY_2025 - {p for p in ARTICLES if "quan-hai-ba-trung" in p}
    )


def test_backfill_options_are_checked_before_any_work(
    replica: Replica, tmp_path: Path, fast_conf: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    assert cli(crawl_command(fast_conf, f"sqlite:///{db}", replica.base_url, "--backfill")) == 2
    assert "--since" in capsys.readouterr().err
    assert (
        cli(crawl_command(fast_conf, f"sqlite:///{db}", replica.base_url, "--since", "2025-01-01"))
        == 2
    )
    assert (
        cli(crawl_command(fast_conf, f"sqlite:///{db}", replica.base_url, "--max-duration", "soon"))
        == 2
    )
    assert "--max-duration" in capsys.readouterr().err
    assert replica.requests == []


# -- polite under pressure: the crawl gives up on a failing site ---------------------------


def fault_site(server: FaultServer, articles: dict[str, Reply]) -> None:
    """A site on the fault server: a sitemap listing `articles` (path → reply); everything
    else, robots.txt and the other entry points included, answers 404."""
    urls = "".join(f"<url><loc>https://kinhtedothi.vn{path}</loc></url>" for path in articles)
    sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )
    server.route("/sitemap.xml", Reply(body=sitemap.encode()))
    for path, reply in articles.items():
        server.route(path, reply)


def test_a_crawl_stops_early_with_status_5_when_the_site_keeps_failing(
    fault_server: FaultServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [f"/bai-viet-so-{n}-{700000 + n}.html" for n in range(60)]
    fault_site(fault_server, {p: Reply(status=503, body=b"busy") for p in paths})
    conf = tmp_path / "c.toml"
    conf.write_text(
        "[fetch]\ndelay = 0.0\nretries = 0\nbackoff_base = 0.01\nbackoff_max = 0.05\n"
        "[crawl]\nfailure_window = 10\nfailure_share = 0.8\n",
        encoding="utf-8",
    )

    code = cli(crawl_command(conf, f"sqlite:///{tmp_path / 'f.db'}", fault_server.url("")))

    assert code == 5
    err = capsys.readouterr().err
    assert "stopped early" in err and "HTTP 503" in err
    asked = [s.path for s in fault_server.requests if s.path in paths]
    assert len(asked) < len(paths) / 2  # it did not burn through the frontier
    [(status, note)] = rows(tmp_path / "f.db", "SELECT exit_status, note FROM crawl_run")
    assert status == 5 and "HTTP 503" in note


# -- blocked is not empty ----------------------------------------------------------------


CHALLENGE = (
    b"<html><head><title>Just a moment...</title></head><body><h1>Just a moment...</h1>"
    b"<p>Checking your browser before accessing kinhtedothi.vn.</p></body></html>"
)


def test_blocked_challenge_and_empty_answers_are_told_apart_and_never_stored(
    fault_server: FaultServer, tmp_path: Path, fast_conf: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = (SITE / YOUNGEST.lstrip("/")).read_bytes()
    fault_site(
        fault_server,
        {
            YOUNGEST: Reply(body=good),
            "/bi-chan-401-700001.html": Reply(status=401, body=b"who are you"),
            "/bi-chan-403-700002.html": Reply(status=403, body=b"<html>Forbidden</html>"),
            "/bi-chan-451-700003.html": Reply(status=451, body=b"unavailable"),
            "/thu-thach-700004.html": Reply(body=CHALLENGE),
            "/trong-rong-700005.html": Reply(body=b""),
        },
    )
    db = tmp_path / "b.db"

    code = cli(crawl_command(fast_conf, f"sqlite:///{db}", fault_server.url("")))

    out = capsys.readouterr().out.splitlines()
    outcomes = next(line for line in out if line.startswith("outcomes:"))
    assert "blocked 3" in outcomes and "challenge 1" in outcomes and "empty 1" in outcomes
    assert any("challenge: challenge page" in line for line in out)
    assert any("blocked: HTTP 403" in line for line in out)
    assert out[-1].startswith("fetched ") and ", new 1," in out[-1]
    assert code == 0  # 5 refusals out of 18 fetches: reported, not a storm
    assert rows(db, "SELECT url FROM article") == [("https://kinhtedothi.vn" + YOUNGEST,)]
    # Refused pages wait, failed, for a later run to try again.
    failed = rows(db, "SELECT count(*) FROM frontier WHERE state = 'failed'")
    assert failed == [(5,)]
    [(outcomes_json,)] = rows(db, "SELECT outcomes FROM crawl_run")
    assert json.loads(outcomes_json)["challenge"] == 1


# -- one at a time ------------------------------------------------------------------------


def test_a_second_crawl_exits_75_at_once_naming_the_running_one(
    replica: Replica, tmp_path: Path, fast_conf: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "l.db"
    with Archive.open(f"sqlite:///{db}") as archive:
        lease = archive.take_crawl_lock()
        assert lease is not None

        code = cli(crawl_command(fast_conf, f"sqlite:///{db}", replica.base_url))

        archive.release_crawl_lock(lease)
    err = capsys.readouterr().err
    assert code == 75
    assert f"pid {os.getpid()}" in err and socket.gethostname() in err
    # in Hanoi time with its offset, as every time the commands show
    assert lease.holder.started_at.astimezone(HANOI).isoformat(timespec="seconds") in err
    assert "+07:00" in err
    assert len(err.strip().splitlines()) == 1
    assert replica.requests == []
    with Archive.open(f"sqlite:///{db}") as archive:
        lease = archive.take_crawl_lock()
        code = cli(
            crawl_command(fast_conf, f"sqlite:///{db}", replica.base_url, "--log-format", "json")
        )
        assert lease is not None
        archive.release_crawl_lock(lease)
    [event] = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert code == 75 and event["event"] == "locked" and event["pid"] == os.getpid()
    assert (
        cli(crawl_command(fast_conf, f"sqlite:///{db}", replica.base_url)) == 0
    )  # released: the next one runs


def test_the_lock_is_renewed_by_its_holder_only_until_another_takes_it_over(
    tmp_path: Path,
) -> None:
    with Archive.open(f"sqlite:///{tmp_path / 'k.db'}") as archive:
        stalled = archive.take_crawl_lock(now=datetime.now(UTC) - timedelta(minutes=3))
        assert stalled is not None
        with pytest.raises(CrawlLocked, match=f"pid {os.getpid()}"):
            archive.take_crawl_lock(now=stalled.holder.renewed_at + timedelta(seconds=119))
        successor = archive.take_crawl_lock()  # two minutes without renewal: stale
        assert successor is not None
        assert not archive.renew_crawl_lock(stalled)  # the stalled holder learns it lost it
        assert archive.renew_crawl_lock(successor)
        archive.release_crawl_lock(stalled)  # releasing a lost lock leaves the new holder's
        with pytest.raises(CrawlLocked):
            archive.take_crawl_lock()
        archive.release_crawl_lock(successor)
        assert archive.take_crawl_lock() is not None


def test_a_lock_left_by_a_killed_crawl_is_taken_over(replica: Replica, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    url = f"sqlite:///{db}"
    # A crawl that dies holding the lock: its pid then runs no more.
    grab = (
        "import os, sys; from newsarchive.store import Archive; "
        "a = Archive.open(sys.argv[1]); a.take_crawl_lock(); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", grab, url], check=True)
    assert rows(db, "SELECT count(*) FROM crawl_lock") == [(1,)]

    assert run_crawl(crawl_config(replica.base_url, db, retries=0)).counts["new"] == len(ARTICLES)
    assert rows(db, "SELECT count(*) FROM crawl_lock") == [(0,)]


def test_a_lock_not_renewed_for_two_minutes_is_taken_over(replica: Replica, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    with Archive.open(f"sqlite:///{db}") as archive:
        # Held by a live process (this one), but its holder stopped renewing it long ago.
        archive.take_crawl_lock(now=datetime.now(UTC) - timedelta(minutes=3))
        assert run_crawl(crawl_config(replica.base_url, db, retries=0)).exit_status == 0


# -- loud when wrong ----------------------------------------------------------------------

UNKNOWN_LAYOUT = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Một bố cục chưa ai biết - Kinh tế &amp; Đô thị</title>
<meta property="og:type" content="article"></head><body>
<main class="khung-moi"><h1>Một bố cục chưa ai biết</h1><article class="bai-kieu-moi">
<p>Đoạn văn thứ nhất của bài viết trong một bố cục mà trang chưa từng dùng trước đây, đủ dài.</p>
<p>Đoạn văn thứ hai cũng đủ dài để bộ đọc chung nhận ra đây là thân bài của một bài báo thật.</p>
<p>Đoạn văn thứ ba kết thúc bài viết, và bài này không ghi ngày đăng ở bất cứ chỗ nào cả.</p>
</article></main></body></html>
"""
UNKNOWN_PATH = "/mot-bo-cuc-chua-ai-biet-799999.html"


def test_missing_fields_raise_an_alarm_and_exit_4_but_one_page_in_an_unknown_layout_does_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "site"
    shutil.copytree(SITE, root)
    (root / UNKNOWN_PATH.lstrip("/")).write_text(UNKNOWN_LAYOUT, encoding="utf-8")
    sitemap = root / "sitemaps" / "2025-12.xml"
    entry = f"<url><loc>https://kinhtedothi.vn{UNKNOWN_PATH}</loc></url></urlset>"
    sitemap.write_text(sitemap.read_text().replace("</urlset>", entry), encoding="utf-8")
    conf = tmp_path / "a.toml"
    # One article of all of them and this one lacks its date: above a 1 % threshold.
    conf.write_text("[fetch]\ndelay = 0.0\n[crawl]\nalarm_missing_share = 0.01\n")
    db = tmp_path / "a.db"

    with start_replica(root) as replica:
        code = cli(crawl_command(conf, f"sqlite:///{db}", replica.base_url))

    out, err = capsys.readouterr()
    assert code == 4
    assert f"1 of {len(ARTICLES) + 1} new articles" in err and "published date 1" in err
    # One page no layout's rules know among known ones is told, not alarmed (a redesign is:
    # tests/test_crawl_redesign.py).
    assert "layout no rules know" not in err
    told = "generic reader: 1 article in a layout no rules know, e.g. https://kinhtedothi.vn"
    assert f"{told}{UNKNOWN_PATH}\n" in out
    [(status, note)] = rows(db, "SELECT exit_status, note FROM crawl_run")
    assert status == 4 and "lack a required field" in note and "layout" not in note


def test_json_logs_are_one_object_per_line_with_the_summary_last(
    replica: Replica, tmp_path: Path, fast_conf: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli(
        crawl_command(
            fast_conf, f"sqlite:///{tmp_path / 'j.db'}", replica.base_url, "--log-format", "json"
        )
    )

    captured = capsys.readouterr()
    events = [json.loads(line) for line in captured.err.splitlines()]
    assert code == 0
    kinds = {event["event"] for event in events}
    assert {"run_started", "fetched", "article", "summary"} <= kinds
    assert all("time" in event for event in events)
    stored = [e for e in events if e["event"] == "article"]
    assert len(stored) == len(ARTICLES) and all(e["stored"] == "new" for e in stored)
    summary = events[-1]
    assert summary["event"] == "summary" and summary["exit_status"] == 0
    assert summary["line"] == captured.out.splitlines()[-1]


# -- stops cleanly ------------------------------------------------------------------------


def slow_conf(tmp_path: Path) -> Path:
    conf = tmp_path / "slow.toml"
    conf.write_text("[fetch]\ndelay = 0.15\nconcurrency = 1\n", encoding="utf-8")
    return conf


def test_sigterm_ends_a_crawl_within_seconds_leaving_it_resumable(
    replica: Replica, tmp_path: Path, fast_conf: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "t.db"
    command = [
        sys.executable,
        "-m",
        "newsarchive",
        *crawl_command(slow_conf(tmp_path), f"sqlite:///{db}", replica.base_url),
    ]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        stored = 0
        while time.monotonic() < deadline and stored < 3:
            time.sleep(0.1)
            with sqlite3.connect(db) as conn:
                try:
                    stored = conn.execute("SELECT count(*) FROM article").fetchone()[0]
                except sqlite3.OperationalError:
                    stored = 0  # schema not there yet
        # Meanwhile a second crawl is refused, naming this one.
        assert cli(crawl_command(fast_conf, f"sqlite:///{db}", replica.base_url)) == 75
        assert f"pid {child.pid}" in capsys.readouterr().err

        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=15)
    finally:
        child.kill()
    assert child.returncode == 128 + signal.SIGTERM
    assert "stopped by SIGTERM" in err
    assert out.splitlines()[-1].startswith("fetched ")
    kept = {url for (url,) in rows(db, "SELECT url FROM article")}
    assert 3 <= len(kept) < len(ARTICLES)
    assert rows(db, "SELECT count(*) FROM crawl_lock") == [(0,)]
    assert rows(db, "SELECT exit_status FROM crawl_run") == [(143,)]

    asked_before = len(replica.requests)
    assert cli(crawl_command(fast_conf, f"sqlite:///{db}", replica.base_url)) == 0
    resumed = articles_asked(replica.requests[asked_before:])
    assert not [p for p in resumed if "https://kinhtedothi.vn" + p in kept]
    assert len(rows(db, "SELECT url FROM article")) == len(ARTICLES)


def test_max_duration_stops_the_run_cleanly_and_the_next_run_goes_on(
    replica: Replica, tmp_path: Path, fast_conf: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "d.db"

    code = cli(
        [
            *crawl_command(slow_conf(tmp_path), f"sqlite:///{db}", replica.base_url),
            "--max-duration",
            "1s",
        ]
    )

    out, err = capsys.readouterr()
    assert code == 0
    # An expected stop: said on stdout with the work left, nothing on stderr (cron mails it).
    assert err == ""
    assert any(
        line.startswith("time limit of 1s reached; ")
        and line.endswith(" pages left for the next run")
        for line in out.splitlines()
    ), out
    with Archive.open(f"sqlite:///{db}") as archive:
        assert archive.pending_count() > 0
        assert archive.article_count() < len(ARTICLES)
    assert cli(crawl_command(fast_conf, f"sqlite:///{db}", replica.base_url)) == 0
    assert len(rows(db, "SELECT url FROM article")) == len(ARTICLES)


def test_no_single_page_can_hang_a_run(fault_server: FaultServer, tmp_path: Path) -> None:
    slow = "/trang-cham-700009.html"
    # 16 KiB every 0.3 s: every read is within the read timeout, the whole page never ends.
    fault_site(fault_server, {slow: Reply(size=10_000_000, chunk_delay=0.3)})
    cfg = crawl_config(fault_server.url(""), tmp_path / "h.db", retries=0)
    cfg = Config(
        fetch=FetchSettings(delay=0.0, retries=0, read_timeout=5.0, page_deadline=1.0),
        crawl=cfg.crawl,
        store=cfg.store,
    )

    report = run_crawl(cfg)

    assert report.failures["failed: no answer within 1 s (fetch.page_deadline)"] == 1
