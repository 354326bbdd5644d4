"""What every command shares: exit statuses, usage errors, config and archive options."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Protocol

from ..config import Config, load_config

DEFAULT_CONFIG = "config.toml"


class UsageError(Exception):
    """Bad usage or configuration: exit 2 before any work."""


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


def config_of(args: argparse.Namespace) -> Config:
    """The config file (default `config.toml` when present) with the command line's overrides."""
    path = args.config
    if path is None:
        path = DEFAULT_CONFIG if Path(DEFAULT_CONFIG).exists() else None
    return load_config(path).with_overrides(
        db=args.db,
        base_url=getattr(args, "base_url", None),
        max_pages=getattr(args, "max_pages", None),
    )
