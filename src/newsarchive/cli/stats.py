"""`newsarchive stats [--json]`: what the archive holds, how complete it is, the last crawl."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from ..errors import Status
from ..site import hanoi_time
from ..store import Archive, ArchiveStats
from .common import Subcommands, add_command, config_of


def register(commands: Subcommands) -> None:
    sub = add_command(
        commands, "stats", run, "count articles by layout, month and category; field coverage"
    )
    sub.add_argument("--json", action="store_true", help="one JSON object")


def run(args: argparse.Namespace) -> int:
    config = config_of(args)
    with Archive.open(config.store.url, create=False) as archive:
        found = archive.stats()
    print(json.dumps(stats_json(found), ensure_ascii=False) if args.json else stats_text(found))
    return Status.OK


def stats_json(found: ArchiveStats) -> dict[str, Any]:
    """Counts keyed by name; a share is a fraction of all articles (0 to 1)."""
    crawl = found.last_crawl
    return {
        "articles": found.articles,
        "revisions": found.revisions,
        "by_layout": [{"layout": k, "articles": n} for k, n in found.by_layout],
        "by_month": [{"month": k, "articles": n} for k, n in found.by_month],
        "by_category": [{"category": k, "articles": n} for k, n in found.by_category],
        "coverage": {
            name: {"articles": n, "share": _share(n, found.articles)} for name, n in found.filled
        },
        "raw_pages": found.raw_pages,
        "raw_bodies": found.raw_bodies,
        "body_bytes": found.body_bytes,
        "compressed_bytes": found.compressed_bytes,
        "file_bytes": found.file_bytes,
        "database_bytes": found.database_bytes,
        "last_crawl": None
        if crawl is None
        else {
            "started_at": hanoi_time(crawl.started_at, exact=True),
            "finished_at": _moment(crawl.finished_at, exact=True),
            "exit_status": crawl.exit_status,
            "counts": crawl.counts,
        },
    }


def stats_text(found: ArchiveStats) -> str:
    total = found.articles
    lines = [f"articles    {total}", f"revisions   {found.revisions}"]
    sections: list[tuple[str, list[tuple[Any, int]]]] = [
        ("by layout", list(found.by_layout)),
        ("by month (Hanoi time)", [(k or "undated", n) for k, n in found.by_month]),
        ("by category", [(k or "(none)", n) for k, n in found.by_category]),
    ]
    for title, counts in sections:
        lines += ["", title]
        width = max((len(str(k)) for k, _ in counts), default=0)
        lines += [f"  {k:<{width}}  {n:>6}" for k, n in counts]
    lines += ["", "field coverage"]
    width = max((len(name) for name, _ in found.filled), default=0)
    lines += [
        f"  {name:<{width}}  {n:>6} of {total}  {_share(n, total):>7.1%}"
        for name, n in found.filled
    ]
    lines += [
        "",
        "size",
        f"  raw pages          {found.raw_pages}",
        f"  distinct bodies    {found.raw_bodies}",
        f"  bodies             {_size(found.body_bytes)}, "
        f"{_size(found.compressed_bytes)} compressed",
    ]
    if found.file_bytes is not None:
        lines.append(f"  archive file       {_size(found.file_bytes)}")
    if found.database_bytes is not None:
        lines.append(f"  database on disk   {_size(found.database_bytes)}")
    lines += ["", "last crawl"]
    crawl = found.last_crawl
    if crawl is None:
        lines.append("  none yet")
    else:
        lines.append(f"  started   {_moment(crawl.started_at)}")
        ended = _moment(crawl.finished_at) or "not finished (running, or killed)"
        lines.append(f"  finished  {ended}")
        if crawl.exit_status is not None:
            lines.append(f"  exit      {crawl.exit_status}")
        if crawl.counts:
            lines.append("  counts    " + ", ".join(f"{k} {n}" for k, n in crawl.counts.items()))
    return "\n".join(lines)


def _share(part: int, total: int) -> float:
    return part / total if total else 0.0


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    value = count / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.1f} {unit} ({count} bytes)"
        value /= 1024
    return f"{value:.1f} GiB ({count} bytes)"


def _moment(moment: datetime | None, *, exact: bool = False) -> str | None:
    return None if moment is None else hanoi_time(moment, exact=exact)
