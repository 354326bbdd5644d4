"""`newsarchive browse [--db URL] [--port N] [--host ADDR]`: the archive in Datasette.

Exit statuses (CLI.md): 0 stopped by Ctrl-C, 1 the port is taken, 2 not a SQLite archive or the
`browse` extra missing.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys

from ..errors import Status, UsageError
from ..store import Archive
from .common import Subcommands, add_command, config_of

DEFAULT_PORT = 8001


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "browse", run, "read the archive in a browser (Datasette)")
    sub.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default: {DEFAULT_PORT}")
    sub.add_argument("--host", default="127.0.0.1", metavar="ADDR", help="default: 127.0.0.1")


def run(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("datasette") is None:
        raise UsageError("browse needs the browse extra: pip install 'newsarchive[browse]'")
    from ..browse.server import address, port_free, serve, sqlite_file

    config = config_of(args)
    database = sqlite_file(config.store.url)
    if database is None:
        raise UsageError(
            "browse reads a SQLite archive: copy this one to SQLite first "
            "(newsarchive copy --from URL --to sqlite:///browse.db), then browse --db that"
        )
    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be between 1 and 65535, not {args.port}")
    # Made current first (an archive of an older version gains the view browsed).
    Archive.open(config.store.url, create=False).close()
    if not port_free(args.host, args.port):
        print(
            f"newsarchive: port {args.port} on {args.host} is in use; choose another with --port",
            file=sys.stderr,
        )
        return Status.FAILED
    print(f"Browsing {database} at {address(args.host, args.port, database)} (Ctrl-C stops)")
    print(f"Search: http://{args.host}:{args.port}/search", flush=True)
    serve(database, config.store.url, args.host, args.port)  # until Ctrl-C
    return Status.OK
