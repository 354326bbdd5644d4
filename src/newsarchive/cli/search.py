"""`newsarchive search QUERY`: full-text search with or without diacritics, best first."""

from __future__ import annotations

import argparse
import json

from ..errors import Status, UsageError
from ..store import Archive
from .common import (
    Subcommands,
    add_command,
    add_filter_options,
    article_filter,
    chosen_days,
    config_of,
)


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "search", run, "full-text search, with or without diacritics")
    sub.add_argument(
        "query",
        metavar="QUERY",
        nargs="+",
        help='words, as typed or pasted; on purpose: "phrases", OR, NOT, AND, prefix*, '
        "NEAR(a b, 5), title:",
    )
    sub.add_argument("--limit", type=int, default=10, metavar="N")
    add_filter_options(sub)
    sub.add_argument("--json", action="store_true", help="one JSON object per line")


def run(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be 1 or more")
    chosen_days(args)  # bad dates are refused before the archive is opened
    config = config_of(args)
    with Archive.open(config.store.url, create=False) as archive:
        chosen = article_filter(args, archive)
        query = " ".join(args.query)
        hits = archive.search(query, limit=args.limit, chosen=chosen)
        # Counted only for people, and only when the limit may have cut the list short.
        cut = len(hits) == args.limit and not args.json
        total = archive.count_matches(query, chosen=chosen) if cut else len(hits)
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
    elif total > len(hits):
        print(f"{len(hits)} of {total}; more with --limit")
    return Status.OK
