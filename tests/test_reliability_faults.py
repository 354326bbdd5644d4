"""Whole crawls of a site whose pages misbehave one by one, each in its own way.

The site is the fault server on 127.0.0.1 (tests/faultserver.py) serving generated articles
(tests/sitegen.py) listed in a sitemap: most answer well, and one article per fault answers
with it (FAULTS: one test each, all read from one crawl). Each fault states its outcome: archived
(exactly the expected record, after how many requests), failed or refused with a named cause (the
frontier keeps it failed, for a later run), and the crawl goes on: every well-behaved article is
archived all the same.
Refused redirects are checked where it matters most: no connection, no name lookup, no request.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import figures
import pytest
from crawled import rows, run_crawl, without_version
from faultserver import FaultServer, Reply, gzip_bomb, redirect
from netwatch import Seen, watching
from sitegen import SITE_ROOT, GeneratedSite, expected_record, generated_site

from newsarchive.config import Config, CrawlSettings, FetchSettings, StoreSettings
from newsarchive.runs.crawl_report import CrawlReport
from newsarchive.store import Archive

CAP = 1_000_000  # fetch.max_body_bytes of these crawls
READ_TIMEOUT = 1.0  # seconds; the slow replies below are set against it with room to spare
RETRIES = 2  # three attempts a hop
SIZE = 64  # articles on the site: one per fault, the rest well-behaved
HTML = (("Content-Type", "text/html; charset=utf-8"),)
CLOCK_SLACK = 0.05  # seconds of the server's own timing noise, forgiven
_RNG = random.Random(6)
BINARY = bytes(_RNG.randrange(256) for _ in range(40_000))
BOMB = gzip_bomb(200_000_000)
AD = '<div class="qc">Quảng cáo</div>'.encode()


@dataclass(frozen=True)
class Scene:
    """What a fault's replies are made of: its article and the servers around it."""

    n: int  # the article's index on the site
    page: bytes  # the article's page as it should be
    site: str  # netloc of the site
    elsewhere: str  # netloc of another server on 127.0.0.1
    far: str  # netloc of a server on 127.0.0.2, "another machine"

    def ok(self, body: bytes | None = None, headers: Any = HTML) -> Reply:
        """The article's page (or `body`), 200."""
        return Reply(headers=headers, body=self.page if body is None else body)

    def fill(self, template: str) -> str:
        """`template` with `{port}` the site's port and `{far_port}` the far server's."""
        return template.format(port=_port(self.site), far_port=_port(self.far))


@dataclass(frozen=True)
class Fault:
    """One article's misbehaviour and the outcome it must have."""

    name: str  # the test's id and the scenario of docs/reliability.md
    replies: Callable[[Scene], list[Reply]]  # in turn, the last repeating
    expected: str  # "archived", or the start of the frontier's failure cause ({elsewhere}: netloc)
    label: str  # the expected outcome as docs/reliability.md states it
    faulty: int | None = None  # leading replies that are faults; None: all of them
    requests: int | None = None  # requests the article's path must have seen, when pinned
    waited: float = 0.0  # least seconds between its first two requests (a Retry-After)

    def faults_served(self, served: int) -> int:
        return served if self.faulty is None else min(served, self.faulty)


def _port(netloc: str) -> str:
    return netloc.rsplit(":", 1)[1]


def ports(text: str) -> str:
    """Port numbers (a new one every run) out of a line meant for the figures."""
    return re.sub(r":\d{4,5}\b", ":PORT", text)


def padded(page: bytes, size: int) -> bytes:
    """The page with an HTML comment before `</html>` making it `size` bytes or more."""
    filler = b"<!-- " + b"x" * max(0, size - len(page)) + b" -->"
    return page.replace(b"</html>", filler + b"</html>")


def retried(
    name: str,
    replies: Callable[[Scene], list[Reply]],
    faulty: int,
    label: str = "retried, archived",
    waited: float = 0.0,
) -> Fault:
    """A fault the crawl retries past: archived after `faulty` faulty replies and one good."""
    return Fault(name, replies, "archived", label, faulty, requests=faulty + 1, waited=waited)


def taken(name: str, replies: Callable[[Scene], list[Reply]], label: str = "archived") -> Fault:
    """A faulty reply the crawl reads through: archived from it, the one request."""
    return Fault(name, replies, "archived", label, faulty=1, requests=1)


def retried_status(status: int) -> Fault:
    bad = Reply(status=status, body=b"oops")
    return retried(f"{status} twice, then an answer", lambda a: [bad, bad, a.ok()], faulty=2)


def refused_redirect(target: str) -> Fault:
    """A redirect to `target` (a template for Scene.fill) refused before any connection."""
    host = target.split("/")[2].format(port="PORT", far_port="PORT")
    return Fault(
        f"redirect to a private or loopback address ({host})",
        lambda a: [redirect(a.fill(target))],
        "redirect to disallowed host",
        "refused before connecting",
        requests=1,
    )


# Fault n is served for article n.
FAULTS = (
    retried(
        "slow headers past the read timeout, then an answer",
        lambda a: [Reply(delay=READ_TIMEOUT * 2, headers=HTML, body=a.page), a.ok()],
        faulty=1,
    ),
    taken(
        "slow headers within the read timeout",
        lambda a: [Reply(delay=READ_TIMEOUT * 0.3, headers=HTML, body=a.page)],
    ),
    taken(
        "slow body (60 kB, every chunk within the read timeout)",
        lambda a: [
            Reply(headers=HTML, body=padded(a.page, 60_000), chunk_delay=READ_TIMEOUT * 0.3)
        ],
    ),
    Fault(
        "body stalling past the read timeout, every time",
        lambda a: [
            Reply(headers=HTML, body=padded(a.page, 60_000), chunk_delay=READ_TIMEOUT * 1.5)
        ],
        f"read timeout after {RETRIES + 1} attempts",
        "failed (read timeout), left for a later run",
    ),
    retried(
        "connection reset mid-body, then an answer",
        lambda a: [Reply(headers=HTML, body=a.page, reset_after=2000), a.ok()],
        faulty=1,
    ),
    Fault(
        "connection reset mid-body, every time",
        lambda a: [Reply(headers=HTML, body=a.page, reset_after=2000)],
        "connection lost mid-body",
        "failed (connection lost mid-body), left for a later run",
        requests=RETRIES + 1,
    ),
    retried(
        "body cut short of its Content-Length, then an answer",
        lambda a: [Reply(headers=HTML, body=a.page, truncate_after=3000), a.ok()],
        faulty=1,
    ),
    Fault(
        "body cut short of its Content-Length, every time",
        lambda a: [Reply(headers=HTML, body=a.page, truncate_after=3000)],
        "connection lost mid-body",
        "failed (connection lost mid-body), left for a later run",
        requests=RETRIES + 1,
    ),
    retried(
        "429 with Retry-After: 1, then an answer",
        lambda a: [Reply(status=429, headers=(("Retry-After", "1"),), body=b"slow down"), a.ok()],
        faulty=1,
        label="waited as asked, retried, archived",
        waited=1.0,
    ),
    *(retried_status(status) for status in (500, 502, 503, 504)),
    Fault(
        "redirect to another page of the site",
        lambda a: [redirect(f"/bai-da-chuyen-{a.n}.html")],
        "archived",
        "followed, archived under the URL asked for",
        faulty=0,
        requests=1,
    ),
    Fault(
        "redirect loop",
        lambda a: [redirect(f"/vong-lap-{a.n}.html")],
        "redirect loop at",
        "refused (redirect loop)",
        requests=1,
    ),
    Fault(
        "redirect to another host (127.0.0.1, another port)",
        lambda a: [redirect(f"http://{a.elsewhere}/bai-viet.html")],
        "redirect to disallowed host {elsewhere}",
        "refused before connecting",
        requests=1,
    ),
    refused_redirect("http://127.0.0.2:{far_port}/bai-viet.html"),
    refused_redirect("http://10.0.0.1/bai-viet.html"),
    refused_redirect("http://169.254.169.254/latest/meta-data/"),
    refused_redirect("http://[::1]:{port}/bai-viet.html"),
    refused_redirect("http://localhost:{port}/bai-viet.html"),
    refused_redirect("http://2130706433:{port}/bai-viet.html"),  # 127.0.0.1 as one number
    Fault(
        "redirect to the live site while crawling a mirror",
        lambda a: [redirect(f"{SITE_ROOT}/bai-that-700001.html")],
        "redirect to disallowed host kinhtedothi.vn",
        "refused before connecting (a mirror crawl talks to the mirror only)",
        requests=1,
    ),
    Fault(
        "redirect to the same host with credentials",
        lambda a: [redirect(f"http://user:pw@{a.site}/bai-viet.html")],
        "redirect to URL with credentials",
        "refused",
        requests=1,
    ),
    Fault(
        "redirect to file:///etc/passwd",
        lambda a: [redirect("file:///etc/passwd")],
        "redirect to non-http(s) URL",
        "refused",
        requests=1,
    ),
    taken(
        "wrong Content-Type (image/jpeg) on an article",
        lambda a: [a.ok(headers=(("Content-Type", "image/jpeg"),))],
        "archived (the body decides, not the label)",
    ),
    taken("no Content-Type", lambda a: [a.ok(headers=())]),
    Fault(
        "body over the cap, declared (Content-Length 50 MB)",
        lambda a: [Reply(headers=HTML, size=50_000_000)],
        f"body over {CAP} bytes (Content-Length 50000000)",
        "refused unread, not retried",
        requests=1,
    ),
    Fault(
        "body over the cap, streamed without Content-Length (5 MB)",
        lambda a: [Reply(headers=HTML, size=5_000_000, content_length=False)],
        f"body over {CAP} bytes",
        "read up to the cap, refused, not retried",
        requests=1,
    ),
    Fault(
        f"gzip bomb ({len(BOMB) // 1000} kB inflating to 200 MB)",
        lambda a: [Reply(headers=(*HTML, ("Content-Encoding", "gzip")), body=BOMB)],
        f"body over {CAP} bytes",
        "inflated only up to the cap, refused",
        requests=1,
    ),
    taken(
        "invalid UTF-8 bytes in the page",
        lambda a: [
            a.ok(a.page.replace(b"</body>", b'<div class="qc">\xff\xfe\xc3\x28</div></body>'))
        ],
        "archived, the rest of the page read exactly",
    ),
    taken(
        "UTF-8 page labelled windows-1252 (meta) and iso-8859-1 (header)",
        lambda a: [
            a.ok(
                a.page.replace(b"charset=utf-8", b"charset=windows-1252"),
                (("Content-Type", "text/html; charset=iso-8859-1"),),
            )
        ],
        "archived with the Vietnamese text intact",
    ),
    Fault(
        "empty body (200, 0 bytes)",
        lambda a: [Reply(headers=HTML)],
        "empty body",
        "no page, left for a later run",
    ),
    Fault(
        "empty HTML document",
        lambda a: [
            Reply(headers=HTML, body=b"<!DOCTYPE html><html><head></head><body></body></html>")
        ],
        "empty page",
        "no page, left for a later run",
    ),
    taken(
        "huge HTML (25,000 extra blocks, over 800 kB, under the cap)",
        lambda a: [a.ok(a.page.replace(b"</body>", AD * 25_000 + b"</body>"))],
    ),
    taken(
        "deeply nested HTML (20,000 unclosed <div>)",
        lambda a: [a.ok(a.page.replace(b"</body>", b"<div>" * 20_000 + b"</body>"))],
    ),
    Fault(
        "binary body (40 kB of random bytes)",
        lambda a: [Reply(headers=(("Content-Type", "application/octet-stream"),), body=BINARY)],
        "binary body",
        "no page, left for a later run",
    ),
)


def serve(server: FaultServer, site: GeneratedSite, elsewhere: str, far: str) -> None:
    """Route the site on `server`: article n answers with FAULTS[n], the rest well."""
    assert SIZE - len(FAULTS) >= 20, "room for well-behaved articles"
    for n, fault in enumerate(FAULTS):
        path = site.specs[n].path
        server.route(path, *fault.replies(Scene(n, site.page(n), server.netloc, elsewhere, far)))
        server.route(f"/vong-lap-{n}.html", redirect(path))
        server.route(f"/bai-da-chuyen-{n}.html", Reply(headers=HTML, body=site.page(n)))
    for n in range(len(FAULTS), site.count):
        server.route(site.specs[n].path, Reply(headers=HTML, body=site.page(n)))
    server.route("/sitemap.xml", sitemap(site))


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


FRONTIER = "SELECT url, state, last_error FROM frontier"


@dataclass
class FaultCrawl:
    """The one crawl of the site whose article n answers with FAULTS[n], and what it left."""

    server: FaultServer
    quiet: tuple[FaultServer, FaultServer]  # another host on 127.0.0.1, and one on 127.0.0.2
    site: GeneratedSite
    report: CrawlReport
    net: Seen  # connections made and names looked up during the crawl
    frontier: dict[str, tuple[str, str | None]]  # URL: (state, last error)
    articles: set[str]  # URLs of the article table
    records: dict[str, dict[str, Any]]  # the stored records by URL, parser version left out

    def url(self, n: int) -> str:
        return self.site.specs[n].url

    def requests(self, n: int) -> list[float]:
        """When article n's path was asked for (the server's clock)."""
        return [seen.at for seen in self.server.requests_to(self.site.specs[n].path)]


@pytest.fixture(scope="module")
def fault_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultCrawl]:
    """Crawled once for the module: each fault's test reads its own article's outcome."""
    with FaultServer() as server, FaultServer() as elsewhere, FaultServer(host="127.0.0.2") as far:
        site = generated_site(SIZE)
        serve(server, site, elsewhere.netloc, far.netloc)
        db = tmp_path_factory.mktemp("faults") / "faults.db"
        cfg = config(server, db)
        with watching() as net:
            report = run_crawl(cfg)
        with Archive.open(cfg.store.url) as archive:
            records = {
                spec.url: without_version(stored.to_dict())
                for spec in site.specs
                if (stored := archive.get_article(spec.url)) is not None
            }
        yield FaultCrawl(
            server,
            (elsewhere, far),
            site,
            report,
            net,
            {url: (state, error) for url, state, error in rows(db, FRONTIER)},
            {url for (url,) in rows(db, "SELECT url FROM article")},
            records,
        )


def test_the_crawl_ends_well_whatever_its_pages_did(fault_crawl: FaultCrawl) -> None:
    assert fault_crawl.report.exit_status == 0, fault_crawl.report.note()
    assert fault_crawl.report.stopped_early is None, "the crawl stopped before it was done"


def test_nothing_but_the_site_is_dialled_or_looked_up(fault_crawl: FaultCrawl) -> None:
    # Refused redirects are refused before any connection, name lookup or request.
    site = ("127.0.0.1", int(_port(fault_crawl.server.netloc)))
    assert fault_crawl.net.addresses() <= {site}, "connected elsewhere than the site"
    assert {host for host in fault_crawl.net.lookups if host != "127.0.0.1"} == set()
    for quiet in fault_crawl.quiet:
        assert quiet.requests == [], f"{quiet.netloc} was asked"


def test_no_request_carries_credentials(fault_crawl: FaultCrawl) -> None:
    sent = [seen.path for seen in fault_crawl.server.requests if "authorization" in seen.headers]
    assert sent == [], "requests with an Authorization header"


@pytest.mark.parametrize(("n", "fault"), list(enumerate(FAULTS)), ids=[f.name for f in FAULTS])
def test_each_fault_ends_as_stated(fault_crawl: FaultCrawl, n: int, fault: Fault) -> None:
    url = fault_crawl.url(n)
    state, error = fault_crawl.frontier[url]
    asked = fault_crawl.requests(n)
    if fault.expected == "archived":
        assert fault_crawl.records.get(url) == expected_record(fault_crawl.site, n), (
            f"not archived as its expected record (frontier: {state}: {error})"
        )
        assert state == "done", error
    else:
        expected = fault.expected.format(elsewhere=fault_crawl.quiet[0].netloc)
        assert url not in fault_crawl.articles, "archived despite the fault"
        assert state == "failed", f"left {state}, not failed for a later run"
        assert error is not None and error.startswith(expected), f"cause, not {expected!r}..."
    if fault.requests is not None:
        assert len(asked) == fault.requests, "requests to the article's path"
    if fault.waited:
        assert asked[1] - asked[0] >= fault.waited - CLOCK_SLACK, "retried before the wait asked"
    figures.count("faults injected", fault.faults_served(len(asked)))
    seen = "archived" if fault.expected == "archived" else f"{state}: {error}"
    if fault.requests is not None and fault.expected == "archived":
        seen += f" ({len(asked)} request{'s' if len(asked) > 1 else ''})"
    site = fault_crawl.server.netloc
    figures.scenario("fault", fault.name, fault.label, ports(seen.replace(site, "SITE")))


def test_every_well_behaved_article_is_archived_exactly(fault_crawl: FaultCrawl) -> None:
    good = range(len(FAULTS), SIZE)
    lost = [fault_crawl.url(n) for n in good if fault_crawl.url(n) not in fault_crawl.articles]
    figures.count("pages lost", len(lost))
    assert lost == [], "well-behaved articles not archived"
    assert {fault_crawl.url(n): fault_crawl.records.get(fault_crawl.url(n)) for n in good} == {
        fault_crawl.url(n): expected_record(fault_crawl.site, n) for n in good
    }


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

    first = run_crawl(cfg)
    assert first.failures[f"failed: HTTP 503 after {RETRIES + 1} attempts"] == 1, first.failures
    states = {url: state for url, state, _ in rows(db, FRONTIER)}
    assert states[flaky.url] == "failed", "the page is not left failed for the next run"
    second = run_crawl(cfg)

    assert second.counts["new"] == 1, "the next run archived not just the failed page"
    with Archive.open(cfg.store.url) as archive:
        stored = archive.get_article(flaky.url)
        assert stored is not None, "the next run did not archive the page"
        assert without_version(stored.to_dict()) == expected_record(site, 0)
        assert archive.article_count() == site.count
    figures.count("faults injected", RETRIES + 1)
    figures.scenario(
        "fault",
        f"503 on every attempt of a run ({RETRIES + 1}), then an answer",
        "failed, retried by the next run, archived",
        "failed in run 1, archived in run 2",
    )
