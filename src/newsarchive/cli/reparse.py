"""`newsarchive reparse`: the current parser over archived captures; never fetches.

SIGINT/SIGTERM stop it cleanly: the chunks being read are written, the summary of what was read
is printed, and the exit status is 128+N (130, 143); running it again goes on from there."""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from ..errors import Status, UsageError
from ..runs.reparse import ReparseReport, reparse
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
    sub.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="reading processes (default: one per core; 0 reads in this process)",
    )


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
    if args.workers is not None and args.workers < 0:
        raise UsageError(f"--workers must be 0 or more, not {args.workers}")
    config = config_of(args)
    with Archive.open(config.store.url) as archive, StatusLine() as line, _signals() as caught:
        pace = _Pace()

        def progress(report: ReparseReport, total: int) -> None:
            line.show(
                f"read {report.considered:,} of {total:,} · changed {report.changed:,}"
                + pace.say(report.considered - report.resumed_after, total - report.considered)
            )

        report = reparse(
            archive,
            layout=args.layout,
            version_below=args.parser_version_below,
            since=since,
            progress=progress,
            workers=args.workers,
            stop=lambda: bool(caught),
        )
    if report.resumed_after:
        print(
            f"newsarchive: went on from a re-parse stopped after {report.resumed_after} articles",
            file=sys.stderr,
        )
    for refusal in report.refused:
        print(f"newsarchive: left as it was: {refusal}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(report.summary_line())
        for name, count in sorted(report.fields.items(), key=lambda item: (-item[1], item[0])):
            print(f"  {name:<14} {count}")
    if report.stopped:
        print(
            "newsarchive: stopped before the end; run the same command again to go on",
            file=sys.stderr,
        )
        return 128 + (caught[0] if caught else signal.SIGINT)
    return Status.OK


class _Pace:
    """Articles a second since the start of this run, and the time the rest will take."""

    def __init__(self) -> None:
        self.began = time.monotonic()

    def say(self, read: int, left: int) -> str:
        spent = time.monotonic() - self.began
        if read <= 0 or spent <= 0:
            return ""
        rate = read / spent
        return f" · {rate:,.0f}/s · {_clock(left / rate)} left"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


@contextmanager
def _signals() -> Iterator[list[int]]:
    """SIGINT and SIGTERM noted (the re-parse stops between chunks), the handlers before put
    back at the end."""
    caught: list[int] = []
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in before:
        signal.signal(sig, lambda number, _frame: caught.append(number))
    try:
        yield caught
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else _bad(value)
    except ValueError:
        return _bad(value)


def _bad(value: str) -> date:
    raise UsageError(f"--since must be a day as YYYY-MM-DD, not {value!r}")
