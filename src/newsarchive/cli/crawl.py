"""`newsarchive crawl`: discover, fetch, archive, parse, store; a summary at the end."""

from __future__ import annotations

import argparse
import asyncio
import sys

from ..config import Config
from ..crawl import Crawl, CrawlReport, install_signal_handlers
from ..progress import TerminalProgress
from ..store import Archive
from .common import Subcommands, add_command, config_of


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "crawl", run, "fetch new pages from the site and archive them")
    sub.add_argument("--base-url", metavar="URL", help="fetch from this mirror instead")
    sub.add_argument("--max-pages", type=int, metavar="N", help="stop after N fetches")


def run(args: argparse.Namespace) -> int:
    config = config_of(args)
    with Archive.open(config.store.url) as archive:
        report = asyncio.run(_crawl(config, archive))
    for cause, count in sorted(report.failures.items()):
        print(f"  {count:>5}  {cause}")
    if report.stopped_early:
        print(f"newsarchive: stopped early: {report.stopped_early}", file=sys.stderr)
    print(report.summary_line())
    return report.exit_status


async def _crawl(config: Config, archive: Archive) -> CrawlReport:
    with TerminalProgress() as progress:
        crawl = Crawl(config, archive, progress=progress.update)
        install_signal_handlers(crawl)
        return await crawl.run()
