"""The commands: parse arguments, call one function, print, choose the exit status (CLI.md)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import __version__
from .config import Config, ConfigError, load_config
from .crawl import Crawl, CrawlReport, install_signal_handlers
from .parse import NotAnArticle, parse_article
from .progress import TerminalProgress
from .site.urls import SITE_ROOT
from .store import Archive, SearchSyntaxError, StoreError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_ARTICLE = 3

DEFAULT_CONFIG = "config.toml"


class UsageError(Exception):
    """Bad usage or configuration: exit 2 before any work."""


def main(argv: Sequence[str] | None = None) -> NoReturn:
    sys.exit(run(argv))


def run(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.command
    try:
        return command(args)
    except (UsageError, ConfigError) as exc:
        return _fail(args, EXIT_USAGE, str(exc))
    except StoreError as exc:
        return _fail(args, EXIT_FAILED, str(exc))
    except KeyboardInterrupt:
        return _fail(args, 130, "interrupted")
    except Exception as exc:  # the promise: one line, never a traceback unless --debug
        return _fail(args, EXIT_FAILED, f"unexpected error: {type(exc).__name__}: {exc}")


def _fail(args: argparse.Namespace, status: int, message: str) -> int:
    if getattr(args, "debug", False):
        traceback.print_exc()
    print(f"newsarchive: {message}", file=sys.stderr)
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsarchive", description="Archive kinhtedothi.vn completely and faithfully."
    )
    parser.add_argument("--version", action="version", version=f"newsarchive {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, func: Callable[[argparse.Namespace], int], text: str) -> Any:
        sub = commands.add_parser(name, help=text, description=text)
        sub.set_defaults(command=func)
        sub.add_argument("--debug", action="store_true", help="show a traceback on errors")
        return sub

    def archive_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--config", default=None, metavar="PATH", help="default: config.toml")
        sub.add_argument("--db", default=None, metavar="URL", help="SQLAlchemy URL of the archive")

    crawl = command("crawl", _crawl, "fetch new pages from the site and archive them")
    archive_options(crawl)
    crawl.add_argument("--base-url", metavar="URL", help="fetch from this mirror instead")
    crawl.add_argument("--max-pages", type=int, metavar="N", help="stop after N fetches")

    parse = command("parse", _parse, "print the article record of one saved page as JSON")
    parse.add_argument("file", metavar="FILE", help="an HTML file, or - for standard input")
    parse.add_argument("--url", help="the page's URL (default: its canonical link)")

    search = command("search", _search, "full-text search, with or without diacritics")
    archive_options(search)
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--limit", type=int, default=10, metavar="N")
    search.add_argument("--json", action="store_true", help="one JSON object per line")
    return parser


def _config(args: argparse.Namespace) -> Config:
    path = args.config
    if path is None:
        path = DEFAULT_CONFIG if Path(DEFAULT_CONFIG).exists() else None
    config = load_config(path)
    return config.with_overrides(
        db=args.db,
        base_url=getattr(args, "base_url", None),
        max_pages=getattr(args, "max_pages", None),
    )


# -- commands ------------------------------------------------------------------------------


def _parse(args: argparse.Namespace) -> int:
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
    url = args.url or (f"{SITE_ROOT}/{name}" if name.endswith(".html") else f"{SITE_ROOT}/")
    try:
        article = parse_article(data, url)
    except NotAnArticle as exc:
        print(f"not an article: {exc.kind}", file=sys.stderr)
        return EXIT_NOT_ARTICLE
    print(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
    return EXIT_OK


def _crawl(args: argparse.Namespace) -> int:
    config = _config(args)
    with Archive.open(config.store.url) as archive:
        report = asyncio.run(_run_crawl(config, archive))
    for cause, count in sorted(report.failures.items()):
        print(f"  {count:>5}  {cause}")
    if report.stopped_early:
        print(f"newsarchive: stopped early: {report.stopped_early}", file=sys.stderr)
    print(report.summary_line())
    return report.exit_status


async def _run_crawl(config: Config, archive: Archive) -> CrawlReport:
    with TerminalProgress() as progress:
        crawl = Crawl(config, archive, progress=progress.update)
        install_signal_handlers(crawl)
        return await crawl.run()


def _search(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be 1 or more")
    config = _config(args)
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
    return EXIT_OK
