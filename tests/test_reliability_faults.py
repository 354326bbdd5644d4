"""Whole crawls of a site whose pages misbehave one by one, each in its own way.

The site is the fault server on 127.0.0.1 (tests/faultserver.py) serving generated articles
(tests/sitegen.py) listed in a sitemap: most answer well, and one article per scenario answers
with the fault. Each scenario states its outcome: archived (exactly the expected record, after
how many requests), failed or refused with a named cause (the frontier keeps it failed, for a
later run), and the crawl goes on: every well-behaved article is archived all the same.
Refused redirects are checked where it matters most: no connection, no name lookup, no request.
"""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import figures
import pytest
from faultserver import FaultServer, Reply, gzip_bomb, redirect
from netwatch import watching
from sitegen import SITE_ROOT, GeneratedSite, expected_record, generated_site

from newsarchive.config import Config, CrawlSettings, FetchSettings, StoreSettings
from newsarchive.runs.crawl import Crawl
from newsarchive.runs.crawl_report import CrawlReport
from newsarchive.store import Archive

CAP = 1_000_000  # fetch.max_body_bytes of these crawls
READ_TIMEOUT = 1.0  # seconds; the slow replies below are set against it with room to spare
RETRIES = 2  # three attempts a hop
SIZE = 64  # articles on the site: one per scenario, the rest well-behaved
RETRY_AFTER = "429 with Retry-After: 1, then an answer"
HTML = (("Content-Type", "text/html; charset=utf-8"),)


@dataclass
class Scenario:
    name: str
    replies: list[Reply]
    expected: str  # "archived", or the start of the frontier's failure cause
    faulty: int | None = None  # leading replies that are faults; None: all of them
    requests: int | None = None  # requests the article path must have seen, when pinned
    label: str = ""  # the expected outcome as docs/reliability.md states it
    path: str = ""  # set when the site is built

    def faults_served(self, served: int) -> int:
        if self.faulty is None:
            return served
        return min(served, self.faulty)


def ports(text: str) -> str:
    """Port numbers (a new one every run) out of a line meant for the figures."""
    return re.sub(r":\d{4,5}\b", ":PORT", text)


def padded(page: bytes, size: int) -> bytes:
    """The page with an HTML comment before `</html>` making it `size` bytes or more."""
    filler = b"<!-- " + b"x" * max(0, size - len(page)) + b" -->"
    return page.replace(b"</html>", filler + b"</html>")


def scenarios(
    site: GeneratedSite, netloc: str, elsewhere: FaultServer, far: FaultServer
) -> list[Scenario]:
    """The faults, each on its own article: scenario n answers for article n (`page(n)`)."""
    made: list[Scenario] = []

    def add(name: str, replies: Callable[[int], list[Reply]], expected: str, **kw: Any) -> None:
        made.append(Scenario(name, replies(len(made)), expected, **kw))

    def page(n: int) -> bytes:
        return site.page(n)

    def ok(n: int, body: bytes | None = None, headers: Any = HTML) -> Reply:
        return Reply(headers=headers, body=page(n) if body is None else body)

    rng = random.Random(6)
    binary = bytes(rng.randrange(256) for _ in range(40_000))
    far_port = far.netloc.rsplit(":", 1)[1]
    port = netloc.rsplit(":", 1)[1]

    add(
        "slow headers past the read timeout, then an answer",
        lambda n: [Reply(delay=READ_TIMEOUT * 2, headers=HTML, body=page(n)), ok(n)],
        "archived",
        faulty=1,
        requests=2,
        label="retried, archived",
    )
    add(
        "slow headers within the read timeout",
        lambda n: [Reply(delay=READ_TIMEOUT * 0.3, headers=HTML, body=page(n))],
        "archived",
        faulty=1,
        requests=1,
        label="archived",
    )
    add(
        "slow body (60 kB, every chunk within the read timeout)",
        lambda n: [
            Reply(headers=HTML, body=padded(page(n), 60_000), chunk_delay=READ_TIMEOUT * 0.3)
        ],
        "archived",
        faulty=1,
        requests=1,
        label="archived",
    )
    add(
        "body stalling past the read timeout, every time",
        lambda n: [
            Reply(headers=HTML, body=padded(page(n), 60_000), chunk_delay=READ_TIMEOUT * 1.5)
        ],
        f"read timeout after {RETRIES + 1} attempts",
        label="failed (read timeout), left for a later run",
    )
    add(
        "connection reset mid-body, then an answer",
        lambda n: [Reply(headers=HTML, body=page(n), reset_after=2000), ok(n)],
        "archived",
        faulty=1,
        requests=2,
        label="retried, archived",
    )
    add(
        "connection reset mid-body, every time",
        lambda n: [Reply(headers=HTML, body=page(n), reset_after=2000)],
        "connection lost mid-body",
        requests=RETRIES + 1,
        label="failed (connection lost mid-body), left for a later run",
    )
    add(
        "body cut short of its Content-Length, then an answer",
        lambda n: [Reply(headers=HTML, body=page(n), truncate_after=3000), ok(n)],
        "archived",
        faulty=1,
        requests=2,
        label="retried, archived",
    )
    add(
        "body cut short of its Content-Length, every time",
        lambda n: [Reply(headers=HTML, body=page(n), truncate_after=3000)],
        "connection lost mid-body",
        requests=RETRIES + 1,
        label="failed (connection lost mid-body), left for a later run",
    )
    add(
        RETRY_AFTER,
        lambda n: [Reply(status=429, headers=(("Retry-After", "1"),), body=b"slow down"), ok(n)],
        "archived",
        faulty=1,
        requests=2,
        label="waited as asked, retried, archived",
    )
    for status in (500, 502, 503, 504):
        add(
            f"{status} twice, then an answer",
            lambda n, s=status: [
                Reply(status=s, body=b"oops"),
                Reply(status=s, body=b"oops"),
                ok(n),
            ],
            "archived",
            faulty=2,
            requests=3,
            label="retried, archived",
        )
    add(
        "redirect to another page of the site",
        lambda n: [redirect(f"/bai-da-chuyen-{n}.html")],
        "archived",
        faulty=0,
        requests=1,
        label="followed, archived under the URL asked for",
    )
    add(
        "redirect loop",
        lambda n: [redirect(f"/vong-lap-{n}.html")],
        "redirect loop at",
        requests=1,
        label="refused (redirect loop)",
    )
    add(
        "redirect to another host (127.0.0.1, another port)",
        lambda n: [redirect(elsewhere.url("/bai-viet.html"))],
        f"redirect to disallowed host {elsewhere.netloc}",
        requests=1,
        label="refused before connecting",
    )
    for target in (
        f"http://127.0.0.2:{far_port}/bai-viet.html",
        "http://10.0.0.1/bai-viet.html",
        "http://169.254.169.254/latest/meta-data/",
        f"http://[::1]:{port}/bai-viet.html",
        f"http://localhost:{port}/bai-viet.html",
        f"http://2130706433:{port}/bai-viet.html",  # 127.0.0.1 written as one number
    ):
        host = target.split("/")[2]
        add(
            f"redirect to a private or loopback address ({ports(host)})",
            lambda n, t=target: [redirect(t)],
            "redirect to disallowed host",
            requests=1,
            label="refused before connecting",
        )
    add(
        "redirect to the live site while crawling a mirror",
        lambda n: [redirect(f"{SITE_ROOT}/bai-that-700001.html")],
        "redirect to disallowed host kinhtedothi.vn",
        requests=1,
        label="refused before connecting (a mirror crawl talks to the mirror only)",
    )
    add(
        "redirect to the same host with credentials",
        lambda n: [redirect(f"http://user:pw@{netloc}/bai-viet.html")],
        "redirect to URL with credentials",
        requests=1,
        label="refused",
    )
    add(
        "redirect to file:///etc/passwd",
        lambda n: [redirect("file:///etc/passwd")],
        "redirect to non-http(s) URL",
        requests=1,
        label="refused",
    )
    add(
        "wrong Content-Type (image/jpeg) on an article",
        lambda n: [ok(n, headers=(("Content-Type", "image/jpeg"),))],
        "archived",
        faulty=1,
        requests=1,
        label="archived (the body decides, not the label)",
    )
    add(
        "no Content-Type",
        lambda n: [ok(n, headers=())],
        "archived",
        faulty=1,
        requests=1,
        label="archived",
    )
    add(
        "body over the cap, declared (Content-Length 50 MB)",
        lambda n: [Reply(headers=HTML, size=50_000_000)],
        f"body over {CAP} bytes (Content-Length 50000000)",
        requests=1,
        label="refused unread, not retried",
    )
    add(
        "body over the cap, streamed without Content-Length (5 MB)",
        lambda n: [Reply(headers=HTML, size=5_000_000, content_length=False)],
        f"body over {CAP} bytes",
        requests=1,
        label="read up to the cap, refused, not retried",
    )
    bomb = gzip_bomb(200_000_000)
    add(
        f"gzip bomb ({len(bomb) // 1000} kB inflating to 200 MB)",
        lambda n: [Reply(headers=(*HTML, ("Content-Encoding", "gzip")), body=bomb)],
        f"body over {CAP} bytes",
        requests=1,
        label="inflated only up to the cap, refused",
    )
    add(
        "invalid UTF-8 bytes in the page",
        lambda n: [
            ok(n, page(n).replace(b"</body>", b'<div class="qc">\xff\xfe\xc3\x28</div></body>'))
        ],
        "archived",
        faulty=1,
        requests=1,
        label="archived, the rest of the page read exactly",
    )
    add(
        "UTF-8 page labelled windows-1252 (meta) and iso-8859-1 (header)",
        lambda n: [
            ok(
                n,
                page(n).replace(b"charset=utf-8", b"charset=windows-1252"),
                (("Content-Type", "text/html; charset=iso-8859-1"),),
            )
        ],
        "archived",
        faulty=1,
        requests=1,
        label="archived with the Vietnamese text intact",
    )
    add(
        "empty body (200, 0 bytes)",
        lambda n: [Reply(headers=HTML)],
        "empty body",
        label="no page, left for a later run",
    )
    add(
        "empty HTML document",
        lambda n: [
            Reply(headers=HTML, body=b"<!DOCTYPE html><html><head></head><body></body></html>")
        ],
        "empty page",
        label="no page, left for a later run",
    )
    ad = '<div class="qc">Quảng cáo</div>'.encode()
    add(
        "huge HTML (25,000 extra blocks, over 800 kB, under the cap)",
        lambda n: [ok(n, page(n).replace(b"</body>", ad * 25_000 + b"</body>"))],
        "archived",
        faulty=1,
        requests=1,
        label="archived",
    )
    add(
        "deeply nested HTML (20,000 unclosed <div>)",
        lambda n: [ok(n, page(n).replace(b"</body>", b"<div>" * 20_000 + b"</body>"))],
        "archived",
        faulty=1,
        requests=1,
        label="archived",
    )
    add(
        "binary body (40 kB of random bytes)",
        lambda n: [Reply(headers=(("Content-Type", "application/octet-stream"),), body=binary)],
        "binary body",
        label="no page, left for a later run",
    )
    return made


@dataclass
class FaultSite:
    server: FaultServer
    site: GeneratedSite
    cases: list[Scenario]

    @property
    def good(self) -> range:
        return range(len(self.cases), self.site.count)

    def url(self, index: int) -> str:
        return self.site.specs[index].url


def build(server: FaultServer, elsewhere: FaultServer, far: FaultServer) -> FaultSite:
    site = generated_site(SIZE)
    cases = scenarios(site, server.netloc, elsewhere, far)
    assert SIZE - len(cases) >= 20, "room for well-behaved articles"
    for n, case in enumerate(cases):
        case.path = site.specs[n].path
        server.route(case.path, *case.replies)
        server.route(f"/vong-lap-{n}.html", redirect(case.path))
        server.route(f"/bai-da-chuyen-{n}.html", Reply(headers=HTML, body=site.page(n)))
    for n in range(len(cases), SIZE):
        server.route(site.specs[n].path, Reply(headers=HTML, body=site.page(n)))
    server.route("/sitemap.xml", sitemap(site))
    return FaultSite(server, site, cases)


def sitemap(site: GeneratedSite) -> Reply:
    urls = "".join(f"<url><loc>{spec.url}</loc></url>" for spec in site.specs)
    return Reply(
        headers=(("Content-Type", "application/xml"),),
        body=(
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        ).encode(),
    )


def config(server: FaultServer, db: Path) -> Config:
    return Config(
        fetch=FetchSettings(
            delay=0.0,
            retries=RETRIES,
            backoff_base=0.01,
            backoff_max=1.5,  # a Retry-After of 1 s is honoured as given
            connect_timeout=1.0,
            read_timeout=READ_TIMEOUT,
            max_body_bytes=CAP,
            page_deadline=30.0,
        ),
        crawl=CrawlSettings(base_url=server.url("")),
        store=StoreSettings(url=f"sqlite:///{db}"),
    )


def crawl(cfg: Config) -> CrawlReport:
    with Archive.open(cfg.store.url) as archive:
        return asyncio.run(Crawl(cfg, archive).run())


@pytest.fixture
def servers() -> Iterator[tuple[FaultServer, FaultServer, FaultServer]]:
    """The site, another host on 127.0.0.1, and "another machine" on 127.0.0.2."""
    with FaultServer() as site, FaultServer() as elsewhere, FaultServer(host="127.0.0.2") as far:
        yield site, elsewhere, far


def test_each_fault_ends_as_stated_and_the_crawl_archives_everything_else(
    servers: tuple[FaultServer, FaultServer, FaultServer], tmp_path: Path
) -> None:
    server, elsewhere, far = servers
    fault_site = build(server, elsewhere, far)
    db = tmp_path / "faults.db"
    cfg = config(server, db)

    with watching() as net:
        report = crawl(cfg)

    assert report.exit_status == 0, report.note()
    assert report.stopped_early is None
    # Nothing but the site was dialled or looked up: refusals happen before any connection.
    assert net.addresses() <= {("127.0.0.1", int(server.netloc.rsplit(":", 1)[1]))}
    assert {host for host in net.lookups if host != "127.0.0.1"} == set()
    for quiet in (elsewhere, far):
        assert quiet.requests == []
    assert not [s for s in server.requests if "authorization" in s.headers]

    with sqlite3.connect(db) as conn:
        articles = {url for (url,) in conn.execute("SELECT url FROM article")}
        frontier = {
            url: (state, error)
            for url, state, error in conn.execute("SELECT url, state, last_error FROM frontier")
        }
    with Archive.open(cfg.store.url) as archive:
        # The crawl carried on: every well-behaved article is archived, exactly.
        for index in fault_site.good:
            stored = archive.get_article(fault_site.url(index))
            assert stored is not None, fault_site.url(index)
            record = stored.to_dict()
            del record["parser_version"]
            assert record == expected_record(fault_site.site, index)
        for index, case in enumerate(fault_site.cases):
            url = fault_site.url(index)
            state, error = frontier[url]
            asked = len(server.requests_to(case.path))
            if case.expected == "archived":
                stored = archive.get_article(url)
                assert stored is not None, case.name
                record = stored.to_dict()
                del record["parser_version"]
                assert record == expected_record(fault_site.site, index), case.name
                assert state == "done", case.name
            else:
                assert url not in articles, case.name
                assert state == "failed", case.name
                assert error is not None and error.startswith(case.expected), (case.name, error)
            if case.requests is not None:
                assert asked == case.requests, (case.name, asked)
            figures.count("faults injected", case.faults_served(asked))
            seen = "archived" if case.expected == "archived" else f"{state}: {error}"
            if case.requests is not None and case.expected == "archived":
                seen += f" ({asked} request{'s' if asked > 1 else ''})"
            figures.scenario(
                "fault", case.name, case.label, ports(seen.replace(server.netloc, "SITE"))
            )
    [patient] = [case for case in fault_site.cases if case.name == RETRY_AFTER]
    waits = [s.at for s in server.requests_to(patient.path)]
    assert waits[1] - waits[0] >= 1.0 - 0.05  # Retry-After honoured (server clock, lower bound)
    lost = [fault_site.url(i) for i in fault_site.good if fault_site.url(i) not in articles]
    figures.count("pages lost", len(lost))


def test_a_page_failing_past_its_retries_is_archived_by_the_next_run(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    site = generated_site(6)
    flaky = site.specs[0]
    # Three 503s use up one run's attempts (1 + retries); the fourth request gets the page.
    busy = Reply(status=503, headers=(("Retry-After", "0"),), body=b"busy")
    fault_server.route(flaky.path, busy, busy, busy, Reply(headers=HTML, body=site.page(0)))
    for n in range(1, site.count):
        fault_server.route(site.specs[n].path, Reply(headers=HTML, body=site.page(n)))
    fault_server.route("/sitemap.xml", sitemap(site))
    db = tmp_path / "again.db"
    cfg = config(fault_server, db)

    first = crawl(cfg)
    assert first.failures[f"failed: HTTP 503 after {RETRIES + 1} attempts"] == 1
    with sqlite3.connect(db) as conn:
        assert conn.execute(
            "SELECT state FROM frontier WHERE url = ?", (flaky.url,)
        ).fetchone() == ("failed",)
    second = crawl(cfg)

    assert second.counts["new"] == 1
    with Archive.open(cfg.store.url) as archive:
        stored = archive.get_article(flaky.url)
        assert stored is not None
        record = stored.to_dict()
        del record["parser_version"]
        assert record == expected_record(site, 0)
        assert archive.article_count() == site.count
    figures.count("faults injected", RETRIES + 1)
    figures.scenario(
        "fault",
        f"503 on every attempt of a run ({RETRIES + 1}), then an answer",
        "failed, retried by the next run, archived",
        "failed in run 1, archived in run 2",
    )
