"""Where the time goes when a bar is not met: py-spy samples (native frames included, so time
inside Lexbor and SQLite shows), summed into a few named places; cProfile when py-spy is absent.

A sample is charged to the first place, in the order of the rules, that one of its frames
matches; only samples with a frame matching `within` count (the workload, not its setup).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from .common import ROOT, profile_lines

Rules = Sequence[tuple[str, tuple[str, ...]]]  # (place, frame substrings)
# What a benchmark concludes from the samples of each place: lines of text.
Conclude = Callable[[Counter[str]], list[str]]


def py_spy() -> str | None:
    """The py-spy executable (the `bench` extra installs it), if any."""
    local = Path(sys.executable).parent / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def record(
    argv: list[str],
    rules: Rules,
    *,
    within: str,
    native: bool,
    title: str,
    idle: bool = False,
    rate: int = 250,
    conclude: Conclude | None = None,
) -> list[str]:
    """Run `argv` (a Python command) under py-spy; the markdown summary of its samples.
    An empty list when py-spy is missing or cannot attach here."""
    spy = py_spy()
    if spy is None:
        return []
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "samples.txt"
        command = [spy, "record", "-r", str(rate), "-f", "raw", "-o", str(raw)]
        command += ["--native"] if native else []
        command += ["--idle"] if idle else []
        done = subprocess.run(
            [*command, "--", *argv],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not raw.exists():
            return []
        raw_samples = raw.read_text(encoding="utf-8")
        return summarize(raw_samples, rules, within=within, title=title, conclude=conclude)


def summarize(
    raw: str,
    rules: Rules,
    *,
    within: str,
    title: str,
    top: int = 12,
    conclude: Conclude | None = None,
) -> list[str]:
    places: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        frames = stack.split(";")
        if not any(within in frame for frame in frames):
            continue
        total += samples
        leaves[_name(frames[-1])] += samples
        places[_place(frames, rules)] += samples
    if not total:
        return []
    lines = [f"### {title} (py-spy, {total} samples)", "", "| where | samples | share |"]
    lines.append("|---|---:|---:|")
    for place, samples in places.most_common():
        lines.append(f"| {place} | {samples} | {samples / total:.0%} |")
    if conclude is not None:
        lines += ["", *conclude(places)]
    lines += ["", "Innermost frames with the most samples:", "", "| frame | share |", "|---|---:|"]
    for name, samples in leaves.most_common(top):
        lines.append(f"| `{name}` | {samples / total:.1%} |")
    return [*lines, ""]


def _place(frames: list[str], rules: Rules) -> str:
    for place, marks in rules:
        if any(mark in frame for frame in frames for mark in marks):
            return place
    return "other"


def _name(frame: str) -> str:
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for mark in ("site-packages/", "newsarchive/", "lib/python3.11/"):
        if mark in where:
            where = where.split(mark, 1)[1]
    return f"{name} ({where})" if where else name


def in_process(func: Callable[[], object], title: str) -> list[str]:
    """cProfile of `func` here, when py-spy cannot be used."""
    profiler = cProfile.Profile()
    profiler.enable()
    func()
    profiler.disable()
    return [f"### {title} (cProfile)", "", *profile_lines(pstats.Stats(profiler)), ""]


# The first places of PARSE_RULES: the parse, then the work of the libraries it calls.
LIBRARY_PLACES = 4
PARSE_RULES: Rules = (
    ("Lexbor: parsing the HTML (the floor's own work)", ("_parse_html",)),
    (
        "Lexbor: compiling CSS selectors (again on every `css()` call)",
        ("lxb_css_selectors_parse", "lxb_css_memory", "lxb_css_parser", "lxb_css_syntax",
         "lxb_css_selectors_create", "lxb_css_selectors_destroy", "lxb_css_selector_"),
    ),
    ("Lexbor: matching CSS selectors", ("lxb_selectors_",)),
    ("selectolax: node objects, text and attributes", ("(selectolax/",)),
    ("URLs (urllib.parse, canonical_url)", ("urllib/parse.py", "site/urls.py")),
    ("text normalisation (clean, NFC, whitespace)", ("parse/text.py",)),
    ("bytes → str (decode_html)", ("parse/decode.py",)),
    ("garbage collector", ("gc_collect",)),
    ("newsarchive.parse's own Python", ("newsarchive/parse/", "newsarchive/record.py")),
)  # fmt: skip

STORE_RULES: Rules = (
    ("SQLite: COMMIT (WAL writes, FTS5 segments, checkpoints)",
     ("pysqlite_connection_commit",)),
    # fold.py, zlib, sha256 and the content hash run in `prepare`, before the store is called.
    ("full-text folding (fold.py)", ("newsarchive/fold.py",)),
    ("zlib and sha256 of the raw page", ("libz.", "zlib", "sha256", "_hashlib")),
    ("SQLite: executing statements (B-trees, FTS5 index)", ("libsqlite3",)),
    ("garbage collector", ("gc_collect",)),
    ("JSON (headers, paragraphs, revisions) and content hash", ("json/", "content_hash")),
    ("SQLAlchemy: ORM, SQL compilation, results", ("sqlalchemy/",)),
    ("newsarchive.store's own Python", ("newsarchive/store/",)),
)  # fmt: skip

CRAWL_RULES: Rules = (
    ("store: next_batch, pending_count (frontier reads)", ("next_batch", "pending_count")),
    ("store: record_fetches (raw page, article, FTS, frontier)", ("record_fetches",)),
    ("parse: parse_article", ("parse_article",)),
    ("prepare: body packed, content hash, folding (for the store)", ("newsarchive/prepare.py",)),
    ("discover: links in pages, sitemaps, feeds", ("newsarchive/discover/",)),
    ("fetch: httpx, httpcore, h11 (the floor's own client)", ("httpx/", "httpcore/", "h11/")),
    ("fetch: newsarchive.fetch's own Python (robots, pacing, retries, body cap)",
     ("newsarchive/fetch/", "tenacity/")),
    ("asyncio event loop", ("asyncio/", "anyio/")),
)  # fmt: skip
