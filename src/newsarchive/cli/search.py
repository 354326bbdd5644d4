"""`newsarchive search QUERY`: full-text search with or without diacritics."""

from __future__ import annotations

import argparse
import json

from .. import status
from ..store import Archive, SearchSyntaxError
from .common import Subcommands, UsageError, add_command, config_of


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "search", run, "full-text search, with or without diacritics")
    sub.add_argument("query", metavar="QUERY")
    sub.add_argument("--limit", type=int, default=10, metavar="N")
    sub.add_argument("--json", action="store_true", help="one JSON object per line")


def run(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be 1 or more")
    config = config_of(args)
    with Archive.open(config.store.url) as archive:
        try:
            hits = archive.search(args.query, limit=args.limit)
        except SearchSyntaxError as exc:
            raise UsageError(str(exc)) from None
    for hit in hits:
        if args.json:
            record = {
                "url": hit.url,
                "title": hit.title,
                "published_at": hit.published_at,
                "snippet": hit.snippet,
                "score": hit.score,
            }
            print(json.dumps(record, ensure_ascii=False))
        else:
            print(f"{hit.title}\n  {hit.published_at or '(no date)'}  {hit.url}\n  {hit.snippet}\n")
    if not hits and not args.json:
        print("no articles found")
    return status.OK
