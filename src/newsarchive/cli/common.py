"""What every command shares: the --debug, --config and --db options, the config, the filters."""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Protocol

from ..config import Config, load_config
from ..errors import UsageError
from ..site import HANOI
from ..store import Archive, ArticleFilter

DEFAULT_CONFIG = "config.toml"


class Subcommands(Protocol):
    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


def add_command(
    commands: Subcommands, name: str, func: Any, text: str, *, archive: bool = True
) -> argparse.ArgumentParser:
    """A subcommand running `func(args) -> exit status`; with `--config`/`--db` when it touches
    an archive."""
    sub = commands.add_parser(name, help=text, description=text)
    sub.set_defaults(command=func)
    sub.add_argument("--debug", action="store_true", help="show a traceback on errors")
    if archive:
        sub.add_argument("--config", default=None, metavar="PATH", help="default: config.toml")
        sub.add_argument("--db", default=None, metavar="URL", help="SQLAlchemy URL of the archive")
    return sub


def silence_stdout() -> None:
    """After a reader closed standard output: what is still buffered for it, and anything
    printed later, goes nowhere, so that exiting raises no second BrokenPipeError."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def config_of(args: argparse.Namespace, *, names_site: bool = True) -> Config:
    """The config file (default `config.toml` when present) with the command line's overrides.
    A command that fetches (one with --base-url) from the site itself, not a mirror, is refused
    while the contact is the placeholder; `names_site` False: what it fetches is a mirror's
    address given in full (capture)."""
    path = args.config
    if path is None:
        path = DEFAULT_CONFIG if Path(DEFAULT_CONFIG).exists() else None
    config = load_config(path).with_overrides(
        db=args.db,
        base_url=getattr(args, "base_url", None),
        max_pages=getattr(args, "max_pages", None),
        warc_dir=getattr(args, "warc", None),
    )
    # The commands that fetch are those with --base-url: without a mirror they ask the live site,
    # whose operators must be able to tell who is asking.
    fetches_live = names_site and hasattr(args, "base_url") and not config.crawl.base_url
    if fetches_live and config.fetch.contact_is_placeholder:
        where = path or "config.toml"
        raise UsageError(
            f"set [fetch] contact_url in {where} to a web page where the site's operators can "
            "reach you (it is still the project's placeholder) before fetching from kinhtedothi.vn"
        )
    return config


def checked_output(out: Path, *, force: bool) -> Path:
    """`--out FILE`, checked before any work: a file in a writable folder, not one that exists
    unless `force` (--force) says to replace it."""
    if out.is_dir():
        raise UsageError(f"--out {out} is a directory")
    if not out.parent.is_dir():
        raise UsageError(f"--out {out}: folder {out.parent} does not exist")
    if not os.access(out.parent, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: folder {out.parent} is not writable")
    if out.exists() and not force:
        raise UsageError(f"{out} exists; add --force to replace it")
    return out


def add_filter_options(sub: argparse.ArgumentParser) -> None:
    """`--since`, `--until`, `--category`: which articles a command works on."""
    sub.add_argument(
        "--since", metavar="DATE", help="published on or after this day (YYYY-MM-DD, Hanoi time)"
    )
    sub.add_argument(
        "--until", metavar="DATE", help="published on or before this day (YYYY-MM-DD, Hanoi time)"
    )
    sub.add_argument(
        "--category", metavar="NAME", help="in this category (case and diacritics ignored)"
    )


def chosen_days(args: argparse.Namespace) -> tuple[date | None, date | None]:
    """`--since` and `--until` as days; UsageError if either is not a date or they cross."""
    since, until = _day("--since", args.since), _day("--until", args.until)
    if since is not None and until is not None and since > until:
        raise UsageError(f"--since {since} is after --until {until}")
    return since, until


def article_filter(args: argparse.Namespace, archive: Archive) -> ArticleFilter:
    """The filter options as an ArticleFilter; UsageError for a category no article has."""
    since, until = chosen_days(args)
    categories = None
    if args.category is not None:
        categories = archive.categories_like(args.category)
        if not categories:
            known = ", ".join(archive.categories()) or "none yet"
            raise UsageError(f"no article has category {args.category!r} (categories: {known})")
    return ArticleFilter(since=since, until=until, categories=categories)


def _day(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        if not _DAY.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} must be a day as YYYY-MM-DD, not {value!r}") from None


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def at_moment(text: str) -> datetime:
    """`--at`: a day (`YYYY-MM-DD`) means its end in Hanoi time; a moment without its offset is
    Hanoi time."""
    try:
        if _DAY.fullmatch(text):
            return datetime.combine(date.fromisoformat(text), time.max, HANOI)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--at must be a day (YYYY-MM-DD) or an ISO 8601 time "
            f"(2025-12-20T10:00:00+07:00; without an offset, Hanoi time), not {text!r}"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=HANOI)
