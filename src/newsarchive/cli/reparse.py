"""`newsarchive reparse`: the current parser over archived captures; never fetches."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date

from .. import status
from ..errors import UsageError
from ..reparse import ReparseReport, reparse
from ..site.layouts import GENERIC, LAYOUTS
from ..store import Archive
from .common import Subcommands, add_command, config_of
from .statusline import StatusLine


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "reparse", run, "read archived pages again with the current parser")
    sub.add_argument(
        "--layout", metavar="L", help="only articles of this layout (A, B, C or generic)"
    )
    sub.add_argument(
        "--parser-version-below",
        metavar="V",
        help="only articles read by a parser version older than V",
    )
    sub.add_argument(
        "--since", metavar="DATE", help="only articles published on or after this day (YYYY-MM-DD)"
    )
    sub.add_argument("--json", action="store_true", help="the summary as one JSON object")


# What `--layout` may name: the layouts declared for the site, and the generic reader's.
LAYOUT_NAMES = (*sorted(layout.name for layout in LAYOUTS), GENERIC.name)
# A parser version as PARSER_VERSION writes them: a number first ("2", "1.10", "3b").
_VERSION = re.compile(r"\d[\w.-]*")


def run(args: argparse.Namespace) -> int:
    since = _day(args.since)
    if args.layout is not None and args.layout not in LAYOUT_NAMES:
        raise UsageError(f"--layout must be one of {', '.join(LAYOUT_NAMES)}, not {args.layout!r}")
    below = args.parser_version_below
    if below is not None and not _VERSION.fullmatch(below):
        raise UsageError(
            f"--parser-version-below must be a version such as 2 or 1.3, not {below!r}"
        )
    config = config_of(args)
    with Archive.open(config.store.url) as archive, StatusLine() as line:

        def progress(report: ReparseReport, total: int) -> None:
            line.show(f"read {report.considered} of {total} · changed {report.changed}")

        report = reparse(
            archive,
            layout=args.layout,
            version_below=args.parser_version_below,
            since=since,
            progress=progress,
        )
    for refusal in report.refused:
        print(f"newsarchive: left as it was: {refusal}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
        return status.OK
    print(report.summary_line())
    for name, count in sorted(report.fields.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {name:<14} {count}")
    return status.OK


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else _bad(value)
    except ValueError:
        return _bad(value)


def _bad(value: str) -> date:
    raise UsageError(f"--since must be a day as YYYY-MM-DD, not {value!r}")
