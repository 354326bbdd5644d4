"""The command line: arguments read, one function called, its result printed.

An error ends a command with the error's own exit status (CLI.md). Each command lives in its
own module with a `register(commands)` function; add new ones to `COMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import NoReturn

from .. import __version__
from ..errors import NewsarchiveError, Status
from . import (
    audit,
    browse,
    capture,
    check,
    cite,
    copy,
    crawl,
    export,
    import_warc,
    parse,
    reparse,
    search,
    show,
    stats,
)
from .common import silence_stdout

COMMANDS = (
    crawl,
    parse,
    search,
    show,
    export,
    stats,
    import_warc,
    reparse,
    capture,
    check,
    audit,
    copy,
    cite,
    browse,
)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    sys.exit(run(argv))


def run(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.command
    try:
        return command(args)
    except BrokenPipeError:
        # The reader stopped early (`| head`, a closed pager): its choice, not a failure.
        silence_stdout()
        return Status.OK
    except NewsarchiveError as exc:
        return _fail(args, exc.exit_status, str(exc))
    except KeyboardInterrupt:
        return _fail(args, 130, "interrupted")
    except Exception as exc:  # the promise: one line, never a traceback unless --debug
        return _fail(args, Status.FAILED, f"unexpected error: {type(exc).__name__}: {exc}")


def _fail(args: argparse.Namespace, code: int, message: str) -> int:
    if getattr(args, "debug", False):
        traceback.print_exc()
    print(f"newsarchive: {message}", file=sys.stderr)
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsarchive", description="Archive kinhtedothi.vn completely and faithfully."
    )
    parser.add_argument("--version", action="version", version=f"newsarchive {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(commands)
    return parser
