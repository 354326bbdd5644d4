"""`newsarchive export --format jsonl|csv|parquet [--out PATH]`: matching articles, streamed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from ..errors import Status, UsageError
from ..export import FORMATS, replacing, write
from ..record import Article
from ..store import Archive
from .common import (
    Subcommands,
    add_command,
    add_filter_options,
    article_filter,
    checked_output,
    chosen_days,
    config_of,
)


def register(commands: Subcommands) -> None:
    sub = add_command(
        commands, "export", run, "write the matching articles as JSON Lines, CSV or Parquet"
    )
    sub.add_argument("--format", required=True, choices=FORMATS)
    sub.add_argument(
        "--out", metavar="PATH", help="the file to write (default: standard output; not parquet)"
    )
    sub.add_argument("--force", action="store_true", help="replace --out if it exists")
    add_filter_options(sub)


def run(args: argparse.Namespace) -> int:
    out = _output(args)
    chosen_days(args)  # bad dates are refused before the archive is opened
    config = config_of(args)
    with Archive.open(config.store.url, create=False) as archive:
        articles = archive.iter_articles(article_filter(args, archive))
        if out is None:
            return _to_stdout(args.format, articles)
        with replacing(out) as handle:
            count = write(args.format, articles, handle)
    print(f"exported {count} article{'' if count == 1 else 's'} to {out}")
    return Status.OK


def _output(args: argparse.Namespace) -> Path | None:
    """The file to write, checked before any work; None for standard output."""
    if args.out is None or args.out == "-":
        if args.format == "parquet":
            raise UsageError("--format parquet needs --out PATH (Parquet is not written to a pipe)")
        return None
    return checked_output(Path(args.out), force=args.force)


def _to_stdout(format: str, articles: Iterable[Article]) -> int:
    write(format, articles, sys.stdout.buffer)
    sys.stdout.buffer.flush()  # a reader gone early (`| head`) is the CLI's to handle, as for all
    return Status.OK
