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
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import AsyncExitStack, suppress
from datetime import UTC, datetime, timedelta
from typing import Any

from ..config import Config
from ..discover import Found
from ..errors import Status
from ..fetch import Fetcher, FetchResult, PaceChange
from ..site import urls as site_urls
from ..store import Archive, BackfillWindow, Candidate, CrawlLease, FrontierEntry
from .budget import PageBudget
from .crawl_events import EventHooks, Events
from .crawl_health import Health
from .crawl_intake import Intake
from .crawl_keepers import keep_leases, keep_lock
from .crawl_report import CrawlOptions, CrawlReport
from .crawl_writes import PRIORITY, Landed, PageWriter, Unwritten, candidate
from .readers import Readers
from .redesign import LOW_CONFIDENCE, WINDOW, RedesignWatch

MAX_ATTEMPTS = 3  # a failed URL is tried again by this many runs, then left alone
STOP_GRACE = 3.0  # seconds in-flight fetches get to finish after a stop; then they are abandoned
# Crawls sharing an archive: what another one fetched this recently a crawl starting now does not
# fetch again (entry points, url sets due every run, failures), so crawls started together share
# one round of them; a crawl started later is a new round.
JOIN_WINDOW = timedelta(minutes=2)
WAIT_FOR_OTHERS = 0.2  # seconds between looks at a frontier whose rest other crawls hold
LATE_START = 0.002  # seconds between a claimed turn and its request leaving that count as late


def entry_points(config: Config, *, backfill: bool = False) -> list[Candidate]:
    """Sitemaps, feeds, the home page and the category pages, revisited on every run; a
    back-fill needs only the sitemaps."""
    root = site_urls.SITE_ROOT
    found = [Found(root + p, "sitemap", "seed") for p in site_urls.SITEMAP_PATHS]
    if not backfill:
        found += [Found(root + p, "feed", "seed") for p in site_urls.FEED_PATHS]
        paths = (site_urls.HOME_PATH, *site_urls.CATEGORY_PATHS)
        found += [Found(root + p, "listing", "seed", depth=1) for p in paths]
    return [candidate(f) for f in found]


def allowed_hosts(config: Config) -> set[str]:
    return site_urls.allowed_hosts(config.crawl.extra_hosts, config.crawl.base_url or None)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Crawl:
    def __init__(
        self,
        config: Config,
        archive: Archive,
        *,
        options: CrawlOptions | None = None,
        clock: Callable[[], datetime] = _utc_now,
        event_hooks: EventHooks | None = None,
    ) -> None:
        """`clock` is the run's idea of now for revisit schedules (tests move it);
        `event_hooks` hear the run's events (crawl_events.py), as do hooks added to
        `events.hooks` later."""
        self.config = config
        self.archive = archive
        self.options = options or CrawlOptions()
        if self.options.mode == "backfill" and self.options.window is None:
            raise ValueError("a back-fill needs the period to fill")
        self.clock = clock
        self.events = Events(event_hooks)
        self.report = CrawlReport()
        self.health = Health(config.crawl, self.report, self.events)
        self._signal: int | None = None
        self._stop_requested = False
        self._abandon = False
        self._wake: asyncio.Event | None = None
        self._readers: Readers | None = None
        self._budget = PageBudget(config.crawl.max_pages)
        # A back-fill's url sets: the seeds, then those of months in its period.
        self._chosen_sitemaps = {c.url for c in entry_points(config, backfill=True)}
        self.writer = PageWriter(
            config,
            archive,
            self.health,
            events=self.events,
            clock=clock,
            backfill=self.options.window if self.options.mode == "backfill" else None,
            chosen=self._chosen_sitemaps,
            stopped=self._wake_up,
        )

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
        self.events.emit("run_started", run_id=run_id, mode=self.options.mode)
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
                    keeper = asyncio.create_task(keep_lock(self.archive, lease, self._lock_lost))
                    stack.callback(keeper.cancel)
                if self.archive.shared:
                    # What this run leased and did not fetch is free for the others at once.
                    stack.callback(self.archive.release_leases, run_id)
                    renewer = asyncio.create_task(keep_leases(self.archive, run_id))
                    stack.callback(renewer.cancel)
                if self.options.max_duration is not None:
                    limit = self.options.max_duration
                    reason = f"time limit of {_duration(limit)} reached"
                    timer = asyncio.get_running_loop().call_later(
                        limit, lambda: self.request_stop(reason, expected=True)
                    )
                    stack.callback(timer.cancel)
                self.health.begin()
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
            self.health.judge(self._signal)
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
            self.events.emit(
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
        self.health.redesign = RedesignWatch(self.archive.generic_reads(LOW_CONFIDENCE, WINDOW))
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
            self.events.emit("stopped", reason=reason)
        self._wake_up()

    def _pace_changed(self, change: PaceChange) -> None:
        self.report.pace[change.host] = change
        rate = None if change.rate is None else round(change.rate, 2)
        self.events.emit(
            "pace", host=change.host, rate=rate, reason=change.reason, hold=round(change.hold, 2)
        )

    def _lock_lost(self) -> None:
        self.report.exit_status = Status.LOCKED
        self.request_stop("another crawl took the lock over (this run stalled too long)")

    def _wake_up(self) -> None:
        if self._wake is not None:
            self._wake.set()

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
        intake = Intake(self.archive, self._budget, run_id)
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
                    self.writer.record(landed.take(), run_id)
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
                        for entry in intake.take(room, held, backfill):
                            in_flight[asyncio.create_task(self._fetch(fetcher, entry))] = entry
                if not in_flight:
                    if landed.pages:
                        continue  # written at the top of the loop; it may bring more work
                    if not (room > 0 and intake.others_at_work(backfill)):
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
                    self.writer.record(landed.take(), run_id)
                    return
        finally:
            for task in in_flight:
                task.cancel()
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)

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
