"""`newsarchive parse FILE [--url URL] [--explain]`: one saved page's record as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .. import status
from ..parse import NotAnArticle, declared_url, parse_article
from ..record import Article
from ..site.urls import SITE_ROOT
from .common import Subcommands, UsageError, add_command


def register(commands: Subcommands) -> None:
    sub = add_command(
        commands, "parse", run, "print the article record of one saved page as JSON", archive=False
    )
    sub.add_argument("file", metavar="FILE", help="an HTML file, or - for standard input")
    sub.add_argument(
        "--url", help="the page's URL (default: its canonical link, else one made of FILE's name)"
    )
    sub.add_argument(
        "--explain",
        action="store_true",
        help='also how each field was read and how sure the parser is (a "provenance" key)',
    )


def run(args: argparse.Namespace) -> int:
    if args.file == "-":
        data = sys.stdin.buffer.read()
        name = ""
    else:
        path = Path(args.file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror}") from None
        name = path.name
    url = (
        args.url
        or declared_url(data)
        or (f"{SITE_ROOT}/{name}" if name.endswith(".html") else f"{SITE_ROOT}/")
    )
    try:
        article = parse_article(data, url)
    except NotAnArticle as exc:
        print(f"not an article: {exc.kind}", file=sys.stderr)
        return status.NOT_ARTICLE
    record = explained(article) if args.explain else article.to_dict()
    print(json.dumps(record, ensure_ascii=False, indent=2))
    return status.OK


def explained(article: Article) -> dict[str, object]:
    """The record, then `"provenance": {"confidence", "fields": {field: rule}}` (null where the
    parser did not say): the same object `show --json --explain` prints."""
    provenance = article.provenance
    return article.to_dict() | {"provenance": None if provenance is None else provenance.to_dict()}
