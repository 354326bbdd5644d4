"""`newsarchive audit`: what the sitemaps list for a period against what the archive holds, and
articles per day so that gaps stand out.

Exit statuses: 0 done, 2 bad usage, 5 no sitemap could be read (the site down or refusing us).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

from ..discover import DateWindow
from ..errors import Status, UsageError
from ..runs.audit import AuditReport, Day, audit, listed_in_sitemaps
from ..site import HANOI
from ..store import Archive
from .common import Subcommands, add_command, chosen_days, config_of

DEFAULT_DAYS = 30  # without --since: the last thirty days
BAR_WIDTH = 40  # characters of the longest bar
WORST_DAYS = 10  # days, and missing and failed articles, that `--summary` shows


def register(commands: Subcommands) -> None:
    sub = add_command(
        commands, "audit", run, "compare the site's sitemaps with the archive; articles per day"
    )
    sub.add_argument(
        "--since", metavar="DATE", help=f"from this day (default: {DEFAULT_DAYS} days ago)"
    )
    sub.add_argument("--until", metavar="DATE", help="to this day (default: today, Hanoi time)")
    sub.add_argument("--base-url", metavar="URL", help="read the sitemaps from this mirror instead")
    sub.add_argument("--plot", metavar="FILE.png", help="also draw articles per day as a PNG chart")
    shown = sub.add_mutually_exclusive_group()
    shown.add_argument(
        "--summary",
        action="store_true",
        help=f"only the totals, the counts missing and failed, and the {WORST_DAYS} worst days",
    )
    shown.add_argument("--json", action="store_true", help="the whole report as one JSON object")


def run(args: argparse.Namespace) -> int:
    config = config_of(args)
    window = _window(args)
    plot = Path(args.plot) if args.plot else None
    if plot is not None and not plot.parent.is_dir():
        raise UsageError(f"--plot: folder {plot.parent} does not exist")
    with Archive.open(config.store.url) as archive:
        listing = asyncio.run(listed_in_sitemaps(config, window))
        if listing.unreachable:
            # An empty month would read as "nothing missing": say the site was out of reach.
            print(f"newsarchive: audit read no sitemap: {listing.unreadable[0]}", file=sys.stderr)
            return Status.STOPPED
        report = audit(archive, listing, window)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(summary(report) if args.summary else render(report))
    if plot is not None:
        # matplotlib is imported only when a chart is asked for: it is slow to load.
        from ..runs.audit_chart import draw_days

        title = f"Articles per day, {window.since} to {window.until}"
        draw_days(report.days, plot, title)
        print(f"chart: {plot}", file=sys.stderr if args.json else sys.stdout)
    return Status.OK


def _window(args: argparse.Namespace) -> DateWindow:
    since, until = chosen_days(args)
    until = until or datetime.now(HANOI).date()
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise UsageError(f"--since {since} is after --until {until}")
    return DateWindow(since, until)


def render(report: AuditReport) -> str:
    lines = _head(report) + _gaps(report, None)
    lines.append("articles per day (published, Hanoi time; usual = median of the weekday):")
    lines += _days(report.days, max((day.articles for day in report.days), default=0))
    return "\n".join(lines)


def summary(report: AuditReport) -> str:
    """The totals, the first gaps and the worst days: what a cron mail or a first look needs."""
    lines = _head(report) + _gaps(report, WORST_DAYS)
    gaps = sum(day.gap is not None for day in report.days)
    worst = report.worst_days(WORST_DAYS)
    if not worst:
        lines.append(f"days: {len(report.days)}, none far below its weekday's usual")
        return "\n".join(lines)
    lines.append(
        f"days: {len(report.days)}, {gaps} with none or under half their weekday's usual; "
        f"the worst {len(worst)} (published, Hanoi time):"
    )
    lines += _days(worst, max((day.articles for day in report.days), default=0))
    return "\n".join(lines)


def _head(report: AuditReport) -> list[str]:
    window = report.window
    lines = [
        f"audit {window.since} to {window.until}: {report.listed} articles listed in the "
        f"sitemaps, {report.archived} archived, {len(report.missing)} missing, "
        f"{len(report.failed)} failed"
    ]
    lines += [f"unreadable sitemap: {problem}" for problem in report.unreadable]
    return lines


def _gaps(report: AuditReport, shown: int | None) -> list[str]:
    """The missing and the failed articles, the first `shown` of each (None: all)."""
    lines = []
    for title, gaps in (("missing", report.missing), ("failed", report.failed)):
        if gaps:
            lines.append(f"{title}:")
            lines += [
                f"  {gap.lastmod or '?'!s:<10}  {gap.url}  ({gap.why})" for gap in gaps[:shown]
            ]
            if shown is not None and len(gaps) > shown:
                lines.append(
                    f"  … and {len(gaps) - shown} more (audit without --summary lists all)"
                )
    return lines


def _days(days: list[Day], most: int) -> list[str]:
    lines = []
    for day in days:
        bar = "█" * round(BAR_WIDTH * day.articles / (most or 1))
        flag = {"none": "  <- none", "low": f"  <- low (usual {day.usual:g})"}.get(
            day.gap or "", ""
        )
        lines.append(f"  {day.day} {day.day:%a} {day.articles:>5}  {bar}{flag}")
    return lines
