"""A crawl's writes: the pages fetched and read, held until a batch is due, written to the
archive in one transaction, then each accounted for (counts, events, the health's watches)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..config import Config
from ..derived.prepared import Prepared
from ..discover import DateWindow, Found
from ..fetch import FetchResult
from ..record import Article
from ..store import Archive, Candidate, Fetched, FrontierEntry, RawPage, StoreError
from ..warclink import WarcLink
from .crawl_events import Events
from .crawl_health import Health
from .readers import PARSER_ERROR, Reading
from .revisit import next_visit

# Entry points come first, then new articles, then revisits of archived ones; lower runs first.
PRIORITY = {"sitemap": 10, "feed": 20, "listing": 30, "article": 50, "page": 50, "revisit": 60}
NO_PAGE_KINDS = {
    "challenge": "challenge page (captcha or bot check)",
    "empty": "empty page",
}
WRITE_EVERY = 1.0  # seconds a landed page waits, at most, for others to share its write
WRITE_BYTES = 16_000_000  # bodies held for one write, at most: a batch of large pages goes early

Landed = tuple[FrontierEntry, FetchResult, Reading | None]  # a fetch, and what was read from it


class PageWriter:
    """Writes what landed for one run, telling `events` of each page (`landed` before it is
    stored, `article` and `fetched` after): `backfill` is the period of a back-fill, whose url
    sets to take are collected in `chosen`; `stopped` is called when the health stops the run
    early."""

    def __init__(
        self,
        config: Config,
        archive: Archive,
        health: Health,
        *,
        events: Events,
        clock: Callable[[], datetime],
        backfill: DateWindow | None,
        chosen: set[str],
        stopped: Callable[[], None],
    ) -> None:
        self.config = config
        self.archive = archive
        self.health = health
        self.report = health.report
        self.events = events
        self.clock = clock
        self._window = backfill
        self._chosen_sitemaps = chosen
        self._stopped = stopped
        self._rules = config.crawl.revisit_rules

    def record(self, landed: list[Landed], run_id: int) -> None:
        """Write what landed in one transaction, then account for each page."""
        window = self._window
        pages: list[LandedPage] = []
        for entry, result, reading in landed:
            page = LandedPage(entry, result)
            if reading is not None:
                page.article, page.kind = reading.article, reading.kind
                page.found, page.detail = reading.found, reading.detail
                page.prepared = reading.prepared
            if window is not None:
                # Everything found joins the frontier (later runs take it); this run takes only
                # the url sets of months in its period, and articles whose lastmod is in it.
                page.chosen = [
                    f.url for f in page.found if f.kind == "sitemap" and window.admits(f)
                ]
                self._chosen_sitemaps.update(page.chosen)
            page.outcome, page.failure = _outcome(page)
            self.events.landed(page)  # read, not stored yet: the WARC writer links it here
            pages.append(page)
        batch = [self._fetched(page, run_id) for page in pages]
        stored: list[str] = []
        try:
            stored = list(self.archive.record_fetches(batch))
        except StoreError:
            if len(batch) == 1:
                raise
            # Then one page at a time, so that all that can be kept is (a full disk), and the
            # error that ends the run is one page's own.
            for fetched in batch:
                stored += self.archive.record_fetches([fetched])
        finally:
            for page, outcome in zip(pages, stored, strict=False):
                self._account(page, outcome)
        chosen = [url for page in pages for url in page.chosen]
        if chosen:
            self.archive.reschedule(chosen)  # read again, even those read before

    def _fetched(self, page: LandedPage, run_id: int) -> Fetched:
        """What the archive keeps of a page."""
        result = page.result
        raw = RawPage(
            url=page.entry.url,
            fetch_url=result.url,
            final_url=result.final_url,
            status=result.status,
            outcome=result.outcome,
            headers=result.headers,
            body=result.body,
            fetched_at=result.fetched_at,
            error=result.error,
            warc=page.warc,
        )
        return Fetched(
            raw,
            page.article,
            page.kind,
            run_id,
            tuple(candidate(f) for f in page.found),
            self._next_visit(page.entry, result, page.article),
            page.failure,
            page.prepared,
        )

    def _account(self, page: LandedPage, stored: str) -> None:
        """Counts, events, checks and the failure watch for one page written."""
        report, result, outcome = self.report, page.result, page.outcome
        report.counts["fetched"] += result.outcome != "disallowed"
        report.fetched_kinds[page.entry.kind] += result.outcome != "disallowed"
        report.outcomes[outcome] += 1
        if stored in ("new", "updated", "unchanged"):
            report.counts[stored] += 1
        article = page.article
        if article is not None and stored in ("new", "updated"):
            self.health.check(article, new=stored == "new")
            self.events.emit("article", url=article.url, stored=stored, layout=article.layout)
        if article is not None and stored in ("new", "updated", "unchanged"):
            self.health.watch_layouts(article)
        cause = page.failure or result.error or outcome
        if outcome not in ("ok", "not_modified"):
            report.failures[f"{outcome}: {cause}"] += 1
            report.counts["failed"] += 1
        self.events.emit(
            "fetched",
            url=page.entry.url,
            outcome=outcome,
            status=result.status,
            elapsed=round(result.elapsed, 3),
            attempts=result.attempts,
            error=None if outcome in ("ok", "not_modified") else cause,
            stored=stored,
        )
        seed = page.entry.source == "seed"
        if result.outcome != "disallowed" and self.health.fetched(outcome, cause, seed=seed):
            self._stopped()

    def _next_visit(
        self, entry: FrontierEntry, result: FetchResult, article: Article | None
    ) -> datetime | None:
        """When an archived article is due again, by its age; a section's next pages by
        `[crawl] listing_revisit`; None for other pages (entry points come back every run, url
        sets when their lastmod changes)."""
        now = self.clock()
        if entry.kind == "sitemap" and entry.source != "seed" and entry.lastmod is None:
            return now  # a url set without a lastmod may change unannounced: every run
        if entry.kind == "listing" and entry.source != "seed":
            if (entry.depth or 0) > self.config.crawl.listing_pages:
                return None  # deeper than a section is now followed (the setting was lowered)
            return now + self.config.crawl.listing_revisit_after
        if article is not None:
            published = _moment(article.published_at) or entry.published_at or now
        elif result.outcome == "not_modified" and entry.published_at is not None:
            published = entry.published_at
        else:
            return None
        return next_visit(self._rules, published, now)


@dataclass
class LandedPage:
    """A fetch on its way to the archive: what came back, what was read from it, how it went."""

    entry: FrontierEntry
    result: FetchResult
    article: Article | None = None
    kind: str | None = None
    found: list[Found] = field(default_factory=list)
    detail: str | None = None  # what the parser said of a page that is none
    prepared: Prepared | None = None  # worked out by the reader, for the store
    chosen: list[str] = field(default_factory=list)  # url sets a back-fill takes
    outcome: str = ""
    failure: str | None = None
    warc: WarcLink | None = None  # its record, set by a `landed` hook (the WARC writer)


class Unwritten:
    """Pages fetched and read, not yet written: their entries are still pending in the archive.
    They are written together when `due`: a full batch, WRITE_BYTES of bodies, or the first
    has waited WRITE_EVERY."""

    def __init__(self) -> None:
        self.pages: list[Landed] = []
        self.size = 0  # bytes of bodies held
        self.since = 0.0  # time.monotonic() the first landed

    def add(self, page: Landed) -> None:
        if not self.pages:
            self.since = time.monotonic()
        self.pages.append(page)
        self.size += len(page[1].body)

    def due(self, batch: int) -> bool:
        return (
            len(self.pages) >= batch
            or self.size >= WRITE_BYTES
            or time.monotonic() - self.since >= WRITE_EVERY
        )

    def take(self) -> list[Landed]:
        pages, self.pages, self.size = self.pages, [], 0
        return pages


def _outcome(page: LandedPage) -> tuple[str, str | None]:
    """How a fetch went, as counted (ok, blocked, challenge, failed…), and why an answer that is
    no page is none."""
    result = page.result
    if result.outcome in ("blocked", "empty"):
        return result.outcome, result.error or result.outcome
    if page.kind == PARSER_ERROR:
        return "failed", page.detail
    if page.kind in NO_PAGE_KINDS:
        return page.kind, page.detail or NO_PAGE_KINDS[page.kind]
    return result.outcome, None


def _moment(iso: str | None) -> datetime | None:
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        return None


def candidate(found: Found) -> Candidate:
    """What a page found, as the frontier takes it."""
    return Candidate(
        url=found.url,
        kind=found.kind,
        source=found.source,
        lastmod=found.lastmod,
        priority=PRIORITY[found.kind],
        depth=found.depth,
    )
