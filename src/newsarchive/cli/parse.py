"""`newsarchive parse FILE [--url URL] [--explain]`: one saved page's record as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import Status, UsageError
from ..parse import NotAnArticle, declared_url, parse_article
from ..record import Article
from ..site.urls import SITE_ROOT
from .common import Subcommands, add_command


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
        binary = _binary(data)
        said = f" (binary, not HTML: {binary})" if exc.kind == "empty" and binary else ""
        print(f"not an article: {exc.kind}{said}", file=sys.stderr)
        return exc.exit_status
    record = explained(article) if args.explain else article.to_dict()
    print(json.dumps(record, ensure_ascii=False, indent=2))
    return Status.OK


# What a file that is no web page most often is, by its first bytes.
_SIGNATURES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"WARC/", "a WARC file (newsarchive import-warc reads it)"),
)


def _binary(data: bytes) -> str | None:
    """What the file is when it is plainly not text; None when it may be a page."""
    for signature, name in _SIGNATURES:
        if data.startswith(signature):
            return name
    return "binary data" if b"\0" in data[:4096] else None


def explained(article: Article) -> dict[str, object]:
    """The record, then `"provenance": {"confidence", "fields": {field: rule}}` (null where the
    parser did not say): the same object `show --json --explain` prints."""
    provenance = article.provenance
    return article.to_dict() | {"provenance": None if provenance is None else provenance.to_dict()}
