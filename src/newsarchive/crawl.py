"""The run: take URLs from the frontier, fetch, archive the raw page, parse, store, discover."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from . import status
from .config import Config
from .discover import Found, links_in_feed, links_in_page, links_in_sitemap
from .fetch import Fetcher, FetchResult
from .parse import NotAnArticle, parse_article
from .record import Article
from .site import urls as site_urls
from .store import Archive, Candidate, FrontierEntry, RawPage

# Entry points come first, then articles; lower runs first.
PRIORITY = {"sitemap": 10, "feed": 20, "listing": 30, "article": 50}
MAX_ATTEMPTS = 3  # a failed URL is tried again by this many runs, then left alone
# This many failures in a row, with nothing fetched in between, means the site is refusing us.
FAILURE_STREAK_LIMIT = 20


@dataclass
class CrawlReport:
    counts: Counter[str] = field(default_factory=Counter)  # fetched/new/updated/unchanged/failed
    failures: Counter[str] = field(default_factory=Counter)  # by cause
    outcomes: Counter[str] = field(default_factory=Counter)  # fetch outcomes
    stopped_early: str | None = None  # why the run gave up, when it did
    exit_status: int = status.OK

    def summary_line(self) -> str:
        c = self.counts
        return (
            f"fetched {c['fetched']}, new {c['new']}, updated {c['updated']}, "
            f"unchanged {c['unchanged']}, failed {c['failed']}"
        )


Progress = Callable[[str, CrawlReport, int], None]  # (url just done, report so far, pending)


def entry_points(config: Config) -> list[Candidate]:
    """Sitemaps, feeds, the home page and the category pages, revisited on every run."""
    root = site_urls.SITE_ROOT
    found = [Found(root + p, "sitemap", "seed") for p in site_urls.SITEMAP_PATHS]
    found += [Found(root + p, "feed", "seed") for p in site_urls.FEED_PATHS]
    paths = (site_urls.HOME_PATH, *site_urls.CATEGORY_PATHS)
    found += [Found(root + p, "listing", "seed") for p in paths]
    return [_candidate(f) for f in found]


def _candidate(found: Found) -> Candidate:
    return Candidate(
        url=found.url,
        kind=found.kind,
        source=found.source,
        lastmod=found.lastmod,
        priority=PRIORITY[found.kind],
    )


def allowed_hosts(config: Config) -> set[str]:
    hosts = {site_urls.MAIN_HOST, f"www.{site_urls.MAIN_HOST}", *config.crawl.extra_hosts}
    if config.crawl.base_url:
        hosts.add(urlsplit(config.crawl.base_url).netloc.lower())
    return hosts


class Crawl:
    def __init__(self, config: Config, archive: Archive, progress: Progress | None = None) -> None:
        self.config = config
        self.archive = archive
        self.progress = progress
        self.report = CrawlReport()
        self._streak = 0
        self._stop = asyncio.Event()

    async def run(self, fetcher: Fetcher | None = None) -> CrawlReport:
        run_id = self.archive.start_run()
        self.archive.add_candidates(entry_points(self.config))
        self.archive.reschedule(c.url for c in entry_points(self.config))
        self.archive.requeue_failed(MAX_ATTEMPTS)
        try:
            if fetcher is None:
                async with Fetcher(self.config.fetch, allowed_hosts(self.config)) as own:
                    await self._loop(own, run_id)
            else:
                await self._loop(fetcher, run_id)
        finally:
            self.archive.finish_run(run_id, self.report.counts, self.report.exit_status)
        return self.report

    def request_stop(self) -> None:
        self._stop.set()

    async def _loop(self, fetcher: Fetcher, run_id: int) -> None:
        limit = self.config.crawl.max_pages
        batch_size = max(1, self.config.fetch.concurrency) * 4
        while not self._stop.is_set():
            room = limit - self.report.counts["fetched"] if limit else batch_size
            batch = self.archive.next_batch(min(batch_size, room))
            if not batch:
                return
            done = await asyncio.gather(*(self._fetch(fetcher, e) for e in batch))
            for entry, result in done:
                self._record(entry, result, run_id)
            if self.report.stopped_early:
                self.report.exit_status = status.STOPPED
                return
            if limit and self.report.counts["fetched"] >= limit:
                return

    async def _fetch(
        self, fetcher: Fetcher, entry: FrontierEntry
    ) -> tuple[FrontierEntry, FetchResult]:
        url = site_urls.to_fetch_url(entry.url, self.config.crawl.base_url or None)
        result = await fetcher.fetch(url, etag=entry.etag, last_modified=entry.last_modified)
        return entry, result

    def _record(self, entry: FrontierEntry, result: FetchResult, run_id: int) -> None:
        report = self.report
        report.counts["fetched"] += result.outcome != "disallowed"
        report.outcomes[result.outcome] += 1
        article: Article | None = None
        page_kind: str | None = None
        found: list[Found] = []
        if result.outcome == "ok":
            article, page_kind, found = self._read(entry, result.body)
        raw = RawPage(
            url=entry.url,
            fetch_url=result.url,
            final_url=result.final_url,
            status=result.status,
            outcome=result.outcome,
            headers=result.headers,
            body=result.body,
            fetched_at=result.fetched_at,
            error=result.error,
        )
        stored = self.archive.record_fetch(
            raw,
            article=article,
            page_kind=page_kind,
            run_id=run_id,
            discovered=[_candidate(f) for f in found],
        )
        if stored in ("new", "updated", "unchanged"):
            report.counts[stored] += 1
        if result.outcome in ("ok", "not_modified"):
            self._streak = 0
        else:
            cause = result.error or result.outcome
            report.failures[f"{result.outcome}: {cause}"] += 1
            report.counts["failed"] += 1
            # A missing page is the site answering; refusals and errors are the site failing us.
            if result.outcome in ("failed", "blocked", "empty"):
                self._streak += 1
        if self._streak >= FAILURE_STREAK_LIMIT:
            report.stopped_early = (
                f"{self._streak} fetches failed in a row (last: {result.error or result.outcome})"
            )
        if self.progress is not None:
            self.progress(entry.url, report, self.archive.pending_count())

    def _read(self, entry: FrontierEntry, body: bytes) -> tuple[Article | None, str, list[Found]]:
        """Parse what was fetched: an article, and the links worth following."""
        max_page = self.config.crawl.listing_pages
        if entry.kind == "sitemap":
            return None, "sitemap", links_in_sitemap(body)
        if entry.kind == "feed":
            return None, "feed", links_in_feed(body)
        links = links_in_page(body, entry.url, max_listing_page=max_page)
        if entry.kind == "listing":
            return None, "listing", links
        try:
            article = parse_article(body, entry.url)
        except NotAnArticle as exc:
            return None, exc.kind, links
        return article, "article", links


def install_signal_handlers(crawl: Crawl) -> Iterable[signal.Signals]:
    """SIGINT/SIGTERM finish the batch in flight, record it, and stop: the frontier resumes."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, crawl.request_stop)
            installed.append(sig)
    return installed
