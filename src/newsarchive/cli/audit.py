"""`newsarchive audit`: what the sitemaps list for a period against what the archive holds, and
articles per day so that gaps stand out.

Exit statuses: 0 done, 2 bad usage, 5 no sitemap could be read (the site down or refusing us).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime, timedelta
from pathlib import Path

from .. import status
from ..audit import AuditReport, audit, listed_in_sitemaps
from ..discover import DateWindow
from ..site import HANOI
from ..store import Archive
from .common import Subcommands, UsageError, add_command, chosen_days, config_of

DEFAULT_DAYS = 30  # without --since: the last thirty days
BAR_WIDTH = 40  # characters of the longest bar


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
            return status.STOPPED
        report = audit(archive, listing, window)
    print(render(report))
    if plot is not None:
        # matplotlib is imported only when a chart is asked for: it is slow to load.
        from ..daychart import draw_days

        title = f"Articles per day, {window.since} to {window.until}"
        draw_days(report.days, plot, title)
        print(f"chart: {plot}")
    return status.OK


def _window(args: argparse.Namespace) -> DateWindow:
    since, until = chosen_days(args)
    until = until or datetime.now(HANOI).date()
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise UsageError(f"--since {since} is after --until {until}")
    return DateWindow(since, until)


def render(report: AuditReport) -> str:
    window = report.window
    lines = [
        f"audit {window.since} to {window.until}: {report.listed} articles listed in the "
        f"sitemaps, {report.archived} archived, {len(report.missing)} missing, "
        f"{len(report.failed)} failed"
    ]
    for problem in report.unreadable:
        lines.append(f"unreadable sitemap: {problem}")
    for title, gaps in (("missing", report.missing), ("failed", report.failed)):
        if gaps:
            lines.append(f"{title}:")
            lines += [f"  {gap.lastmod or '?'!s:<10}  {gap.url}  ({gap.why})" for gap in gaps]
    lines.append("articles per day (published, Hanoi time; usual = median of the weekday):")
    most = max((day.articles for day in report.days), default=0) or 1
    for day in report.days:
        bar = "█" * round(BAR_WIDTH * day.articles / most)
        flag = {"none": "  <- none", "low": f"  <- low (usual {day.usual:g})"}.get(
            day.gap or "", ""
        )
        lines.append(f"  {day.day} {day.day:%a} {day.articles:>5}  {bar}{flag}")
    return "\n".join(lines)
