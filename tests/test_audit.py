"""`newsarchive audit`: the sitemaps of a period against the archive, and gaps in the days."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from faultserver import FaultServer, Reply
from replica import Replica

from newsarchive.cli import run as cli
from newsarchive.config import Config, CrawlSettings, FetchSettings, StoreSettings
from newsarchive.discover import DateWindow
from newsarchive.runs.audit import per_day
from newsarchive.runs.crawl import Crawl
from newsarchive.store import Archive

JANUARY = ["--since", "2025-01-01", "--until", "2025-01-31"]
DELETED = "https://kinhtedothi.vn/ha-noi-tang-cuong-xu-phat-vi-pham-trong-giu-xe.html"


def crawled(base_url: str, db: Path) -> None:
    cfg = Config(
        fetch=FetchSettings(delay=0.0, retries=0, backoff_base=0.01, backoff_max=0.05),
        crawl=CrawlSettings(base_url=base_url),
        store=StoreSettings(url=f"sqlite:///{db}"),
    )
    with Archive.open(cfg.store.url) as archive:
        asyncio.run(Crawl(cfg, archive).run())


def audit(db: Path, base_url: str, *more: str) -> None:
    conf = db.parent / "fast.toml"
    conf.write_text("[fetch]\ndelay = 0.0\n", encoding="utf-8")
    args = ["audit", "--config", str(conf), "--db", f"sqlite:///{db}", "--base-url", base_url]
    assert cli([*args, *more]) == 0


def test_audit_finds_nothing_missing_then_lists_a_deleted_article_and_draws_the_days(
    replica: Replica, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "a.db"
    crawled(replica.base_url, db)
    capsys.readouterr()
    chart = tmp_path / "days.png"

    audit(db, replica.base_url, *JANUARY, "--plot", str(chart))

    out = capsys.readouterr().out
    assert "7 articles listed in the sitemaps, 7 archived, 0 missing, 0 failed" in out
    assert "  2025-01-28 Tue     2  " in out  # two articles that day
    assert "  2025-01-01 Wed     0    <- none" in out
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    # Only the url set of the month was read (robots.txt aside), through the polite fetcher.
    audit_asks = [p for p in replica.requests if p.startswith("/sitemap")]
    assert audit_asks[-2:] == ["/sitemap.xml", "/sitemaps/2025-01.xml"]

    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM article WHERE url = ?", (DELETED,))
    audit(db, replica.base_url, *JANUARY)

    out = capsys.readouterr().out
    assert "7 articles listed in the sitemaps, 6 archived, 1 missing, 0 failed" in out
    missing = out.split("missing:\n", 1)[1].splitlines()[0]
    assert DELETED in missing and missing.strip().startswith("2025-01-28")


def test_audit_lists_refused_pages_as_failed_with_their_cause(
    fault_server: FaultServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = Path(__file__).resolve().parent.parent / "fixtures" / "site"
    page = "/khai-mac-le-hoi-van-hoa-am-thuc-ha-noi-2025.790377.html"
    refused = "/bi-chan-403-700002.html"
    urls = "".join(
        f"<url><loc>https://kinhtedothi.vn{p}</loc><lastmod>2025-12-20</lastmod></url>"
        for p in (page, refused, "/chua-ai-thay-700003.html")
    )
    sitemap = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    fault_server.route("/sitemap.xml", Reply(body=sitemap.encode()))
    fault_server.route(page, Reply(body=(good / page.lstrip("/")).read_bytes()))
    fault_server.route(refused, Reply(status=403, body=b"Forbidden"))
    db = tmp_path / "f.db"
    crawled(fault_server.url(""), db)
    with sqlite3.connect(db) as conn:  # a page the crawl never reached
        conn.execute("DELETE FROM frontier WHERE url LIKE '%chua-ai-thay%'")
    capsys.readouterr()

    audit(db, fault_server.url(""), "--since", "2025-12-01", "--until", "2025-12-31")

    out = capsys.readouterr().out
    assert "3 articles listed in the sitemaps, 1 archived, 1 missing, 1 failed" in out
    failed = out.split("failed:\n", 1)[1].splitlines()[0]
    assert refused in failed and "HTTP 403" in failed
    missing = out.split("missing:\n", 1)[1].splitlines()[0]
    assert "chua-ai-thay" in missing and "never discovered" in missing


def test_days_with_none_or_far_below_their_weekday_are_gaps() -> None:
    mondays = [date(2025, 3, 3) + timedelta(weeks=n) for n in range(4)]
    window = DateWindow(mondays[0], mondays[-1] + timedelta(days=6))
    counts = {day + timedelta(days=offset): 10 for day in mondays for offset in range(7)}
    counts[mondays[2]] = 3  # under half the usual Monday (the median of 10, 10, 3, 6: 8)
    counts[mondays[3]] = 6  # a little low: not a gap
    del counts[mondays[1] + timedelta(days=1)]  # a Tuesday with nothing

    days = {d.day: d for d in per_day(counts, window)}

    assert len(days) == 28, "not every day of the four weeks, the empty Tuesday included"
    assert (days[mondays[2]].gap, days[mondays[2]].usual) == ("low", 8.0)
    assert days[mondays[3]].gap is None
    assert days[mondays[1] + timedelta(days=1)].gap == "none"
    assert [d for d in days.values() if d.gap] == [
        days[mondays[1] + timedelta(days=1)],
        days[mondays[2]],
    ]
