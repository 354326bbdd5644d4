"""`python -m bench` (what `make bench` runs): every benchmark, side by side in one run; writes
bench/results.md and prints it.

Sizes and switches come from the environment, for quicker runs:

| variable | default | what |
|---|---|---|
| BENCH_ONLY | all | comma list of parse, fidelity, store, crawl, memory, search, choices |
| BENCH_PARSE_REPEAT | 30 | timed runs per page for newsarchive and the bare parse |
| BENCH_PARSE_PAGES | 30 | generated pages of real size the parse bars are measured on |
| BENCH_RIVAL_REPEAT | 5 | timed runs per page for the rivals (trafilatura, newspaper4k, goose3) |
| BENCH_STORE_ARTICLES | 2000 | new articles written through the store |
| BENCH_STORE_UPDATES | 500 | of them written again, changed |
| BENCH_CRAWL_ARTICLES | 5000 | articles in the crawled replica (and the smaller memory crawl) |
| BENCH_MEMORY_LARGE | 20000 | generated articles in the larger memory crawl |
| BENCH_SEARCH_ARTICLES | 100000 | generated articles in the searched archive |
| BENCH_CHOICES_REPEAT | 100 | choices: timed pickle round trips a page, samples of 1,000 imports |
| BENCH_PG_URL | 127.0.0.1:5432/test | PostgreSQL server of the search benchmark; empty: none |
| BENCH_CONCURRENCY | 4 | requests in flight, for the crawl and its floor alike |
| BENCH_PROFILE | 1 | 0: no profiles of the bars not met |
| BENCH_OUT | bench/results.md | where the results go |

The fidelity benchmark alone, page sets included, without touching bench/results.md:
`BENCH_ONLY=fidelity BENCH_OUT=/tmp/fidelity.md .venv/bin/python -m bench`.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from . import choices, crawl_speed, fidelity, parse_speed, rivals, search_speed, store_speed
from .common import (
    CACHE,
    ROOT,
    Outcome,
    SetError,
    env_int,
    fixture_articles,
    generic_sets,
    load_average,
    machine,
)
from .generate import real_size_pages

ALL = ("parse", "fidelity", "store", "crawl", "memory", "search", "choices")


def main() -> None:
    chosen = [b.strip() for b in os.environ.get("BENCH_ONLY", ",".join(ALL)).split(",") if b]
    unknown = set(chosen) - set(ALL)
    if unknown:
        raise SystemExit(f"bench: BENCH_ONLY names unknown benchmarks: {', '.join(unknown)}")
    profile = os.environ.get("BENCH_PROFILE", "1") != "0"
    out = Path(os.environ.get("BENCH_OUT", str(ROOT / "bench" / "results.md")))
    concurrency = env_int("BENCH_CONCURRENCY", 4)
    crawl_size = env_int("BENCH_CRAWL_ARTICLES", 5000)
    large = env_int("BENCH_MEMORY_LARGE", 20000)
    sizes = {
        "parse repeat": env_int("BENCH_PARSE_REPEAT", 30),
        "parse pages": env_int("BENCH_PARSE_PAGES", 30),
        "rival repeat": env_int("BENCH_RIVAL_REPEAT", 5),
        "store articles": env_int("BENCH_STORE_ARTICLES", 2000),
        "store updates": env_int("BENCH_STORE_UPDATES", 500),
        "crawl articles": crawl_size,
        "memory articles": large,
        "search articles": env_int("BENCH_SEARCH_ARTICLES", 100000),
        "choices repeat": env_int("BENCH_CHOICES_REPEAT", 100),
        "concurrency": concurrency,
    }
    found = rivals.extractors()
    absent = rivals.missing()
    for reason in absent.values():
        print(f"bench: {reason}: its columns are left out", flush=True)
    pages = fixture_articles()
    try:
        sets = generic_sets() if "fidelity" in chosen else []
    except SetError as exc:
        raise SystemExit(f"bench: a page set of fixtures/generic/ cannot be read: {exc}") from None
    outcomes: list[Outcome] = []
    load_at_start = load_average()
    began = time.perf_counter()
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="work-") as folder:
        work = Path(folder)
        crawled = None
        for name in chosen:
            print(f"bench: {name} …", flush=True)
            step = time.perf_counter()
            if name == "parse":
                outcomes.append(
                    parse_speed.run(
                        pages,
                        repeat=sizes["parse repeat"],
                        rival_repeat=sizes["rival repeat"],
                        rivals=found,
                        profile=profile,
                        generated=real_size_pages(sizes["parse pages"]),
                    )
                )
            elif name == "fidelity":
                outcomes.append(fidelity.run(pages, rivals=found, sets=sets))
            elif name == "store":
                outcomes.append(
                    store_speed.run(
                        sizes["store articles"], sizes["store updates"], work, profile=profile
                    )
                )
            elif name == "crawl":
                outcome, crawled = crawl_speed.run_throughput(
                    crawl_size, work, CACHE, concurrency=concurrency, profile=profile
                )
                outcomes.append(outcome)
            elif name == "memory":
                known = {crawl_size: crawled} if crawled else None
                outcomes.append(
                    crawl_speed.run_memory(
                        (crawl_size, large), work, CACHE, concurrency=concurrency, known=known
                    )
                )
            elif name == "search":
                server = os.environ.get("BENCH_PG_URL", search_speed.PG_SERVER) or None
                outcomes.append(
                    search_speed.run(
                        sizes["search articles"], CACHE, progress=True, pg_server=server
                    )
                )
            elif name == "choices":
                outcomes.append(
                    choices.run(
                        real_size_pages(sizes["parse pages"]), repeat=sizes["choices repeat"]
                    )
                )
            print(f"bench: {name} done in {time.perf_counter() - step:.0f} s", flush=True)
    elapsed = time.perf_counter() - began
    text = report(outcomes, sizes, sorted(absent.values()), elapsed, load_at_start)
    out.write_text(text, encoding="utf-8")
    print(text)


def report(
    outcomes: list[Outcome],
    sizes: dict[str, int],
    absent: list[str],
    elapsed: float,
    load_at_start: str,
) -> str:
    box = machine()
    lines = [
        "# Benchmarks",
        "",
        f"Made by `make bench` on {box['date']}: {box['cpu']}, {box['cores']} cores, "
        f"Python {box['python']}, {box['platform']}. One run, every figure side by side; "
        f"{elapsed / 60:.1f} minutes in all. Load average (1 min) at the start "
        f"{load_at_start}, at the end {box['load']}: anything else running on the machine "
        "slows the figures down.",
        "",
        "Sizes: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()) + ".",
        "",
    ]
    if absent:
        lines += [f"Left out: {reason}." for reason in absent] + [""]
    lines += [
        "| # | figure | value | floor or rival | ratio | bar | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for outcome in outcomes:
        for f in outcome.figures:
            cells = (f.section, f.what, f.value, f.against, f.ratio, f.bar, f.verdict)
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines += ["", METHOD, "", "## Details and profiles", ""]
    for outcome in outcomes:
        lines += outcome.details
    return "\n".join(lines).rstrip() + "\n"


METHOD = """## How each figure is measured

1. **Parse**: per article page, the median of repeated timed calls on the page's bytes, on
   generated pages of real size (bench/generate.py, `BENCH_PARSE_PAGES` of them: 100 to 250 KB
   of menus, teaser boxes and scripts around the story) for the bars, and on the fixture
   article pages (`fixtures/site/*.html` with an expected record, a few KB) for the ratio to the
   floor printed beside: `parse_article(bytes, url)`, the bare
   `LexborHTMLParser(bytes)` (the floor), trafilatura's `bare_extraction` (metadata on, its default
   extraction), newspaper4k's `Article.download(input_html=…)` + `parse()` and goose3's
   `Goose.extract(raw_html=…)` (no network: any connection off 127.0.0.1 is refused while the
   rivals run). The figure is the median over pages. Bars: at most 3× the floor, at least 10×
   faster than trafilatura and 30× than newspaper4k.
   A bar not met brings a py-spy profile, with what the calls into Lexbor alone cost.
2. **Fidelity**: newsarchive's whole record against the expected JSON, field by field, exactly.
   The rivals only on the fields they have (title, description → sapo, text → body, date, authors,
   tags, and trafilatura's categories), compared leniently (body line by line with whitespace
   folded, authors and tags as sets): their share is an upper bound. Body token F1: 4-gram
   shingles over `\\w+` tokens of the NFC text, per page, averaged. Leaks: an expected caption or
   related title found in a tool's body. Dates: right to the minute and written with `+07:00`.
   **By page set**: the fixture articles (`site`), the same pages read by newsarchive with
   `layouts=()` (`site-generic`: the generic reader alone; the rivals have no layouts, so their
   figures are those of `site`), then every set of `fixtures/generic/` (pages the parser was not
   written from: redesigns of the site, variants of its layouts, other news sites), each tool on
   each set: body F1 (mean over its articles), titles right (NFC, whitespace folded), published
   times right (to the minute once converted to `+07:00`; a naive or date-only time is wrong),
   pages with a leak, article pages refused (newsarchive: `NotAnArticle`; a rival: no body), and
   the set's other pages (listings, tags): refused by newsarchive, or given a body by a rival.
   newsarchive's bar per set: title and time right on every article, body F1 at least the best
   rival's, no leak, every other page refused (and on `site`, every field exact).
3. **Store**: generated articles (pages, records and what a crawl's reading worker prepares for
   the store, `prepare`, made before the clock starts; `prepare` is timed on its own below) written
   through `Archive.record_fetches` into a new SQLite archive, as many per transaction as a crawl
   writes (`crawl.write_batch`); then `sqlite3.executemany` of every row
   that run left in every table (full-text table included) into an empty archive of the same
   schema, in one transaction, with the same pragmas (the floor).
4. **Crawl**: a generated replica served by `tests/replica.py` in its own process (Nagle off: see
   `bench/serve.py`), crawled whole by `newsarchive` in another process with `delay = 0` and
   the shipped defaults otherwise (one reading worker, 200 pages per transaction); the floor is
   a bare `httpx.AsyncClient` loop over the URLs the crawl fetched, with the same concurrency,
   against the same server. On two cores the server, the crawl and its worker share them: the
   CPU each process spent a page (`getrusage`, `/proc/PID/stat`) says what the cores allow.
   Bar: the CPU a page of the whole crawl (its processes and the server together) at most 3×
   the floor's (the httpx loop and the server, measured the same way); its pages/s are shown
   beside the most that CPU allows on this machine's cores.
5. **Memory**: the peak RSS of the crawl's process and its page-reading worker together (their
   `VmRSS` summed every 50 ms, and never below the crawl's own `VmHWM`; `ru_maxrss` would carry
   the parent's size over the fork), for two replica sizes.
6. **Search**: `Archive.search(query, limit=10)` in-process over a generated archive written
   through `record_fetch` (cached in bench/.cache/), one warm-up then timed runs per query, and
   a filter's articles listed newest first (SQL on `article`); p50/p95 over all timed runs. The
   same on PostgreSQL, the same articles written through `record_fetches` once into a schema
   of the database `newsarchive_bench_search` (raw pages there are small stand-ins: search never
   reads them). Each search's best ten are compared with FTS5's `bm25()` over every match.
7. **Choices**: two decisions measured against the alternative, in turn in the same run. Records
   pickled by fields (`PickledByFields`): per generated page (`BENCH_PARSE_PAGES` of them), the
   median of `pickle.dumps` + `pickle.loads` of what a reading worker sends back for it, against
   the same objects pickled as dataclasses pickle a frozen slots class (`__reduce__` set aside);
   bar: cheaper than that. sniffio installed: the import of a module on no path (as `import
   sniffio` fails without it) against `import sniffio` installed, medians of samples of 1,000,
   and how many times httpcore imports it a request (counted over 50 GETs to 127.0.0.1)."""


if __name__ == "__main__":
    main()
