"""`newsarchive copy --from URL --to URL [--force]`: a whole archive into another database (SQLite
to PostgreSQL, say), streamed in batches, its row counts checked table by table."""

from __future__ import annotations

import argparse

from sqlalchemy.engine import make_url

from ..errors import Status
from ..store import CopiedTable, copy_archive
from .common import Subcommands, add_command


def register(commands: Subcommands) -> None:
    sub = add_command(
        commands,
        "copy",
        run,
        "copy a whole archive into another database (e.g. SQLite to PostgreSQL)",
        archive=False,
    )
    sub.add_argument("--from", dest="source", required=True, metavar="URL", help="the archive")
    sub.add_argument("--to", dest="target", required=True, metavar="URL", help="its new home")
    sub.add_argument(
        "--force", action="store_true", help="replace what the target holds (default: refuse)"
    )


def run(args: argparse.Namespace) -> int:
    tables = copy_archive(args.source, args.target, force=args.force, progress=_print)
    shown = make_url(args.target).render_as_string(hide_password=True)
    rows = sum(table.rows for table in tables)
    print(f"copied {rows} rows in {len(tables)} tables to {shown}; every count matches the source")
    return Status.OK


def _print(table: CopiedTable) -> None:
    print(f"{table.name:<18} {table.rows:>10}", flush=True)
