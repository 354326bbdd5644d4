"""`newsarchive crawl`: discover, fetch, archive, parse, store; a summary at the end.

Exit statuses (CLI.md): 0 done (also at the time limit), 4 health alarm, 5 stopped early (the site
could not be reached, kept refusing or failing), 75 another crawl holds the archive, 128+N stopped
by signal N (130 SIGINT, 143 SIGTERM).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import date, datetime
from typing import Any

from ..config import Config, parse_duration
from ..discover import DateWindow
from ..errors import CrawlLocked, UsageError
from ..fetch import PaceChange
from ..runs.budget import FINDING
from ..runs.crawl import Crawl, install_signal_handlers
from ..runs.crawl_events import Event, EventHooks, Hook, every_line
from ..runs.crawl_report import CrawlOptions, CrawlReport
from ..runs.crawl_writes import LandedPage
from ..site import HANOI, hanoi_time
from ..store import Archive
from ..warc import WarcWriter, open_warc_writer
from .common import (
    Subcommands,
    add_command,
    chosen_days,
    config_of,
    silence_stdout,
)
from .statusline import StatusLine

PROGRESS_EVERY = 0.25  # seconds between two progress updates


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "crawl", run, "fetch new pages from the site and archive them")
    sub.add_argument("--base-url", metavar="URL", help="fetch from this mirror instead")
    sub.add_argument("--max-pages", type=int, metavar="N", help="stop after N fetches")
    sub.add_argument("--warc", metavar="DIR", help="also write every response to WARC files in DIR")
    mode = sub.add_mutually_exclusive_group()
    mode.add_argument(
        "--recheck",
        action="store_true",
        help="revisit every archived page now (conditional requests), whatever its age",
    )
    mode.add_argument(
        "--backfill",
        action="store_true",
        help="fill the period --since..--until from the monthly sitemaps",
    )
    sub.add_argument("--since", metavar="DATE", help="back-fill from this day (YYYY-MM-DD)")
    sub.add_argument("--until", metavar="DATE", help="back-fill to this day (default: today)")
    sub.add_argument(
        "--max-duration",
        metavar="TIME",
        help="stop cleanly after this long (90s, 30m, 2h; plain numbers are seconds)",
    )
    sub.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="json: one JSON object per event on stderr, for log collectors",
    )


def run(args: argparse.Namespace) -> int:
    config = config_of(args)
    options = _options(args)
    log: Hook | None = json_line if args.log_format == "json" else None
    try:
        with Archive.open(config.store.url) as archive, open_warc_writer(config) as warc:
            report = asyncio.run(_crawl(config, archive, warc, options, log))
    except CrawlLocked as exc:
        if log is None:
            raise
        holder = exc.holder
        log(
            {
                "event": "locked",
                "message": str(exc),
                "pid": holder.pid,
                "host": holder.host,
                "started_at": hanoi_time(holder.started_at),
            }
        )
        return exc.exit_status
    try:
        if warc is not None and warc.files:
            print(f"WARC: {len(warc.files)} file(s) in {warc.directory}")
        _print_summary(report, to_stderr=log is None, max_pages=config.crawl.max_pages)
    except BrokenPipeError:
        silence_stdout()  # a reader gone early does not hide the run's own status (alarms)
    return report.exit_status


def _options(args: argparse.Namespace) -> CrawlOptions:
    max_duration = None
    if args.max_duration is not None:
        max_duration = parse_duration("--max-duration", args.max_duration).total_seconds()
    if not args.backfill:
        if args.since is not None or args.until is not None:
            raise UsageError("--since and --until go with --backfill")
        if args.recheck:
            return CrawlOptions("recheck", max_duration=max_duration)
        return CrawlOptions("incremental", max_duration=max_duration)
    since, until = chosen_days(args)
    if since is None:
        raise UsageError("--backfill needs --since DATE (YYYY-MM-DD)")
    until = until or datetime.now(HANOI).date()
    if since > until:
        raise UsageError(f"--since {since} is after today")
    return CrawlOptions("backfill", DateWindow(since, until), max_duration)


async def _crawl(
    config: Config,
    archive: Archive,
    warc: WarcWriter | None,
    options: CrawlOptions,
    log: Hook | None,
) -> CrawlReport:
    # A terminal shows progress; JSON logs own stderr, so they go without it.
    with StatusLine(enabled=log is None) as line:
        crawl = Crawl(config, archive, options=options, event_hooks=event_hooks(log, warc))
        if line.active:
            crawl.events.hooks.setdefault("fetched", []).append(progress_line(line, crawl))
        install_signal_handlers(crawl)
        return await crawl.run()


def event_hooks(log: Hook | None, warc: WarcWriter | None) -> EventHooks:
    """The JSON log hears every line of it; the WARC writer every fetch before it is stored,
    the link to its record kept with the raw page."""
    hooks: EventHooks = {} if log is None else every_line(log)
    if warc is not None:

        def write_warc(page: LandedPage) -> None:
            page.warc = warc.record(page.result)

        hooks["landed"] = [write_warc]
    return hooks


def progress_line(line: StatusLine, crawl: Crawl) -> Hook:
    """The terminal's line, shown from the `fetched` events: a few times a second at most, as
    counting the frontier costs a query."""
    shown_next = 0.0

    def show(event: Event) -> None:
        nonlocal shown_next
        if time.monotonic() < shown_next:
            return
        shown_next = time.monotonic() + PROGRESS_EVERY
        c = crawl.report.counts
        paces = "".join(f" · {pace_text(change)}" for change in crawl.report.pace.values())
        line.show(
            f"fetched {c['fetched']} · new {c['new']} · updated {c['updated']} · "
            f"failed {c['failed']} · {crawl.archive.pending_count()} to go{paces} · "
            f"{event['url']}"
        )

    return show


def _print_summary(report: CrawlReport, *, to_stderr: bool, max_pages: int = 0) -> None:
    """Outcomes and causes, then the counts line last on stdout; what needs a person's eyes
    (stopped early, alarms, a stop) also on stderr, unless JSON events already said it."""
    if report.revisits:
        print(f"revisited: {report.revisits} archived pages were due")
    if report.outcomes:
        shown = ", ".join(f"{name} {n}" for name, n in sorted(report.outcomes.items()))
        print(f"outcomes: {shown}")
    for cause, count in sorted(report.failures.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {count:>5}  {cause}")
    if max_pages:
        print(_budget_line(report, max_pages))
    if report.refused:
        shown = ", ".join(f"{code} ×{n}" for code, n in sorted(report.refused.items()))
        print(f"refused: {shown}; waited {report.held:.0f} s on them")
    for change in report.pace.values():
        print(f"pace: {pace_text(change)}")
    if report.abandoned:
        print(f"abandoned: {report.abandoned} fetches in flight, left for the next run")
    if report.time_up:
        # Expected, not a problem: said on stdout, which cron does not mail.
        print(f"{report.time_up}; {report.left} pages left for the next run")
    if report.read_generically:
        n = report.read_generically
        print(
            f"generic reader: {n} article{'s' if n > 1 else ''} in a layout no rules know, "
            f"e.g. {report.generic_example}"
        )
    if to_stderr:
        if report.stopped_early:
            print(f"newsarchive: stopped early: {report.stopped_early}", file=sys.stderr)
        if report.stopped:
            print(f"newsarchive: {report.stopped}; the next run resumes", file=sys.stderr)
        for alarm in report.alarms:
            print(f"newsarchive: alarm: {alarm}", file=sys.stderr)
    print(report.summary_line(), flush=True)


def _budget_line(report: CrawlReport, max_pages: int) -> str:
    """What a budget went to: pages that list articles (at most half of it), then articles."""
    kinds = report.fetched_kinds
    finding = {kind: n for kind, n in sorted(kinds.items()) if kind in FINDING and n}
    listed = ", ".join(f"{kind} {n}" for kind, n in finding.items())
    articles = sum(n for kind, n in kinds.items() if kind not in FINDING)
    return (
        f"--max-pages {max_pages} went to {sum(finding.values())} pages that list articles "
        f"({listed + '; ' if listed else ''}at most half of it) and {articles} to articles"
    )


def pace_text(change: PaceChange) -> str:
    """`kinhtedothi.vn 3.1 req/s (slowing: 429 at 3.7 req/s)`."""
    rate = "no limit" if change.rate is None else f"{change.rate:.2g} req/s"
    return f"{change.host} {rate} ({change.reason})"


def json_line(event: Event) -> None:
    """The JSON log's line of an event, on stderr, with its time."""
    line: dict[str, Any] = {"time": datetime.now(HANOI).isoformat(timespec="milliseconds")}
    line.update(event)
    print(json.dumps(line, ensure_ascii=False, default=_plain), file=sys.stderr, flush=True)


def _plain(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
