"""`newsarchive import-warc FILE...`: the site's pages from WARC files, archived and parsed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import Status, UsageError
from ..runs.import_warc import ImportReport, import_warcs
from ..store import Archive
from .common import Subcommands, add_command, config_of
from .statusline import StatusLine


def register(commands: Subcommands) -> None:
    sub = add_command(
        commands, "import-warc", run, "archive and parse the site's pages found in WARC files"
    )
    sub.add_argument("files", nargs="+", metavar="FILE", help="WARC files, .warc or .warc.gz")


def run(args: argparse.Namespace) -> int:
    paths = [Path(name) for name in args.files]
    for path in paths:
        if not path.is_file():
            raise UsageError(f"no such WARC file: {path}")
    config = config_of(args)
    with Archive.open(config.store.url) as archive, StatusLine() as line:

        def progress(path: Path, report: ImportReport) -> None:
            line.show(f"{path.name}: {report.summary_line()}")

        report = import_warcs(
            archive, paths, max_body_bytes=config.fetch.max_body_bytes, progress=progress
        )
    for problem in report.problems[:_PROBLEMS_SHOWN]:
        print(f"newsarchive: {problem}", file=sys.stderr)
    if len(report.problems) > _PROBLEMS_SHOWN:
        print(f"newsarchive: … and {len(report.problems) - _PROBLEMS_SHOWN} more", file=sys.stderr)
    if report.not_articles:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(report.not_articles.items()))
        print(f"not articles: {kinds}")
    for reason, count in sorted(report.skipped.items()):
        print(f"  {count:>7}  skipped: {reason}")
    print(report.summary_line())
    return Status.OK


_PROBLEMS_SHOWN = 20
