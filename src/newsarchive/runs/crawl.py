"""The run: take URLs from the frontier, fetch, archive the raw page, parse, store, discover.

One run at a time holds a SQLite archive (the store's crawl lock, renewed while the run lives).
Any number share a PostgreSQL archive: each leases the frontier entries it fetches, and books
every request's turn at its host in the archive, so the politeness delay holds across them all.
A run is incremental: entry points every time, the sections' next pages when due again
(`listing_revisit`), archived articles when their revisit is due (or all of them with `recheck`),
or a back-fill of a period from the monthly sitemaps. It stops early when the site keeps
failing, stops cleanly on a signal or at its time limit, and raises an alarm when what it stored
looks wrong.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from ..config import Config
from ..derived.prepared import Prepared
from ..discover import DateWindow, Found
from ..errors import Status
from ..fetch import Fetcher, FetchResult, PaceChange
from ..record import Article
from ..site import urls as site_urls
from ..store import (
    Archive,
    BackfillWindow,
    Candidate,
    CrawlLease,
    Fetched,
    FrontierEntry,
    RawPage,
    StoreError,
)
from ..warclink import WarcLink
from .budget import PageBudget
from .readers import PARSER_ERROR, Readers, Reading
from .redesign import LOW_CONFIDENCE, WINDOW, RedesignWatch, read_generically
from .revisit import next_visit

# Entry points come first, then new articles, then revisits of archived ones; lower runs first.
PRIORITY = {"sitemap": 10, "feed": 20, "listing": 30, "article": 50, "page": 50, "revisit": 60}
MAX_ATTEMPTS = 3  # a failed URL is tried again by this many runs, then left alone
STOP_GRACE = 3.0  # seconds in-flight fetches get to finish after a stop; then they are abandoned
PROGRESS_EVERY = 0.25  # seconds between two progress updates
LOCK_RENEW_EVERY = 30.0  # seconds; the store deems a lock stale after two minutes unrenewed
LEASE_RENEW_EVERY = 30.0  # seconds; a frontier lease runs out two minutes unrenewed (store)
# Crawls sharing an archive: what another one fetched this recently a crawl starting now does not
# fetch again (entry points, url sets due every run, failures), so crawls started together share
# one round of them; a crawl started later is a new round.
JOIN_WINDOW = timedelta(minutes=2)
WAIT_FOR_OTHERS = 0.2  # seconds between looks at a frontier whose rest other crawls hold
LATE_START = 0.002  # seconds between a claimed turn and its request leaving that count as late
# Answers that are no page: the site refusing or failing us. Retried by a later run.
FAILING = frozenset({"failed", "blocked", "challenge", "empty"})
NO_PAGE_KINDS = {
    "challenge": "challenge page (captcha or bot check)",
    "empty": "empty page",
}
WRITE_EVERY = 1.0  # seconds a landed page waits, at most, for others to share its write
WRITE_BYTES = 16_000_000  # bodies held for one write, at most: a batch of large pages goes early
READ_AHEAD = 100  # pending entries read from the frontier at a time (one crawl per archive)

Mode = Literal["incremental", "recheck", "backfill"]
Landed = tuple[FrontierEntry, FetchResult, Reading | None]  # a fetch, and what was read from it
Event = dict[str, Any]
EventSink = Callable[[Event], None]
Progress = Callable[[str, "CrawlReport", int], None]  # (url just done, report so far, pending)
# Called with every fetch as it came back, before it is stored: where the WARC writer hooks in;
# where it wrote the fetch is kept with the raw page.
FetchHook = Callable[[FetchResult], WarcLink | None]


@dataclass(frozen=True)
class CrawlOptions:
    mode: Mode = "incremental"
    window: DateWindow | None = None  # the period of a back-fill
    max_duration: float | None = None  # seconds of wall clock, then a clean stop


@dataclass
class CrawlReport:
    counts: Counter[str] = field(default_factory=Counter)  # fetched/new/updated/unchanged/failed
    failures: Counter[str] = field(default_factory=Counter)  # by cause
    outcomes: Counter[str] = field(default_factory=Counter)  # fetches by outcome
    revisits: int = 0  # archived pages made due by this run
    stopped_early: str | None = None  # why the run gave up on the site, when it did
    stopped: str | None = None  # why the run stopped before the frontier was done (a signal)
    time_up: str | None = None  # the time limit reached: an expected stop, the next run goes on
    left: int = 0  # entries still pending after a stop, for the next run
    refused: Counter[int] = field(default_factory=Counter)  # 429s and 503s received, by status
    held: float = 0.0  # seconds hosts were held by those refusals
    pace: dict[str, PaceChange] = field(default_factory=dict)  # the last change per host
    abandoned: int = 0  # fetches in flight at a stop that were given up (still pending)
    alarms: list[str] = field(default_factory=list)
    fetched_kinds: Counter[str] = field(default_factory=Counter)  # fetches by frontier kind
    read_generically: int = 0  # articles no layout's rules know (an alarm only when most are)
    generic_example: str | None = None  # the first of them
    exit_status: int = Status.OK

    def summary_line(self) -> str:
        c = self.counts
        return (
            f"fetched {c['fetched']}, new {c['new']}, updated {c['updated']}, "
            f"unchanged {c['unchanged']}, failed {c['failed']}"
        )

    def note(self) -> str | None:
        """What went wrong or was cut short, in a line or two; None for a run that just ran."""
        parts = [p for p in (self.stopped_early, self.stopped, self.time_up, *self.alarms) if p]
        return "; ".join(parts) or None


def entry_points(config: Config, *, backfill: bool = False) -> list[Candidate]:
    """Sitemaps, feeds, the home page and the category pages, revisited on every run; a
    back-fill needs only the sitemaps."""
    root = site_urls.SITE_ROOT
    found = [Found(root + p, "sitemap", "seed") for p in site_urls.SITEMAP_PATHS]
    if not backfill:
        found += [Found(root + p, "feed", "seed") for p in site_urls.FEED_PATHS]
        paths = (site_urls.HOME_PATH, *site_urls.CATEGORY_PATHS)
        found += [Found(root + p, "listing", "seed", depth=1) for p in paths]
    return [_candidate(f) for f in found]


def _candidate(found: Found) -> Candidate:
    return Candidate(
        url=found.url,
        kind=found.kind,
        source=found.source,
        lastmod=found.lastmod,
        priority=PRIORITY[found.kind],
        depth=found.depth,
    )


def allowed_hosts(config: Config) -> set[str]:
    return site_urls.allowed_hosts(config.crawl.extra_hosts, config.crawl.base_url or None)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Crawl:
    def __init__(
        self,
        config: Config,
        archive: Archive,
        progress: Progress | None = None,
        *,
        options: CrawlOptions | None = None,
        clock: Callable[[], datetime] = _utc_now,
        events: EventSink | None = None,
        on_fetch: FetchHook | None = None,
    ) -> None:
        """`clock` is the run's idea of now for revisit schedules (tests move it);
        `events` receives one dict per event (fetched, pace, article, alarm, stopped, summary)."""
        self.config = config
        self.archive = archive
        self.progress = progress
        self._next_progress = 0.0
        self.options = options or CrawlOptions()
        if self.options.mode == "backfill" and self.options.window is None:
            raise ValueError("a back-fill needs the period to fill")
        self.clock = clock
        self.events = events
        self.on_fetch = on_fetch
        self.report = CrawlReport()
        self._rules = config.crawl.revisit_rules
        self._recent: deque[tuple[bool, str]] = deque(maxlen=config.crawl.failure_window)
        self._answered_at = time.monotonic()  # when the site last gave a page (or the run began)
        self._seeds: list[tuple[bool, str]] = []  # the entry points' fetches: failed?, cause
        self._incomplete: Counter[str] = Counter()  # missing required fields among new articles
        self._incomplete_articles = 0
        self._redesign: RedesignWatch | None = None  # made when the run starts
        self._signal: int | None = None
        self._stop_requested = False
        self._abandon = False
        self._wake: asyncio.Event | None = None
        self._readers: Readers | None = None
        self._budget = PageBudget(config.crawl.max_pages)
        # A back-fill's url sets: the seeds, then those of months in its period.
        self._chosen_sitemaps = {c.url for c in entry_points(config, backfill=True)}

    # -- the run ---------------------------------------------------------------------------

    async def run(self, fetcher: Fetcher | None = None) -> CrawlReport:
        """Crawl until the frontier is done or the run stops; CrawlLocked (from the store) if
        another crawl holds the archive."""
        lease = self.archive.take_crawl_lock()
        try:
            return await self._run(fetcher, lease)
        finally:
            if lease is not None:
                self.archive.release_crawl_lock(lease)

    async def _run(self, fetcher: Fetcher | None, lease: CrawlLease | None) -> CrawlReport:
        self._wake = asyncio.Event()
        began = self.clock()
        run_id = self.archive.start_run()
        self._emit("run_started", run_id=run_id, mode=self.options.mode)
        report = self.report
        try:
            self._prepare(began)
            async with AsyncExitStack() as stack:
                if fetcher is None:
                    gate = SharedPace(self.archive) if self.archive.shared else None
                    own = Fetcher(
                        self.config.fetch, allowed_hosts(self.config), before_request=gate
                    )
                    fetcher = await stack.enter_async_context(own)
                fetcher.watch_pace(self._pace_changed)
                stack.callback(fetcher.watch_pace, None)
                pressure, reach = fetcher.pressure, fetcher.reach
                refused_before, held_before = Counter(pressure.refused), pressure.held
                answered_before, unanswered_before = reach.answered, Counter(reach.unanswered)
                settings = self.config.crawl
                self._readers = await stack.enter_async_context(
                    Readers(settings.parse_workers, settings.listing_pages)
                )
                if lease is not None:
                    keeper = asyncio.create_task(self._keep_lock(lease))
                    stack.callback(keeper.cancel)
                if self.archive.shared:
                    # What this run leased and did not fetch is free for the others at once.
                    stack.callback(self.archive.release_leases, run_id)
                    renewer = asyncio.create_task(self._keep_leases(run_id))
                    stack.callback(renewer.cancel)
                if self.options.max_duration is not None:
                    limit = self.options.max_duration
                    reason = f"time limit of {_duration(limit)} reached"
                    timer = asyncio.get_running_loop().call_later(
                        limit, lambda: self.request_stop(reason, expected=True)
                    )
                    stack.callback(timer.cancel)
                self._answered_at = time.monotonic()
                await self._loop(fetcher, run_id)
                report.refused = pressure.refused - refused_before
                report.held = pressure.held - held_before
                unanswered = reach.unanswered - unanswered_before
                if reach.answered == answered_before and unanswered:
                    # Not one answer: the site is out of reach. Say why in the network's words.
                    cause, _ = unanswered.most_common(1)[0]
                    report.stopped_early = f"could not reach the site: {cause}"
            if report.stopped or report.time_up or report.stopped_early:
                report.left = self.archive.pending_count()
            self._judge()
        except BaseException:
            report.exit_status = Status.FAILED
            raise
        finally:
            self.archive.finish_run(
                run_id,
                report.counts,
                report.exit_status,
                outcomes=report.outcomes,
                note=report.note(),
            )
            self._emit(
                "summary",
                run_id=run_id,
                counts=dict(report.counts),
                outcomes=dict(report.outcomes),
                exit_status=report.exit_status,
                note=report.note(),
                refused={str(code): n for code, n in sorted(report.refused.items())},
                held=round(report.held, 1),
                left=report.left,
                line=report.summary_line(),
            )
        return report

    def _prepare(self, began: datetime) -> None:
        """Entry points due again; archived pages due for a revisit (or all, or none); failed
        entries with attempts left."""
        self._redesign = RedesignWatch(self.archive.generic_reads(LOW_CONFIDENCE, WINDOW))
        mode = self.options.mode
        points = entry_points(self.config, backfill=mode == "backfill")
        # Where crawls share the archive, not what one of them has just fetched (JOIN_WINDOW).
        settled = _utc_now() - JOIN_WINDOW if self.archive.shared else None
        self.archive.add_candidates(points)
        self.archive.reschedule((c.url for c in points), fetched_before=settled)
        if mode == "recheck":
            self.report.revisits = self.archive.recheck(PRIORITY["revisit"])
        elif mode == "incremental":
            self.report.revisits = self.archive.schedule_due(
                began, PRIORITY["revisit"], fetched_before=settled
            )
        self.archive.requeue_failed(MAX_ATTEMPTS, fetched_before=settled)

    def request_stop(self, reason: str = "stop requested", *, expected: bool = False) -> None:
        """Stop taking new URLs; fetches in flight get STOP_GRACE seconds, then are abandoned.
        Asked twice, abandon them at once. `expected`: a stop the run was set for (its time
        limit), not an interruption."""
        if self._stop_requested:
            self._abandon = True
        else:
            self._stop_requested = True
            if expected:
                self.report.time_up = reason
            else:
                self.report.stopped = reason
            self._emit("stopped", reason=reason)
        if self._wake is not None:
            self._wake.set()

    def _pace_changed(self, change: PaceChange) -> None:
        self.report.pace[change.host] = change
        rate = None if change.rate is None else round(change.rate, 2)
        self._emit(
            "pace", host=change.host, rate=rate, reason=change.reason, hold=round(change.hold, 2)
        )

    def stop_on_signal(self, signum: int) -> None:
        self._signal = self._signal or signum
        self.request_stop(f"stopped by {signal.Signals(signum).name}")

    def _stopping(self) -> bool:
        return self._stop_requested or self.report.stopped_early is not None

    async def _loop(self, fetcher: Fetcher, run_id: int) -> None:
        """Keep up to a few batches' worth of fetches in flight; write what landed a batch at
        a time (`crawl.write_batch`): a commit costs more than a page's rows."""
        assert self._wake is not None
        limit = self.config.crawl.max_pages
        # Enough in flight to keep the fetcher busy, few enough that none waits out its
        # page_deadline queueing for a turn while the pace to a strained host is slow.
        capacity = max(1, self.config.fetch.concurrency) * 2
        window = self.options.window if self.options.mode == "backfill" else None
        in_flight: dict[asyncio.Future[Landed], FrontierEntry] = {}
        landed = Unwritten()
        ahead: deque[FrontierEntry] = deque()  # pending entries read ahead (see _take)
        grace_ends: float | None = None
        try:
            while True:
                # Once a budget's finding pages are spent, what they found is wanted at once.
                finding_done = self._budget.kinds() is not None
                if landed.pages and (
                    not in_flight
                    or self._stopping()
                    or finding_done
                    or landed.due(self.config.crawl.write_batch)
                ):
                    self._record(landed.take(), run_id)
                room = 0
                backfill = None
                if window is not None:
                    sitemaps = frozenset(self._chosen_sitemaps)
                    backfill = BackfillWindow(window.start, window.end, sitemaps)
                if not self._stopping():
                    room = capacity - len(in_flight)
                    if limit:
                        taken = self.report.counts["fetched"] + len(in_flight) + len(landed.pages)
                        room = self._budget.room(min(room, limit - taken))
                    if room > 0:
                        held = (in_flight.values(), (entry for entry, _, _ in landed.pages))
                        for entry in self._take(run_id, room, held, backfill, ahead):
                            in_flight[asyncio.create_task(self._fetch(fetcher, entry))] = entry
                if not in_flight:
                    if landed.pages:
                        continue  # written at the top of the loop; it may bring more work
                    if not (room > 0 and self._others_at_work(run_id, backfill)):
                        return
                    # What the other crawls are fetching may bring work for this one.
                    with suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), WAIT_FOR_OTHERS)
                    self._wake.clear()
                    continue
                timeout: float | None = None
                if self._stopping():
                    grace_ends = grace_ends or time.monotonic() + STOP_GRACE
                    timeout = 0.0 if self._abandon else max(0.0, grace_ends - time.monotonic())
                waking = asyncio.create_task(self._wake.wait())
                watched: set[asyncio.Future[Any]] = {*in_flight, waking}
                try:
                    await asyncio.wait(
                        watched, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    waking.cancel()
                self._wake.clear()
                for task in [task for task in in_flight if task.done()]:
                    landed.add(task.result())
                    del in_flight[task]
                out_of_grace = grace_ends is not None and time.monotonic() >= grace_ends
                if in_flight and self._stopping() and (self._abandon or out_of_grace):
                    # Their entries stay pending: the next run fetches them.
                    self.report.abandoned = len(in_flight)
                    self._record(landed.take(), run_id)
                    return
        finally:
            for task in in_flight:
                task.cancel()
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)

    def _take(
        self,
        run_id: int,
        room: int,
        held: Iterable[Iterable[FrontierEntry]],
        window: BackfillWindow | None,
        ahead: deque[FrontierEntry],
    ) -> list[FrontierEntry]:
        """Up to `room` pending entries to fetch: on a shared archive leased to this run, else
        the next ones not in flight nor waiting to be written, read READ_AHEAD at a time (a
        query for every page fetched cost as much as writing it). Of the kinds the page budget
        wants now while any are pending or may come from the pages in flight."""
        kinds = self._budget.kinds()
        taken: list[FrontierEntry] = []
        if kinds is not None:
            held = [list(entries) for entries in held]
            taken = self._take_of(run_id, room, held, window, kinds)
            ahead.clear()  # read before the budget chose: may hold other kinds
        if kinds is None or not (taken or any(held)):
            # No budget, or nothing wanted is pending nor coming: the rest goes to the rest.
            taken = self._take_of(run_id, room, held, window, None, ahead)
        self._budget.took(entry.kind for entry in taken)
        return taken

    def _take_of(
        self,
        run_id: int,
        room: int,
        held: Iterable[Iterable[FrontierEntry]],
        window: BackfillWindow | None,
        kinds: Sequence[str] | None,
        ahead: deque[FrontierEntry] | None = None,
    ) -> list[FrontierEntry]:
        """`_take`'s entries of `kinds` (None: any), read ahead into `ahead` where given."""
        if self.archive.shared:
            return self.archive.lease_batch(run_id, room, window=window, kinds=kinds)
        if ahead is None:
            busy = {entry.url for entries in held for entry in entries}
            pending = self.archive.next_batch(room + len(busy), window=window, kinds=kinds)
            return [entry for entry in pending if entry.url not in busy][:room]
        if len(ahead) < room:
            busy = {entry.url for entries in held for entry in entries}  # read only when needed
            pending = self.archive.next_batch(READ_AHEAD + len(busy), window=window)
            ahead.clear()
            ahead.extend(e for e in pending if e.url not in busy)
        return [ahead.popleft() for _ in range(min(room, len(ahead)))]

    def _others_at_work(self, run_id: int, window: BackfillWindow | None) -> bool:
        """Whether other crawls on a shared archive hold pending entries now."""
        return self.archive.shared and self.archive.leased_elsewhere(run_id, window=window) > 0

    async def _keep_leases(self, run_id: int) -> None:
        while True:
            await asyncio.sleep(LEASE_RENEW_EVERY)
            self.archive.renew_leases(run_id)

    async def _fetch(self, fetcher: Fetcher, entry: FrontierEntry) -> Landed:
        """Fetch an entry and read what came back."""
        url = site_urls.to_fetch_url(entry.url, self.config.crawl.base_url or None)
        etag, last_modified = entry.etag, entry.last_modified
        if self.options.mode == "backfill" and entry.kind == "sitemap":
            etag = last_modified = None  # a back-fill reads its url sets whole, changed or not
        deadline = self.config.fetch.page_deadline
        started = time.monotonic()
        try:
            async with asyncio.timeout(deadline):
                result = await fetcher.fetch(url, etag=etag, last_modified=last_modified)
        except TimeoutError:
            cause = f"no answer within {deadline:g} s (fetch.page_deadline)"
            result = FetchResult.unanswered(url, "failed", cause, started)
        reading = None
        if result.outcome == "ok":
            assert self._readers is not None
            depth = self._listing_depth(entry)
            reading = await self._readers.read(entry.kind, entry.url, result.body, depth)
        return entry, result, reading

    def _listing_depth(self, entry: FrontierEntry) -> int | None:
        """A listing's place in its section's paging, as the frontier holds it; one whose place
        is not known (made before it was kept) is read as the last page: no next page."""
        if entry.kind != "listing":
            return None
        if entry.depth is not None:
            return entry.depth
        return 1 if entry.source == "seed" else self.config.crawl.listing_pages

    async def _keep_lock(self, lease: CrawlLease) -> None:
        while True:
            await asyncio.sleep(LOCK_RENEW_EVERY)
            if not self.archive.renew_crawl_lock(lease):
                self.report.exit_status = Status.LOCKED
                self.request_stop("another crawl took the lock over (this run stalled too long)")
                return

    # -- one fetch -------------------------------------------------------------------------

    def _record(self, landed: list[Landed], run_id: int) -> None:
        """Write what landed in one transaction, then account for each page."""
        window = self.options.window if self.options.mode == "backfill" else None
        pages: list[_Page] = []
        for entry, result, reading in landed:
            page = _Page(entry, result)
            if self.on_fetch is not None:
                page.warc = self.on_fetch(result)
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

    def _fetched(self, page: _Page, run_id: int) -> Fetched:
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
            tuple(_candidate(f) for f in page.found),
            self._next_visit(page.entry, result, page.article),
            page.failure,
            page.prepared,
        )

    def _account(self, page: _Page, stored: str) -> None:
        """Counts, events, checks and the failure watch for one page written."""
        report, result, outcome = self.report, page.result, page.outcome
        report.counts["fetched"] += result.outcome != "disallowed"
        report.fetched_kinds[page.entry.kind] += result.outcome != "disallowed"
        report.outcomes[outcome] += 1
        if stored in ("new", "updated", "unchanged"):
            report.counts[stored] += 1
        article = page.article
        if article is not None and stored in ("new", "updated"):
            self._check(article, new=stored == "new")
            self._emit("article", url=article.url, stored=stored, layout=article.layout)
        if article is not None and stored in ("new", "updated", "unchanged"):
            self._watch_layouts(article)
        cause = page.failure or result.error or outcome
        if outcome not in ("ok", "not_modified"):
            report.failures[f"{outcome}: {cause}"] += 1
            report.counts["failed"] += 1
        self._emit(
            "fetched",
            url=page.entry.url,
            outcome=outcome,
            status=result.status,
            elapsed=round(result.elapsed, 3),
            attempts=result.attempts,
            error=None if outcome in ("ok", "not_modified") else cause,
            stored=stored,
        )
        if result.outcome != "disallowed":
            failing = outcome in FAILING
            self._recent.append((failing, f"{outcome}: {cause}"))
            if page.entry.source == "seed":
                self._seeds.append((failing, f"{outcome}: {cause}"))
            if not failing:
                self._answered_at = time.monotonic()
            self._watch_failures()
        # Counting the frontier costs a query: a terminal needs it a few times a second at most.
        if self.progress is not None and time.monotonic() >= self._next_progress:
            self._next_progress = time.monotonic() + PROGRESS_EVERY
            self.progress(page.entry.url, report, self.archive.pending_count())

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

    # -- health ----------------------------------------------------------------------------

    def _check(self, article: Article, *, new: bool) -> None:
        if new:
            missing = [
                name
                for name, absent in (
                    ("title", not article.title),
                    ("body", not article.paragraphs),
                    ("published date", article.published_at is None),
                )
                if absent
            ]
            self._incomplete.update(missing)
            self._incomplete_articles += bool(missing)

    def _watch_layouts(self, article: Article) -> None:
        """Every article read: a jump in those no layout's rules know raises the alarm, once."""
        if read_generically(article):
            self.report.read_generically += 1
            self.report.generic_example = self.report.generic_example or article.url
        if self._redesign is not None and (message := self._redesign.see(article)):
            self._alarm("unknown_layout", message)

    def _watch_failures(self) -> None:
        """Stop when the share of failures over the last `failure_window` fetches reaches
        `failure_share`, or when the site has given no page for `give_up_after`: the site is
        refusing or failing us, going on would only hammer it."""
        settings = self.config.crawl
        if self.report.stopped_early:
            return
        failing = [cause for failed, cause in self._recent if failed]
        silent = time.monotonic() - self._answered_at
        if silent >= settings.give_up_seconds and self._recent and self._recent[-1][0]:
            reason = (
                f"no page from the site for {silent:.0f} s "
                f"(give_up_after {settings.give_up_after}): {_tally(failing)}"
            )
        elif len(self._recent) >= settings.failure_window and len(failing) >= (
            settings.failure_share * len(self._recent)
        ):
            reason = (
                f"{len(failing)} of the last {len(self._recent)} fetches failed ({_tally(failing)})"
            )
        else:
            return
        self.report.stopped_early = reason
        self._emit("stopped", reason=reason)
        if self._wake is not None:
            self._wake.set()

    def _judge(self) -> None:
        """The run's exit status: site failing (5) over alarm (4) over signal over done (0)."""
        report = self.report
        settings = self.config.crawl
        judged = list(self._recent)
        if not report.stopped_early and 0 < len(judged) < settings.failure_window:
            # A short run (fewer fetches than the window) is judged on all of them.
            failing = [cause for failed, cause in judged if failed]
            if failing and len(failing) >= settings.failure_share * len(judged):
                report.stopped_early = (
                    f"{len(failing)} of {len(judged)} fetches failed ({_tally(failing)})"
                )
        if not report.stopped_early and self._seeds and all(failed for failed, _ in self._seeds):
            # Without its entry points a run sees nothing new, whatever else it fetched.
            causes = [cause for _, cause in self._seeds]
            report.stopped_early = f"every entry point failed ({_tally(causes)})"
        new = report.counts["new"]
        share = self._incomplete_articles / new if new else 0.0
        if share > settings.alarm_missing_share:
            lacking = ", ".join(f"{name} {n}" for name, n in self._incomplete.most_common())
            self._alarm(
                "missing_fields",
                f"{self._incomplete_articles} of {new} new articles ({share:.0%}) lack a "
                f"required field ({lacking}); threshold crawl.alarm_missing_share "
                f"{settings.alarm_missing_share:.0%}",
            )
        if self._redesign is not None and (message := self._redesign.finish()):
            self._alarm("unknown_layout", message)
        if report.exit_status != Status.OK:  # set during the run (the lock was lost)
            return
        if report.stopped_early:
            report.exit_status = Status.STOPPED
        elif report.alarms:
            report.exit_status = Status.ALARM
        elif self._signal is not None:
            report.exit_status = 128 + self._signal  # the shell's convention for "killed by"

    def _alarm(self, kind: str, message: str) -> None:
        self.report.alarms.append(message)
        self._emit("alarm", kind=kind, message=message)

    def _emit(self, event: str, **fields: Any) -> None:
        if self.events is not None:
            self.events({"event": event, **fields})


@dataclass
class _Page:
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
    warc: WarcLink | None = None  # its record, when the crawl writes WARC files


class SharedPace:
    """The fetcher's gate (fetch.HostGate) on a shared archive: each request's turn at its host
    is claimed in the archive, across every crawl on it.

    Claims are made in the event loop's own thread, not handed to another: the request then
    leaves the moment its claim returns, not after whatever parsing the loop is busy with. A
    request the operating system still held back after its claim moves the next turn on."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    async def wait_turn(self, host: str, spacing: float) -> None:
        while (wait := self.archive.claim_turn(host, spacing)) > 0:
            await asyncio.sleep(wait)

    def started(self, host: str, spacing: float, late: float) -> None:
        if late > LATE_START:
            self.archive.push_turn(host, spacing)

    def hold(self, host: str, seconds: float) -> None:
        # No turn before `seconds` from now, for any crawl: what push_turn does for a late one.
        self.archive.push_turn(host, seconds)


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


def _outcome(page: _Page) -> tuple[str, str | None]:
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


def _tally(causes: Iterable[str]) -> str:
    """`blocked: HTTP 403 ×12, failed: HTTP 503 after 5 attempts ×3`: the commonest first."""
    counted = Counter(causes).most_common(3)
    return ", ".join(f"{cause} ×{n}" for cause, n in counted)


def _duration(seconds: float) -> str:
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def install_signal_handlers(crawl: Crawl) -> Iterable[signal.Signals]:
    """SIGINT/SIGTERM stop the run cleanly (a second one abandons what is in flight at once);
    what was parsed is committed and the frontier resumes."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, crawl.stop_on_signal, int(sig))
            installed.append(sig)
    return installed
