"""`newsarchive capture URL` and `newsarchive capture --recheck [DIR]`: real pages as fixtures."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import Status, UsageError
from ..runs.capture import capture, recheck, unchecked
from ..site.urls import is_site_host
from .common import Subcommands, add_command, config_of

DEFAULT_DIR = "fixtures/captured"
_SHOWN = 120  # characters of a value shown in a difference


def register(commands: Subcommands) -> None:
    sub = add_command(
        commands,
        "capture",
        run,
        "save a live page as a fixture with a draft expected record; --recheck compares them",
        archive=False,
    )
    sub.add_argument("--config", default=None, metavar="PATH", help="default: config.toml")
    sub.set_defaults(db=None)
    sub.add_argument("target", nargs="?", metavar="URL|DIR", help="the page to capture")
    sub.add_argument("--out", metavar="DIR", help=f"where fixtures are kept ({DEFAULT_DIR})")
    sub.add_argument("--base-url", metavar="URL", help="fetch from this mirror instead")
    sub.add_argument("--force", action="store_true", help="replace a fixture of the same name")
    sub.add_argument(
        "--recheck",
        action="store_true",
        help="parse every captured page in DIR again and show fields that differ",
    )


def run(args: argparse.Namespace) -> int:
    if args.recheck:
        given = args.target or args.out
        return _recheck(Path(given or DEFAULT_DIR), given=given is not None)
    if not args.target:
        raise UsageError("capture needs a URL (or --recheck)")
    host = urlsplit(args.target).hostname
    config = config_of(args, names_site=host is None or is_site_host(host))
    out = Path(args.out or DEFAULT_DIR)
    done = asyncio.run(capture(config, args.target, out, force=args.force))
    print(f"saved {done.page}")
    print(f"      {done.sidecar}")
    print(f"draft {done.expected}: check every field against the page, then set")
    print(f"      checked_by_eye to true in {done.sidecar.name} and commit the three files")
    if "not_article" in done.record:
        print(f"note: the parser reads this page as no article ({done.record['not_article']})")
    return Status.OK


def _recheck(directory: Path, *, given: bool) -> int:
    if not directory.is_dir():
        if given:
            raise UsageError(f"no fixture directory {directory}")
        print(f"no captured pages in {directory}")
        return Status.OK
    names, differences = recheck(directory)
    if not names:
        print(f"no captured pages in {directory}")
        return Status.OK
    for difference in differences:
        print(
            f"{difference.name}: {difference.field}\n"
            f"    expected {_shown(difference.expected)}\n"
            f"    found    {_shown(difference.found)}"
        )
    differing = sorted({d.name for d in differences})
    waiting = unchecked(directory)
    if waiting:
        print(f"not yet checked by eye: {', '.join(waiting)}")
    print(f"{len(names) - len(differing)} of {len(names)} captured pages read as expected")
    return Status.FAILED if differences else Status.OK


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
