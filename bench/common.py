"""What the benchmarks share: paths, the fixture articles, timing, figures and the machine."""

from __future__ import annotations

import json
import os
import platform
import pstats
import socket
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsarchive.store import RawPage

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "site"
GENERIC = ROOT / "fixtures" / "generic"  # page sets written for the generic reader
SITE_SET = "site"  # the fixture articles of FIXTURES, read as the parser reads them
GENERIC_ONLY_SET = "site-generic"  # the same pages read by the generic reader alone (layouts=())
CACHE = Path(__file__).resolve().parent / ".cache"
REPLICA_SCRIPT = ROOT / "tests" / "replica.py"


@dataclass(frozen=True)
class FixtureArticle:
    """A fixture page with the record it must give (fixtures/site/X.html + X.expected.json)."""

    name: str
    html: bytes
    expected: dict[str, Any]
    fetched: str = ""  # the URL the page was fetched from, where it is not its replica path

    @property
    def url(self) -> str:
        return str(self.expected["url"])

    @property
    def fetched_url(self) -> str:
        """The URL the page was fetched from: as its set lists it, else its path in the replica
        on the site's host."""
        return self.fetched or f"https://kinhtedothi.vn/{self.name}.html"


def fixture_articles(limit: int | None = None) -> list[FixtureArticle]:
    """Every fixture article page (sorted by name), or the first `limit` of them."""
    found = []
    for expected in sorted(FIXTURES.glob("*.expected.json")):
        name = expected.name.removesuffix(".expected.json")
        page = expected.with_name(name + ".html")
        found.append(
            FixtureArticle(name, page.read_bytes(), json.loads(expected.read_text("utf-8")))
        )
    return found[:limit] if limit is not None else found


@dataclass(frozen=True)
class SetEntry:
    """One line of a page set's `pages.json`: a page's file, the URL it was fetched from and
    what it is (`article`, `listing`, `tag`, ...), before the page itself is read."""

    set_name: str
    file: str
    url: str
    kind: str
    folder: Path

    @property
    def name(self) -> str:
        return self.file.removesuffix(".html")

    @property
    def id(self) -> str:
        """`set/page`: how benchmarks and tests name the page."""
        return f"{self.set_name}/{self.name}"

    @property
    def is_article(self) -> bool:
        return self.kind == "article"

    def load(self) -> FixtureArticle | FixturePage:
        """The page with its expected record (an article) or its kind (any other page); a file
        that is missing or unreadable raises `SetError` naming it."""
        try:
            html = (self.folder / self.file).read_bytes()
            if not self.is_article:
                return FixturePage(self.name, html, self.url, self.kind)
            expected_file = self.folder / (self.name + ".expected.json")
            expected = json.loads(expected_file.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise SetError(f"{self.id}: {exc}") from exc
        if not isinstance(expected, dict):
            raise SetError(f"{self.id}: {expected_file.name} does not hold one JSON object")
        return FixtureArticle(self.name, html, expected, self.url)


@dataclass(frozen=True)
class FixturePage:
    """A page of a set that is not an article (a listing, a tag page, ...): the parser must
    refuse it with `NotAnArticle`."""

    name: str
    html: bytes
    fetched_url: str
    kind: str


@dataclass(frozen=True)
class PageSet:
    """A set of pages read together: its article pages (with their expected records) and its
    other pages. `generic_only`: newsarchive reads them with `layouts=()`."""

    name: str
    articles: list[FixtureArticle]
    others: list[FixturePage] = field(default_factory=list)
    generic_only: bool = False


class SetError(ValueError):
    """A page set that cannot be read as its `pages.json` says: the message names the page."""


def generic_set_names(root: Path = GENERIC) -> list[str]:
    """The page sets under `root` (every folder holding a `pages.json`), in name order."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "pages.json").is_file())


def set_entries(name: str, root: Path = GENERIC) -> list[SetEntry]:
    """The pages `root/name/pages.json` lists, in its order (nothing is read but the list)."""
    listing = root / name / "pages.json"
    try:
        raw = json.loads(listing.read_text("utf-8"))
        entries = [
            SetEntry(name, str(item["file"]), str(item["url"]), str(item["kind"]), root / name)
            for item in raw
        ]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise SetError(f"{name}/pages.json: {exc!r}") from exc
    return entries


def generic_sets(root: Path = GENERIC) -> list[PageSet]:
    """Every page set under `root` (fixtures/generic/ by default), in name order, read whole."""
    found = []
    for name in generic_set_names(root):
        pages = [entry.load() for entry in set_entries(name, root)]
        found.append(
            PageSet(
                name,
                [p for p in pages if isinstance(p, FixtureArticle)],
                [p for p in pages if isinstance(p, FixturePage)],
            )
        )
    return found


@dataclass
class Figure:
    """One line of the results table: a measured figure against its floor or rival and its bar."""

    section: str
    what: str
    value: str
    against: str = ""
    ratio: str = ""
    bar: str = ""
    met: bool | None = None  # None: no bar for this line

    @property
    def verdict(self) -> str:
        return "" if self.met is None else ("met" if self.met else "**not met**")


@dataclass
class Outcome:
    """What one benchmark reports: table lines, details (markdown) and raw numbers."""

    figures: list[Figure] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)


def env_int(name: str, default: int) -> int:
    """A size from the environment (`BENCH_...`), for quicker runs."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise SystemExit(f"bench: {name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise SystemExit(f"bench: {name} must be 1 or more, not {value}")
    return value


def median_time(func: Callable[[], object], repeat: int) -> float:
    """Median wall time of `repeat` calls of `func`, in seconds (after one warm-up call)."""
    func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def percentile(values: list[float], share: float) -> float:
    """The `share` (0..1) percentile of `values`, nearest rank."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count() or "?"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": load_average(),
    }


def load_average() -> str:
    """The 1-minute load average: other work on the machine skews every figure."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


@contextmanager
def loopback_only() -> Iterator[None]:
    """Refuse any connection that leaves 127.0.0.1/::1 while the rival tools run: they must
    read the HTML they are given, never fetch anything."""
    original = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and not str(host).startswith(
            ("127.", "::1", "localhost")
        ):
            raise ConnectionRefusedError(f"bench: no network for rival tools ({host})")
        return original(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]


def profile_lines(stats: pstats.Stats, limit: int = 12) -> list[str]:
    """The functions that took the most time of their own, as markdown table rows."""
    rows = ["| own time (s) | share | calls | function |", "|---:|---:|---:|---|"]
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in entries.values()) or 1.0
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:limit]
    for (filename, line, name), (_, calls, own, _cum, _) in ranked:
        where = _short_path(filename)
        label = f"{where}:{line}({name})" if line else name
        rows.append(f"| {own:.3f} | {own / total:.0%} | {calls} | `{label}` |")
    return rows


def _short_path(filename: str) -> str:
    for mark in ("site-packages/", "/src/", "/lib/python3"):
        if mark in filename:
            return filename.split(mark, 1)[1]
    return filename


# The headers of a generated page as a web server sends it.
PAGE_HEADERS = (("content-type", "text/html; charset=utf-8"), ("server", "nginx"))


def fetched_page(url: str, body: bytes, at: datetime) -> RawPage:
    """A generated page as a good fetch of it: 200, no redirect, at `at`."""
    return RawPage(
        url=url,
        fetch_url=url,
        final_url=url,
        status=200,
        outcome="ok",
        headers=PAGE_HEADERS,
        body=body,
        fetched_at=at,
    )
