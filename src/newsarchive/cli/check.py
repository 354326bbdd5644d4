"""`newsarchive check --live`: the newest articles of the site, fetched and parsed now."""

from __future__ import annotations

import argparse
import asyncio
import json

from ..errors import Status, UsageError
from ..runs.check import CHECKED, READ_BY, REQUIRED, LiveReport, check_live
from .common import Subcommands, add_command, config_of


def register(commands: Subcommands) -> None:
    sub = add_command(
        commands,
        "check",
        run,
        "check the parser against the site as it is now (run first after the site changes)",
        archive=False,
    )
    sub.add_argument("--config", default=None, metavar="PATH", help="default: config.toml")
    sub.set_defaults(db=None)
    sub.add_argument(
        "--live", action="store_true", help="fetch the newest articles from the site and parse them"
    )
    sub.add_argument("--n", type=int, default=10, metavar="N", help="articles to check (10)")
    sub.add_argument("--base-url", metavar="URL", help="fetch from this mirror instead")
    sub.add_argument("--json", action="store_true", help="the report as one JSON object")


def run(args: argparse.Namespace) -> int:
    if not args.live:
        raise UsageError("check needs --live (it fetches the newest articles from the site)")
    if args.n < 1:
        raise UsageError("--n must be 1 or more")
    config = config_of(args)
    report = asyncio.run(check_live(config, args.n))
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        _print(report)
    if report.alarms:
        return Status.ALARM
    if report.checked == 0:
        return Status.FAILED
    return Status.OK


def _print(report: LiveReport) -> None:
    print(f"checked {report.checked} articles from {report.source}")
    layouts = ", ".join(f"{name} {n}" for name, n in sorted(report.layouts.items())) or "none"
    print(f"layout rules: {layouts}")
    print("empty fields:")
    for name in CHECKED:
        mark = "  (required)" if name in REQUIRED else ""
        print(f"  {name:<14} {report.empty[name]:>3} of {report.checked}{mark}")
    _print_sources(report)
    for line in report.failed:
        print(f"failed: {line}")
    for line in report.alarms:
        print(f"ALARM: {line}")


def _print_sources(report: LiveReport) -> None:
    """Per field, how many articles had it read by each kind of rule ("none": not at all)."""
    said = not any(report.sources[name]["unknown"] for name in CHECKED)
    kinds = [kind for kind in READ_BY if kind != "unknown" or not said]
    print(f"{'read by:':<16}" + "".join(f"{kind:>10}" for kind in kinds))
    for name in CHECKED:
        counts = report.sources[name]
        print(f"  {name:<14}" + "".join(f"{counts[kind]:>10}" for kind in kinds))
    confidence = report.confidence()
    if confidence is not None:
        print(f"confidence: lowest {confidence['lowest']:.2f}, median {confidence['median']:.2f}")
