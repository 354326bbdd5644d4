"""Whole crawls under pressure: servers on 127.0.0.1 that limit the rate (a token bucket), refuse
whatever the pace (the first request of every path, every third request), say Retry-After as an
HTTP date or as nonsense, are down, or are not there at all; and crawls sharing a PostgreSQL
archive behind one rate limiter.

Each test asserts outcomes: every article archived once, the exit status, what the crawl says and
where. Times are measured, never asserted: with NEWSARCHIVE_FIGURES set (`make reliability`) each
scenario's requests, refusals, archived articles and time against the ideal client's on the same
server go into docs/reliability.md. The ideal client knows the server: it sends one request at a
time, at exactly the rate a token bucket allows, and waits exactly what each Retry-After asks (as
the crawl reads it: capped at backoff_max, backoff_base for an unreadable one).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import figures
import httpx
import pytest
from faultserver import FaultServer, Limiter, Reply
from limiters import AbsurdRefused, DateRefused, Down, FirstRefused, TokenBucket
from sitegen import GeneratedSite, generated_site
from sqlalchemy import create_engine, text

from newsarchive.cli import run as cli
from newsarchive.config import Config, CrawlSettings, FetchSettings, StoreSettings
from newsarchive.fetch import Fetcher
from newsarchive.fetch.backoff import retry_after_seconds
from newsarchive.runs.crawl import Crawl
from newsarchive.runs.crawl_events import Event, every_line
from newsarchive.runs.crawl_report import CrawlReport
from newsarchive.store import Archive

# The long variants (crawl, then the ideal client) take minutes.
pytestmark = pytest.mark.timeout(900)

SIZE = 30 if figures.LONG else 8  # articles on the site
BUCKET_SIZE = 60 if figures.LONG else SIZE  # under a token bucket: time enough to settle
SHARED_SIZE = 60 if figures.LONG else 24  # for crawls sharing an archive
RATES = (2.0, 5.0, 10.0, 20.0) if figures.LONG else (5.0, 20.0)  # token buckets, requests a second
BACKOFF_BASE = 0.5
BACKOFF_MAX = 3.0  # the longest hold: a day asked for is held this long
HTML = (("Content-Type", "text/html; charset=utf-8"),)
# Refused, at most, of the second half of the requests a limiter saw. The figures measure the
# share (a few %); this bound, loose for the short variants' few requests, still fails a crawl
# that does not slow down (half or more refused).
SETTLED_REFUSED = 0.3


def build(server: FaultServer, size: int = SIZE) -> GeneratedSite:
    """Generated articles and a sitemap listing them; the other entry points answer 404."""
    site = generated_site(size)
    for n, spec in enumerate(site.specs):
        server.route(spec.path, Reply(headers=HTML, body=site.page(n)))
    urls = "".join(f"<url><loc>{spec.url}</loc></url>" for spec in site.specs)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )
    server.route(
        "/sitemap.xml", Reply(headers=(("Content-Type", "application/xml"),), body=body.encode())
    )
    return site


def fetch_settings(**overrides: Any) -> FetchSettings:
    settings: dict[str, Any] = {
        "delay": 0.0,
        "concurrency": 2,
        "retries": 4,
        "backoff_base": BACKOFF_BASE,
        "backoff_max": BACKOFF_MAX,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
    }
    settings.update(overrides)
    return FetchSettings(**settings)


@dataclass
class Outcome:
    report: CrawlReport
    seconds: float
    requests: int
    events: list[Event]

    def paces(self) -> list[str]:
        return [e["reason"] for e in self.events if e["event"] == "pace"]


def crawl(server: FaultServer, db_url: str, **crawl_settings: Any) -> Outcome:
    config = Config(
        fetch=fetch_settings(),
        crawl=CrawlSettings(base_url=server.url(""), **crawl_settings),
        store=StoreSettings(url=db_url),
    )
    events: list[Event] = []
    with Archive.open(db_url) as archive:
        report = asyncio.run(Crawl(config, archive, event_hooks=every_line(events.append)).run())
    return Outcome(report, on_server(server), len(server.requests), events)


def archived_once(db_url: str, site: GeneratedSite) -> None:
    """Every article of the site is in the archive, fetched whole exactly once."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            articles = Counter(
                url for (url,) in connection.execute(text("SELECT url FROM article"))
            )
            fetched = Counter(
                url
                for (url,) in connection.execute(
                    text("SELECT url FROM raw_page WHERE outcome = 'ok' AND page_kind = 'article'")
                )
            )
    finally:
        engine.dispose()
    expected = {spec.url for spec in site.specs}
    assert set(articles) == expected and set(articles.values()) == {1}
    assert set(fetched) == expected and set(fetched.values()) == {1}, fetched.most_common(3)


def on_server(server: FaultServer) -> float:
    """Seconds from the first request the server saw to the last: the time spent on it."""
    seen = server.requests
    return seen[-1].at - seen[0].at if seen else 0.0


def ideal_seconds(limiter: Limiter, paths: list[str], site_size: int, rate: float | None) -> float:
    """The ideal client's time for `paths` on a new server of the same kind (`limiter` fresh):
    as many requests at once as the crawl (fetch.concurrency, 2), at exactly the rate a token
    bucket allows; a Retry-After holds the host (both workers) exactly as long as it asks, and
    the refused request is sent again then."""
    todo = iter(enumerate(paths))
    lock = threading.Lock()
    held_until = 0.0

    def hold_over() -> None:
        with lock:
            until = held_until
        time.sleep(max(0.0, until - time.monotonic()))

    def worker(server: FaultServer, began: float) -> None:
        nonlocal held_until
        with httpx.Client(timeout=5.0) as client:
            while True:
                with lock:
                    n, path = next(todo, (-1, ""))
                if n < 0:
                    return
                if rate is not None:  # one request every 1/rate seconds
                    time.sleep(max(0.0, began + n / rate - time.monotonic()))
                hold_over()
                while (reply := client.get(server.url(path))).status_code in (429, 503):
                    seconds = retry_after_seconds(reply.headers.get("retry-after"))
                    seconds = BACKOFF_BASE if seconds is None else min(seconds, BACKOFF_MAX)
                    with lock:
                        held_until = max(held_until, time.monotonic() + seconds)
                    hold_over()

    with FaultServer(limiter=limiter) as server:
        build(server, site_size)
        began = time.monotonic()
        workers = [
            threading.Thread(target=worker, args=(server, began))
            for _ in range(fetch_settings().concurrency)
        ]
        for each in workers:
            each.start()
        for each in workers:
            each.join()
        return on_server(server)


def record(
    name: str,
    expected: str,
    outcome: Outcome,
    refused: int,
    archived: int,
    ideal: Callable[[], float],
    extra: str = "",
) -> None:
    """The scenario's figures for docs/reliability.md (the ideal client is run only then)."""
    if not figures.RECORDING:
        return
    best = ideal()
    seen = (
        f"exit {outcome.report.exit_status}; {outcome.requests} requests, {refused} refused, "
        f"{archived} articles archived; {outcome.seconds:.1f} s, ideal {best:.1f} s "
        f"({outcome.seconds / best:.2f}×){extra}"
    )
    figures.scenario("pressure", name, expected, seen)


def distinct_paths(server: FaultServer) -> list[str]:
    return list(dict.fromkeys(seen.path for seen in server.requests))


# -- a rate limiter ------------------------------------------------------------------------


@pytest.mark.parametrize("retry_after", [True, False], ids=["with-retry-after", "without"])
@pytest.mark.parametrize("rate", RATES)
def test_against_a_token_bucket_the_pace_settles_near_the_allowed_rate(
    rate: float, retry_after: bool, tmp_path: Path
) -> None:
    bucket = TokenBucket(rate, retry_after=retry_after)
    db_url = f"sqlite:///{tmp_path / 'bucket.db'}"
    with FaultServer(limiter=bucket) as server:
        site = build(server, BUCKET_SIZE)
        outcome = crawl(server, db_url)
        paths = distinct_paths(server)

    assert outcome.report.exit_status == 0, outcome.report.note()
    archived_once(db_url, site)
    settled = bucket.log[len(bucket.log) // 2 :]
    if bucket.refused:
        # Refused, the crawl slowed down, saying so, and was refused rarely after.
        assert any("slowing: 429 at" in reason for reason in outcome.paces())
        assert sum(settled) <= SETTLED_REFUSED * len(settled), bucket.log
    # Its refusals follow the pace: never taken for ones that do not.
    assert not any("do not follow the pace" in reason for reason in outcome.paces())
    assert outcome.report.refused[429] == bucket.refused
    summary = outcome.events[-1]
    assert summary["event"] == "summary"
    assert summary["refused"] == ({"429": bucket.refused} if bucket.refused else {})
    kind = "with Retry-After" if retry_after else "without Retry-After"
    record(
        f"token bucket, {rate:g} requests/s, 429 {kind}",
        "every article once; settles near the rate (>= 80 %, <= 10 % refused once settled)",
        outcome,
        bucket.refused,
        site.count,
        lambda: ideal_seconds(TokenBucket(rate, retry_after=retry_after), paths, BUCKET_SIZE, rate),
        f"; settled: {bucket.settled_rate():.2g} requests/s accepted "
        f"({bucket.settled_rate() / rate:.0%} of the rate), "
        f"{sum(settled) / max(1, len(settled)):.0%} refused",
    )


# -- refusals that do not follow the pace --------------------------------------------------


def articles_only(path: str) -> bool:
    """The short variants refuse article pages only: the dozen entry points would each cost
    a Retry-After more."""
    return figures.LONG or path.endswith(".html")


def crawl_behind(
    limiter: Limiter, db_url: str, size: int
) -> tuple[GeneratedSite, Outcome, list[str], str]:
    """A crawl of a site of `size` articles behind `limiter`: the site, the outcome, the paths
    in the order first asked, the host."""
    with FaultServer(limiter=limiter) as server:
        site = build(server, size)
        return site, crawl(server, db_url), distinct_paths(server), server.netloc


def test_refusals_that_do_not_follow_the_pace_stop_slowing_it(tmp_path: Path) -> None:
    # The server: the first request of every path 429 Retry-After 2 (1 in the short
    # variant), every third request 503 Retry-After 1.
    first = "2" if figures.LONG else "1"
    limiter = FirstRefused(first=first, third="1", only=articles_only)
    db_url = f"sqlite:///{tmp_path / 'first.db'}"
    size = max(SIZE, 12)  # refusals enough to tell that they do not follow the pace
    site, outcome, paths, host = crawl_behind(limiter, db_url, size)

    assert outcome.report.exit_status == 0, outcome.report.note()
    archived_once(db_url, site)
    # Refused right after waiting as asked, the crawl saw that slowing down would not help...
    assert any("refusals do not follow the pace" in reason for reason in outcome.paces())
    # ...and ended at the pace it began with: no limit but the configured delay (0).
    assert outcome.report.pace[host].rate is None
    assert sum(outcome.report.refused.values()) == limiter.refused
    assert outcome.report.held > 0
    record(
        f"first request of every path 429 Retry-After {first}, every third request 503 "
        "Retry-After 1",
        "every article once; no slowing down for refusals that do not follow the pace",
        outcome,
        limiter.refused,
        site.count,
        lambda: ideal_seconds(FirstRefused(first, "1", articles_only), paths, size, None),
    )


def test_refusals_without_retry_after_that_do_not_follow_the_pace_stop_slowing_it(
    tmp_path: Path,
) -> None:
    # The first request of every path a bare 429: nothing says how long to wait, and slowing
    # down does not help.
    limiter = FirstRefused(first=None, third=None, only=articles_only)
    db_url = f"sqlite:///{tmp_path / 'bare.db'}"
    size = max(SIZE, 16)  # refusals enough to see that slowing down did not help
    site, outcome, paths, host = crawl_behind(limiter, db_url, size)

    assert outcome.report.exit_status == 0, outcome.report.note()
    archived_once(db_url, site)
    reasons = outcome.paces()
    # Slowed first, as a refusal without Retry-After asks; then seen not to help...
    assert any("slowing: 429 at" in reason for reason in reasons)
    assert any("slowing did not help" in reason for reason in reasons)
    # ...and back at the pace it began with: no limit but the configured delay (0).
    assert outcome.report.pace[host].rate is None
    assert outcome.report.refused[429] == limiter.refused
    record(
        "first request of every path 429 without Retry-After",
        "every article once; slowing down stops once seen not to help",
        outcome,
        limiter.refused,
        site.count,
        lambda: ideal_seconds(FirstRefused(None, None, articles_only), paths, size, None),
    )


def retry_gaps(server: FaultServer, paths: list[str]) -> list[float]:
    """For each path asked twice or more: seconds between its first two requests."""
    gaps = []
    for path in paths:
        seen = server.requests_to(path)
        if len(seen) >= 2:
            gaps.append(seen[1].at - seen[0].at)
    return gaps


def test_a_retry_after_given_as_an_http_date_is_waited_for(tmp_path: Path) -> None:
    limiter = DateRefused(ahead=2, only=articles_only)
    db_url = f"sqlite:///{tmp_path / 'date.db'}"
    with FaultServer(limiter=limiter) as server:
        site = build(server)
        outcome = crawl(server, db_url)
        paths = distinct_paths(server)
        gaps = retry_gaps(server, [spec.path for spec in site.specs])

    assert outcome.report.exit_status == 0, outcome.report.note()
    archived_once(db_url, site)
    # A date two seconds ahead, in whole seconds: a wait of one second at least, as asked.
    assert len(gaps) == site.count and min(gaps) >= 1.0 - 0.05, gaps
    assert any("held by Retry-After" in reason for reason in outcome.paces())
    record(
        "first request of every path 429, Retry-After an HTTP date 2 s ahead",
        "every article once; each retry waits until the date",
        outcome,
        limiter.refused,
        site.count,
        lambda: ideal_seconds(DateRefused(2, articles_only), paths, SIZE, None),
    )


def test_an_absurd_retry_after_is_capped_or_ignored(tmp_path: Path) -> None:
    limiter = AbsurdRefused(only=articles_only)
    db_url = f"sqlite:///{tmp_path / 'absurd.db'}"
    with FaultServer(limiter=limiter) as server:
        site = build(server)
        outcome = crawl(server, db_url)
        paths = distinct_paths(server)
        # The first path refused asks for 86400 s.
        asked_a_day = next(path for path in paths if articles_only(path))
        gaps = retry_gaps(server, [asked_a_day])

    assert outcome.report.exit_status == 0, outcome.report.note()
    archived_once(db_url, site)
    reasons = outcome.paces()
    # A day is held backoff_max, and no longer: the retry came after that.
    assert any(f"held {BACKOFF_MAX:g} s (Retry-After 86400 s, capped)" in r for r in reasons)
    assert gaps and gaps[0] >= BACKOFF_MAX - 0.05, gaps
    # A negative number, words, a fraction: unreadable, held backoff_base instead.
    for value in ("-5", "soon", "1.5"):
        assert any(f"(Retry-After {value!r} unreadable)" in r for r in reasons), (value, reasons)
    record(
        "first request of every path 429, Retry-After in turn 86400, -5, soon, 1.5",
        f"every article once; a day held {BACKOFF_MAX:g} s (backoff_max), the others "
        f"unreadable: held {BACKOFF_BASE:g} s (backoff_base)",
        outcome,
        limiter.refused,
        site.count,
        lambda: ideal_seconds(AbsurdRefused(articles_only), paths, SIZE, None),
    )


# -- a site that is down, or not there -----------------------------------------------------


def write_config(tmp_path: Path, give_up_after: str = "1m", retries: int = 4) -> Path:
    conf = tmp_path / "crawl.toml"
    conf.write_text(
        f"[fetch]\ndelay = 0.0\nretries = {retries}\nbackoff_base = {BACKOFF_BASE}\n"
        f"backoff_max = {BACKOFF_MAX}\nconnect_timeout = 2.0\nread_timeout = 2.0\n"
        f'[crawl]\ngive_up_after = "{give_up_after}"\n',
        encoding="utf-8",
    )
    return conf


def run_cli(
    capsys: pytest.CaptureFixture[str], command: str, conf: Path, db: Path, base_url: str
) -> tuple[int, list[str], list[str]]:
    """Exit status, stdout lines, stderr lines."""
    code = cli([command, "--config", str(conf), "--db", f"sqlite:///{db}", "--base-url", base_url])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def test_a_site_down_for_minutes_stops_the_crawl_early_with_status_5(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    limiter = Down(retry_after="1")
    give_up = "10s" if figures.LONG else "3s"
    db = tmp_path / "down.db"
    with FaultServer(limiter=limiter) as server:
        build(server)
        began = time.monotonic()
        code, out, err = run_cli(
            capsys, "crawl", write_config(tmp_path, give_up), db, server.url("")
        )
        seconds = time.monotonic() - began
        requests = len(server.requests)

    assert code == 5
    # The reason is the last line on stderr, after the counts on stdout.
    assert err[-1].startswith("newsarchive: stopped early: no page from the site for "), err
    assert f"(give_up_after {give_up})" in err[-1] and "HTTP 503" in err[-1]
    assert out[-1].startswith("fetched ")
    assert any(line.startswith("refused: 503 ×") for line in out), out
    if figures.RECORDING:
        figures.scenario(
            "pressure",
            "every request 503 Retry-After 1 (a site down for minutes)",
            f"stopped early after give_up_after ({give_up}) with status 5, the reason on "
            "stderr's last line",
            f"exit {code} after {seconds:.1f} s; {requests} requests, {limiter.refused} "
            f"refused, 0 articles archived",
        )


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_crawl_and_an_audit_that_reach_nothing_exit_5_naming_the_cause(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    conf = write_config(tmp_path, retries=1)

    code, out, err = run_cli(capsys, "crawl", conf, tmp_path / "a.db", nowhere)
    assert code == 5
    assert len(err) == 1 and err[0].startswith("newsarchive: stopped early: "), err
    assert "connection refused" in err[0]
    assert out[-1] == "fetched 12, new 0, updated 0, unchanged 0, failed 12"

    code, out, err = run_cli(capsys, "audit", conf, tmp_path / "a.db", nowhere)
    assert code == 5
    assert len(err) == 1 and err[0].startswith("newsarchive: audit read no sitemap: "), err
    assert "connection refused" in err[0]
    if figures.RECORDING:
        figures.scenario(
            "pressure",
            "an address where nothing listens",
            "crawl and audit exit 5, one line on stderr naming the cause",
            f"exit 5 (crawl and audit); {err[0].removeprefix('newsarchive: ')}",
        )


def test_tls_failures_are_named_as_such(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FaultServer() as server:  # plain HTTP: a TLS handshake with it fails
        code, _, err = run_cli(
            capsys,
            "crawl",
            write_config(tmp_path, retries=1),
            tmp_path / "t.db",
            f"https://{server.netloc}",
        )
    assert code == 5
    assert len(err) == 1 and "TLS handshake failed" in err[0], err


class NoNameTransport(httpx.AsyncBaseTransport):
    """A network where no name resolves: every connection fails in the name lookup, as the
    system resolver reports it (no lookup leaves the machine)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        lookup = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        raise httpx.ConnectError(str(lookup)) from lookup


async def test_a_name_that_does_not_resolve_is_named_a_dns_failure() -> None:
    settings = fetch_settings(retries=0, obey_robots=False)
    async with Fetcher(settings, ["kinhtedothi.vn"], transport=NoNameTransport()) as fetcher:
        result = await fetcher.fetch("https://kinhtedothi.vn/")
    assert result.outcome == "failed"
    assert result.error == "DNS lookup failed: [Errno -2] Name or service not known"


# -- crawls sharing an archive behind one rate limiter -------------------------------------

CRAWLS = 2


def test_crawls_sharing_a_postgresql_archive_keep_to_one_rate_limit_together(
    pg_url: str, tmp_path: Path
) -> None:
    rate = 5.0
    bucket = TokenBucket(rate, retry_after=True)
    conf = write_config(tmp_path)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with FaultServer(limiter=bucket) as server:
        site = build(server, SHARED_SIZE)
        command = [sys.executable, "-m", "newsarchive", "crawl", "--config", str(conf)]
        command += ["--db", pg_url, "--base-url", server.url("")]
        crawls = [
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            for _ in range(CRAWLS)
        ]
        outputs = [each.communicate(timeout=300) for each in crawls]
        seconds = on_server(server)
        requests = len(server.requests)
        paths = distinct_paths(server)

    for each, (_, err) in zip(crawls, outputs, strict=True):
        assert each.returncode == 0, err.decode()
    archived_once(pg_url, site)
    # Together they kept to the limit: once settled, refused rarely.
    settled = bucket.log[len(bucket.log) // 2 :]
    assert sum(settled) <= SETTLED_REFUSED * len(settled), bucket.log
    if figures.RECORDING:
        best = ideal_seconds(TokenBucket(rate), paths, SHARED_SIZE, rate)
        figures.scenario(
            "pressure",
            f"{CRAWLS} crawls on one PostgreSQL archive, one token bucket of {rate:g} requests/s "
            "with Retry-After",
            "every article once; together near the rate, rarely refused once settled",
            f"exit 0, 0; {requests} requests, {bucket.refused} refused, {site.count} articles "
            f"archived; {seconds:.1f} s, ideal {best:.1f} s ({seconds / best:.2f}×); settled: "
            f"{bucket.settled_rate():.2g} requests/s accepted "
            f"({bucket.settled_rate() / rate:.0%} of the rate), "
            f"{sum(settled) / max(1, len(settled)):.0%} refused",
        )
