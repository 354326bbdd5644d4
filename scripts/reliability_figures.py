"""Write the figures of a reliability run into docs/reliability.md.

    python scripts/reliability_figures.py build/reliability.json docs/reliability.md

The JSON is what the reliability tests gathered (tests/figures.py); the part of the page between
the `figures` markers is replaced, the rest of the page is left as written.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

START = "<!-- figures:start (written by scripts/reliability_figures.py) -->"
END = "<!-- figures:end -->"
# Counts in the order the page shows them, with what each one is.
COUNTS = (
    ("faults injected", "faulty answers served to whole crawls (tests/test_reliability_faults.py)"),
    ("kills survived", "SIGKILLs of a running crawl, each followed by a resuming run"),
    ("articles crawled through kills", "articles of the replica crawled under those kills"),
    ("parser inputs fuzzed", "pages given to the parser by the property tests"),
    ("hostile links refused", "links to other schemes, hosts, credentials, private addresses"),
    ("injection attempts", "SQL-looking queries, ids and categories given to the commands"),
    ("reads during a crawl", "search, export and stats run while a crawl was writing"),
    ("pages lost", "articles of the replicas missing from the archive at the end"),
)
AREAS = (
    ("fault", "Faults during a crawl"),
    ("kill", "Kills"),
    ("boundary", "Boundaries"),
    ("durability", "Durability"),
    ("pressure", "Under pressure (times on the server's clock, against the ideal client's)"),
)


def render(figures: dict[str, Any]) -> str:
    counts: dict[str, int] = figures.get("counts", {})
    scenarios: dict[str, dict[str, str]] = figures.get("scenarios", {})
    variant = "long variants" if figures.get("long") else "CI variants"
    lines = [
        START,
        "",
        f"Last run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `make reliability` ({variant}), "
        f"Python {platform.python_version()} on {platform.system()}.",
        "",
        "| count | value | what |",
        "|---|---:|---|",
    ]
    for name, meaning in COUNTS:
        if name in counts:
            lines.append(f"| {name} | {counts[name]:,} | {meaning} |")
    for area, title in AREAS:
        rows = [row for row in scenarios.values() if row["area"] == area]
        if not rows:
            continue
        lines += ["", f"### {title}", "", "| scenario | expected | seen |", "|---|---|---|"]
        lines += [
            f"| {_cell(r['scenario'])} | {_cell(r['expected'])} | {_cell(r['seen'])} |"
            for r in rows
        ]
    lines += ["", END]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("<", "&lt;").replace("|", "\\|").replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figures", type=Path, help="the JSON the reliability tests wrote")
    parser.add_argument("page", type=Path, help="the page to update (docs/reliability.md)")
    args = parser.parse_args(argv)
    try:
        figures = json.loads(args.figures.read_text(encoding="utf-8"))
        page = args.page.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        print(f"reliability_figures: {exc}", file=sys.stderr)
        return 1
    if START not in page or END not in page:
        print(f"reliability_figures: no figures markers in {args.page}", file=sys.stderr)
        return 1
    before, rest = page.split(START, 1)
    after = rest.split(END, 1)[1]
    args.page.write_text(before + render(figures) + after, encoding="utf-8")
    print(f"figures written to {args.page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
