"""The counts behind docs/reliability.md, gathered by the reliability tests as they run.

Tests add to named counts (faults injected, kills survived, inputs fuzzed, pages lost, ...) and
list each scenario with the outcome it showed. Nothing is written unless `NEWSARCHIVE_FIGURES`
names a JSON file (`make reliability` does); then the counts are added to what that file holds
when the test process ends, so several test modules fill one file.
`NEWSARCHIVE_RELIABILITY_LONG=1` asks for the longer variants (more articles, kills, inputs).
"""

from __future__ import annotations

import atexit
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

LONG = os.environ.get("NEWSARCHIVE_RELIABILITY_LONG", "") not in ("", "0")
_FILE = os.environ.get("NEWSARCHIVE_FIGURES", "")
RECORDING = bool(_FILE)  # figures are wanted: measure what only they need (the ideal client's time)

_counts: Counter[str] = Counter()
_scenarios: dict[str, dict[str, str]] = {}


def count(name: str, n: int = 1) -> None:
    _counts[name] += n


def scenario(area: str, name: str, expected: str, seen: str) -> None:
    """One scenario that passed: what it is, the outcome the test demands, what happened."""
    _scenarios[f"{area}: {name}"] = {
        "area": area,
        "scenario": name,
        "expected": expected,
        "seen": seen,
    }


def _flush() -> None:
    if not _FILE or not (_counts or _scenarios):
        return
    path = Path(_FILE)
    held: dict[str, Any] = {"counts": {}, "scenarios": {}}
    if path.exists():
        held = json.loads(path.read_text(encoding="utf-8"))
    counts = Counter(held.get("counts", {}))
    counts.update(_counts)
    held["counts"] = dict(counts)
    held.setdefault("scenarios", {}).update(_scenarios)
    held["long"] = LONG or bool(held.get("long"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(held, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


atexit.register(_flush)
