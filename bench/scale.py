"""`make bench-scale` (`python -m bench.scale`): the whole site, on SQLite and on PostgreSQL.

For each size (SCALE_SIZES, default 100,000, 300,000 and 1,000,000 articles), smallest first, the
archives of bench/scale_build.py are grown to that size, then measured there, engine by engine:

- search_p50_ms, search_p95_ms: the queries of `make bench` (bench/search_speed.py, through
  `Archive.search` as it calls them), one warm-up then SEARCH_RUNS timed runs each;
- reparse_pages_per_s: `newsarchive reparse --json` over the archive's pages, wall time, at the
  sizes of SCALE_REPARSE_AT (default 300,000);
- reparse_floor_pages_per_s: the same pages read from the archive by a process per core,
  decompressed and parsed by bare Lexbor (`LexborHTMLParser`), nothing else;
- export_peak_rss_mb: `newsarchive export` of every article to each format of
  SCALE_EXPORT_FORMATS, the largest peak RSS of them (`wait4`); each format's rate beside
  `pyarrow` writing the same rows to Parquet (read back from the Parquet export a row group at
  a time, only the writing timed);
- stats_s: `newsarchive stats --json`, wall time of the whole command, the median of three runs.

Figures go to bench/scale.json (`{"machine", "date", "engines": {engine: {size: figures}}}`,
a figure not measured left out) and bench/scale.md (one line per figure, with the machine, the
engine's version and the date); both are written after each size, so a run stopped part way keeps
what it measured. Archives grow in place: a size the archives have already passed is not
measured again by a later run, whose files keep that size's figures from the run that measured
it (its date on each line). Delete bench/.cache/scale-* and the PostgreSQL database to start over.

Environment: SCALE_SIZES, SCALE_ENGINES (sqlite,postgresql), SCALE_PG_URL, SCALE_REPARSE_AT,
SCALE_EXPORT_FORMATS (jsonl,csv,parquet), SCALE_MIN_FREE_GB, SCALE_OUT (folder of the two files
and of the record of runs they are written from, scale-runs-ENGINE.json: kept with them, so that
a new machine's run adds to the figures instead of starting them over), SCALE_CACHE (folder of
the SQLite archives; default bench/.cache).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from newsarchive.store import Archive

from . import scale_build, search_speed
from .common import ROOT, machine, percentile

DEFAULT_SIZES = (100_000, 300_000, 1_000_000)
SEARCH_RUNS = 7
REPARSE_BAR = 0.7  # of the floor
MILLION_IN = 20 * 60  # seconds: 1,000,000 unchanged pages re-read within
EXPORT_RSS_BAR = 300.0  # MB
STATS_BAR = 2.0  # seconds
SEARCH_BAR = {100_000: 50.0, 1_000_000: 100.0}  # p95 ms
FLOOR_CHUNK = 100
CLI = [sys.executable, "-m", "newsarchive"]
CACHE = Path(os.environ.get("SCALE_CACHE", str(ROOT / "bench" / ".cache")))
OUT = Path(os.environ.get("SCALE_OUT", str(ROOT / "bench")))
RUN = f"{os.getpid()}-{time.time():.0f}"


def _sizes(name: str, default: Sequence[int]) -> list[int]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return list(default)
    return sorted(int(part.replace("_", "")) for part in raw.split(",") if part.strip())


def main() -> None:
    sizes = _sizes("SCALE_SIZES", DEFAULT_SIZES)
    out = OUT
    CACHE.mkdir(parents=True, exist_ok=True)
    targets = scale_build.engines(CACHE)
    if len(targets) > 1:
        # One process per engine, side by side: building is most of the time, and each
        # engine's build leaves a core to the other's (figures say the load they ran under).
        children = [
            subprocess.Popen([sys.executable, "-m", "bench.scale"],
                             env={**os.environ, "SCALE_ENGINES": engine.name})
            for engine in targets
        ]  # fmt: skip
        for child in children:
            child.wait()
    elif targets:
        run_engine(targets[0], sizes, out)
    Results.write(out)
    print((out / "scale.md").read_text("utf-8"))
    say(f"wrote {out / 'scale.json'} and {out / 'scale.md'}")


def run_engine(engine: scale_build.Engine, sizes: list[int], out: Path) -> None:
    reparse_at = set(_sizes("SCALE_REPARSE_AT", (300_000,)))
    export_at = set(_sizes("SCALE_EXPORT_AT", (100_000, 1_000_000)))
    formats = [
        f for f in os.environ.get("SCALE_EXPORT_FORMATS", "jsonl,csv,parquet").split(",") if f
    ]
    for size in sizes:
        held = scale_build.held_count(engine)
        if held > size:
            say(f"{engine.name} holds {held:,} articles, past {size:,}: not measured again")
            continue
        try:
            scale_build.grow(engine, size, CACHE, progress=say)
        except scale_build.DiskFull as exc:
            say(f"{engine.name}: stopped growing the archive to {size:,}: {exc}")
            return
        say(f"measuring {engine.name} at {size:,} …")
        measure(
            engine,
            size,
            reparse=size in reparse_at,
            formats=formats if size in export_at else [],
            save=lambda run: Results.save(run, out),
        )


def say(line: str) -> None:
    print(f"bench-scale: {line}", flush=True)


# -- one engine at one size ----------------------------------------------------------------


def measure(
    engine: scale_build.Engine,
    size: int,
    *,
    reparse: bool,
    formats: list[str],
    save: Callable[[Run], None],
) -> Run:
    """Every figure of `engine` at `size`, saved as each is measured."""
    run = Run(engine=engine.name, version=engine_version(engine.url), size=size)
    with Archive.open(engine.url) as archive:
        run.articles = archive.article_count()
        run.add(search(archive))
    save(run)
    say(f"  search: p50 {run.figures['search_p50_ms']:.1f} ms, "
        f"p95 {run.figures['search_p95_ms']:.1f} ms")  # fmt: skip
    run.add(stats(engine.url))
    save(run)
    say(f"  stats: {run.figures['stats_s']:.2f} s")
    if formats:
        run.add(export(engine.url, formats))
        save(run)
        say(f"  export: peak RSS {run.figures['export_peak_rss_mb']:.0f} MB")
    if reparse:
        run.add(reread(engine.url))
        save(run)
        say(f"  reparse: {run.figures['reparse_pages_per_s']:.0f} pages/s")
        run.add(floor_figures(engine.url))
        save(run)
        say(f"  floor: {run.figures['reparse_floor_pages_per_s']:.0f} pages/s")
    return run


def engine_version(url: str) -> str:
    if url.startswith("sqlite"):
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return f"PostgreSQL {conn.scalar(text('SHOW server_version'))}"
    finally:
        engine.dispose()


def search(archive: Archive) -> dict[str, Any]:
    timings: list[float] = []
    for query in search_speed.QUERIES:
        call, _ = search_speed._search_call(archive, query)
        call()
        for _ in range(SEARCH_RUNS):
            start = time.perf_counter()
            call()
            timings.append(time.perf_counter() - start)
    return {
        "search_p50_ms": percentile(timings, 0.50) * 1000,
        "search_p95_ms": percentile(timings, 0.95) * 1000,
        "_search_queries": len(search_speed.QUERIES),
        "_search_runs": len(timings),
    }


def stats(url: str) -> dict[str, Any]:
    """The command, start to end (the median of three runs: the first reads from the disk what
    the others find in memory); and `Archive.stats()` alone (its queries), in this process."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        done = subprocess.run([*CLI, "stats", "--json", "--db", url], capture_output=True,
                              check=True)  # fmt: skip
        times.append(time.perf_counter() - start)
    seconds = sorted(times)[1]
    found = json.loads(done.stdout)
    with Archive.open(url) as archive:
        start = time.perf_counter()
        archive.stats()
        queries = time.perf_counter() - start
    size = found.get("database_bytes") or found.get("file_bytes")
    return {
        "stats_s": seconds,
        "_stats_first_s": times[0],
        "_stats_queries_s": queries,
        "_size_bytes": size,
    }


@contextmanager
def _folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="scale-out-") as name:
        yield Path(name)


def export(url: str, formats: list[str]) -> dict[str, Any]:
    """Each format exported by the command, its peak RSS and rate; then pyarrow writing the
    same rows (from the Parquet export, if made) to Parquet, timed alone."""
    found: dict[str, Any] = {}
    peaks = []
    with _folder() as folder:
        for format in formats:
            target = folder / f"all.{format}"
            seconds, peak, status = _peak_rss([*CLI, "export", "--db", url, "--format", format,
                                               "--out", str(target)])  # fmt: skip
            if status != 0:
                raise SystemExit(f"bench-scale: export to {format} exited {status}")
            peaks.append(peak)
            found[f"_export_{format}_s"] = seconds
            found[f"_export_{format}_rss_mb"] = peak
            found[f"_export_{format}_bytes"] = target.stat().st_size
            if format == "parquet":
                found["_export_rows"], found["_pyarrow_parquet_s"] = _pyarrow_write(target, folder)
            target.unlink()
    found["export_peak_rss_mb"] = max(peaks)
    return found


def _peak_rss(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) and exit status of `command`. The peak is the process's own
    high-water mark (`VmHWM`), read every 20 ms while it runs: `ru_maxrss` would count this
    process's size too, which the child carried until its `exec`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    status = Path(f"/proc/{process.pid}/status")
    peak = 0
    while process.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except (OSError, ValueError, IndexError):
            pass
        time.sleep(0.02)
    return time.perf_counter() - start, peak / 1024, process.returncode


def _pyarrow_write(source: Path, folder: Path) -> tuple[int, float]:
    """The rows of a Parquet file written again by pyarrow alone, a row group at a time: how
    many, and the seconds spent writing (reading them back is not counted)."""
    import pyarrow.parquet as pq

    reading = pq.ParquetFile(source)
    spent, rows = 0.0, 0
    with pq.ParquetWriter(folder / "again.parquet", reading.schema_arrow) as writer:
        for group in range(reading.num_row_groups):
            table = reading.read_row_group(group)
            start = time.perf_counter()
            writer.write_table(table)
            spent += time.perf_counter() - start
            rows += table.num_rows
    (folder / "again.parquet").unlink()
    return rows, spent


def reread(url: str) -> dict[str, Any]:
    """`reparse` over the archive's pages."""
    start = time.perf_counter()
    done = subprocess.run([*CLI, "reparse", "--json", "--db", url], capture_output=True,
                          check=True)  # fmt: skip
    seconds = time.perf_counter() - start
    summary = json.loads(done.stdout)
    pages = int(summary["of"])
    return {
        "reparse_pages_per_s": pages / seconds,
        "_reparse_pages": pages,
        "_reparse_changed": int(summary["changed"]),
        "_reparse_s": seconds,
        "_cores": os.cpu_count() or 1,
    }


def floor_figures(url: str) -> dict[str, Any]:
    pages, seconds = floor(url)
    return {
        "reparse_floor_pages_per_s": pages / seconds,
        "_floor_pages": pages,
        "_floor_s": seconds,
    }


def floor(url: str) -> tuple[int, float]:
    """The archive's article pages read by a process per core, a chunk at a time from the
    archive, decompressed and parsed by bare Lexbor: how many, in how many seconds."""
    with Archive.open(url) as archive:
        ids = [c.raw_page_id for c in archive.article_captures()]
    chunks = [ids[i : i + FLOOR_CHUNK] for i in range(0, len(ids), FLOOR_CHUNK)]
    workers = os.cpu_count() or 1
    start = time.perf_counter()
    with ProcessPoolExecutor(
        workers, mp_context=get_context("spawn"), initializer=_open_floor, initargs=(url,)
    ) as pool:
        pages = sum(pool.map(_floor_chunk, chunks))
    return pages, time.perf_counter() - start


_floor_archive: Archive | None = None


def _open_floor(url: str) -> None:
    global _floor_archive
    _floor_archive = Archive.open(url, create=False)


def _floor_chunk(ids: list[int]) -> int:
    from selectolax.lexbor import LexborHTMLParser

    assert _floor_archive is not None
    bodies = _floor_archive.packed_bodies(ids)
    for packed in bodies.values():
        LexborHTMLParser(zlib.decompress(packed))
    return len(bodies)


# -- results -------------------------------------------------------------------------------


class Run:
    """The figures of one engine at one size, measured in one run."""

    def __init__(self, engine: str, version: str, size: int) -> None:
        self.engine, self.version, self.size = engine, version, size
        self.articles = 0
        self.run = RUN  # which run measured it: figures of two runs are never set side by side
        self.figures: dict[str, Any] = {}
        box = machine()
        self.machine = f"{box['cpu']}, {box['cores']} cores"
        self.date = box["date"]
        self.load = box["load"]

    def add(self, figures: dict[str, Any]) -> None:
        self.figures.update(figures)

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "version": self.version,
            "size": self.size,
            "articles": self.articles,
            "machine": self.machine,
            "date": self.date,
            "load": self.load,
            "run": self.run,
            "figures": self.figures,
        }

    @classmethod
    def from_dict(cls, saved: dict[str, Any]) -> Run:
        run = cls(saved["engine"], saved["version"], int(saved["size"]))
        run.articles = int(saved["articles"])
        run.figures = dict(saved["figures"])
        run.machine, run.date, run.load = saved["machine"], saved["date"], saved["load"]
        run.run = saved["run"]
        return run


PUBLIC = (
    "search_p50_ms",
    "search_p95_ms",
    "reparse_pages_per_s",
    "reparse_floor_pages_per_s",
    "export_peak_rss_mb",
    "stats_s",
)


class Results:
    """Every engine and size measured, by this run or (for sizes this run could not measure
    again) an earlier one: each engine's runs are kept in bench/scale-runs-ENGINE.json."""

    @staticmethod
    def _file(engine: str) -> Path:
        return OUT / f"scale-runs-{engine}.json"

    @staticmethod
    def _runs(engine: str) -> dict[int, Run]:
        saved = Results._file(engine)
        if not saved.exists():
            return {}
        runs = [Run.from_dict(item) for item in json.loads(saved.read_text("utf-8"))]
        return {run.size: run for run in runs}

    @staticmethod
    def save(run: Run, out: Path) -> None:
        """Keep `run` (replacing the engine's earlier figures at its size) and write the files."""
        runs = Results._runs(run.engine)
        runs[run.size] = run
        data = json.dumps([r.to_dict() for _, r in sorted(runs.items())], indent=1)
        _replace(Results._file(run.engine), data)
        Results.write(out)

    @staticmethod
    def write(out: Path) -> None:
        ordered = [
            run
            for engine in ("sqlite", "postgresql")
            for _, run in sorted(Results._runs(engine).items())
        ]
        box = machine()
        engines: dict[str, dict[str, dict[str, float]]] = {}
        for run in ordered:
            public = {k: round(run.figures[k], 3) for k in PUBLIC if k in run.figures}
            engines.setdefault(run.engine, {})[str(run.size)] = public
        summary = {
            "machine": f"{box['cpu']}, {box['cores']} cores, {box['platform']}",
            "date": max((r.date for r in ordered), default=box["date"]),
            "engines": engines,
        }
        _replace(out / "scale.json", json.dumps(summary, indent=2) + "\n")
        _replace(out / "scale.md", report(ordered))


def _replace(path: Path, data: str) -> None:
    """`path` written whole or not at all: two engines' processes write the same files."""
    part = path.with_name(f".{path.name}.{os.getpid()}")
    part.write_text(data, "utf-8")
    os.replace(part, path)


def report(runs: list[Run]) -> str:
    lines = [
        "# The whole site: scale benchmark",
        "",
        "Made by `make bench-scale` (bench/scale.py, which says how each figure is measured). "
        "Each line: the engine and its version, the archive's size, the figure, what it is "
        "measured against (always in the same run, on the same archive), the bar, the machine "
        "and the date. Growth: the figure over the same figure at the previous size, where one "
        "run measured both.",
        "",
        "| engine | articles | figure | value | against | bar | met | growth | machine | date |",
        "|---|---:|---|---:|---|---|---|---|---|---|",
    ]
    previous: dict[str, Run] = {}
    for run in runs:
        before = previous.get(run.engine)
        for row in _rows(run, before if before and before.run == run.run else None):
            lines.append("| " + " | ".join(row) + " |")
        previous[run.engine] = run
    lines += ["", NOTES]
    return "\n".join(lines) + "\n"


def _rows(run: Run, before: Run | None) -> Iterator[list[str]]:
    f = run.figures
    who = f"{run.version}"
    where = [run.machine, f"{run.date} (load {run.load})"]

    def grown(key: str) -> str:
        if before is None or key not in before.figures or not before.figures[key]:
            return ""
        return f"×{f[key] / before.figures[key]:.2f} over {before.size:,}"

    size = f"{run.articles:,}"
    if "search_p95_ms" in f:
        bar = SEARCH_BAR.get(run.size)
        yield [who, size, f"search p50 / p95 ({f['_search_queries']} queries, "
               f"{f['_search_runs']} runs)",
               f"{f['search_p50_ms']:.1f} / {f['search_p95_ms']:.1f} ms", "",
               f"p95 < {bar:.0f} ms" if bar else "",
               _met(None if bar is None else f["search_p95_ms"] < bar),
               grown("search_p95_ms"), *where]  # fmt: skip
    if "stats_s" in f:
        shown = f", archive {f['_size_bytes'] / 1e9:.1f} GB" if f.get("_size_bytes") else ""
        queries = (f" (median of 3; the first {f.get('_stats_first_s', f['stats_s']):.2f} s; "
                   f"its queries alone {f['_stats_queries_s']:.2f} s{shown})")  # fmt: skip
        yield [who, size, "`stats --json`, whole command" + queries, f"{f['stats_s']:.2f} s", "",
               f"< {STATS_BAR:.0f} s", _met(f["stats_s"] < STATS_BAR), grown("stats_s"),
               *where]  # fmt: skip
    if "export_peak_rss_mb" in f:
        yield [who, size, "`export`, peak RSS of the largest format",
               f"{f['export_peak_rss_mb']:.0f} MB", "", f"< {EXPORT_RSS_BAR:.0f} MB, flat",
               _met(f["export_peak_rss_mb"] < EXPORT_RSS_BAR), grown("export_peak_rss_mb"),
               *where]  # fmt: skip
        rows = f.get("_export_rows") or run.articles
        arrow = f.get("_pyarrow_parquet_s")
        for format in ("jsonl", "csv", "parquet"):
            if f"_export_{format}_s" not in f:
                continue
            rate = rows / f[f"_export_{format}_s"]
            against = (f"pyarrow writing the same rows to Parquet: {rows / arrow:,.0f}/s"
                       if arrow else "")  # fmt: skip
            ratio = f" ({rate / (rows / arrow):.2f} of pyarrow)" if arrow else ""
            yield [who, size, f"`export --format {format}` (peak RSS "
                   f"{f[f'_export_{format}_rss_mb']:.0f} MB, "
                   f"{f[f'_export_{format}_bytes'] / 1e9:.2f} GB)",
                   f"{rate:,.0f} articles/s{ratio}", against, "", "", "", *where]  # fmt: skip
    if "reparse_floor_pages_per_s" in f:
        rate, floor_rate = f["reparse_pages_per_s"], f["reparse_floor_pages_per_s"]
        share = rate / floor_rate
        million = 1_000_000 / rate
        yield [who, size, f"`reparse`, {f['_reparse_pages']:,} pages of real size, "
               f"{f['_cores']} cores", f"{rate:,.0f} pages/s ({share:.2f} of the floor)",
               f"decompress + bare Lexbor, same pages and cores: {floor_rate:,.0f} pages/s",
               f"≥ {REPARSE_BAR:.0%} of the floor", _met(share >= REPARSE_BAR), "",
               *where]  # fmt: skip
        yield [who, size, "1,000,000 unchanged pages re-read at that rate",
               f"{million / 60:.1f} min", "", f"< {MILLION_IN // 60} min",
               _met(million < MILLION_IN), "", *where]  # fmt: skip


def _met(met: bool | None) -> str:
    return "" if met is None else ("met" if met else "**not met**")


NOTES = f"""## What the archives hold

Generated articles (bench/generate.py: real-sized pages of 100 to 250 KB, menus, teaser boxes
and scripts around the body), written through `Archive.record_fetches` in a crawl's batches
(bench/scale_build.py). On SQLite every one of the first {scale_build.FULL_RAW:,} articles keeps
its page; past them, and on PostgreSQL throughout, one article in {scale_build.RAW_SAMPLE} keeps its
page (the build machine's disk holds no more), the others a raw page without body. So `reparse`
on PostgreSQL reads one page in {scale_build.RAW_SAMPLE}: its rate is per page read, like SQLite's.
The archives grow in place from one size to the next; the figures of a size are those measured
when the archive held that many articles. On PostgreSQL each growth ends with `VACUUM (ANALYZE)`
(`scale_build.settle`), as autovacuum does on a live server in its own time. Lines dated
before 13:00 UTC on 2026-12-07 measure the search as it was before ranking from stored weights
(store/ranking.py, migration 0010), on archives not vacuumed after their growth."""


if __name__ == "__main__":
    main()
