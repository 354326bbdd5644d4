"""1. Parse speed: time per article page of `parse_article`, against the bare Lexbor parse of the
same bytes (the floor) and against the rivals' extraction of the same page.

The bars hold on generated pages of real size (bench/generate.py: 100 to 250 KB of menus, teaser
boxes and scripts around the story, as the site's pages carry); the fixture pages, a few KB each,
are measured too and their ratio printed beside."""

from __future__ import annotations

import statistics
import sys
from collections import Counter
from functools import partial

from selectolax.lexbor import LexborHTMLParser

from newsarchive import parse_article

from .common import Figure, FixtureArticle, Outcome, loopback_only, median_time
from .profiling import LIBRARY_PLACES, PARSE_RULES, in_process, record
from .rivals import Extractor

MAX_PARSE_RATIO = 3.0  # extraction at most this many times the bare parse
# At least this many times faster than each rival named (medians over the pages).
MIN_RIVAL_RATIO = {"trafilatura": 10.0, "newspaper4k": 30.0}


def run(
    pages: list[FixtureArticle],
    *,
    repeat: int,
    rival_repeat: int,
    rivals: dict[str, Extractor],
    profile: bool = True,
    generated: list[FixtureArticle] | None = None,
) -> Outcome:
    """Per page, the median of `repeat` runs (`rival_repeat` for the slower rivals); the figure
    is the median over the pages of those medians. The bars on the `generated` pages of real
    size where given, then the fixture pages' ratio to the floor; else on the fixture pages."""
    measured = generated or pages
    what = f"{len(measured)} generated pages of real size" if generated else "fixture pages"
    per_page = _timed(measured, repeat, rival_repeat, rivals)
    median = {name: statistics.median(times) for name, times in per_page.items()}
    ours, floor = median["newsarchive"], median["lexbor"]
    outcome = Outcome(numbers={f"parse_{k}_ms": v * 1000 for k, v in median.items()})
    section = "1. Parse speed"
    ratio = ours / floor
    size = statistics.median(len(page.html) for page in measured) / 1024
    outcome.figures.append(
        Figure(
            section,
            f"`parse_article`, median per page ({len(measured)} {what.split(' ', 1)[1]}, "
            f"median {size:,.0f} KB)",
            _ms(ours),
            f"bare `LexborHTMLParser(bytes)`: {_ms(floor)}",
            f"{ratio:.1f}× the floor",
            f"≤ {MAX_PARSE_RATIO:g}× the floor",
            ratio <= MAX_PARSE_RATIO,
        )
    )
    for name in rivals:
        speedup = median[name] / ours
        bar = MIN_RIVAL_RATIO.get(name)
        outcome.figures.append(
            Figure(
                section,
                f"`parse_article` vs {name}",
                _ms(ours),
                f"{name}: {_ms(median[name])}",
                f"{speedup:.1f}× faster",
                f"≥ {bar:.0f}× faster" if bar else "",
                speedup >= bar if bar else None,
            )
        )
    outcome.details += _per_page_table(measured, per_page, what)
    if generated:
        small = _timed(pages, repeat, rival_repeat, {})
        ours_small = statistics.median(small["newsarchive"])
        floor_small = statistics.median(small["lexbor"])
        outcome.numbers["parse_fixture_ratio"] = ours_small / floor_small
        outcome.figures.append(
            Figure(
                section,
                f"`parse_article`, median per page ({len(pages)} fixture pages, a few KB each)",
                _ms(ours_small),
                f"bare `LexborHTMLParser(bytes)`: {_ms(floor_small)}",
                f"{ours_small / floor_small:.1f}× the floor",
            )
        )
        outcome.details += _per_page_table(pages, small, "fixture pages")
    if profile and ratio > MAX_PARSE_RATIO:
        outcome.details += _profile(pages, repeat)
    return outcome


def _timed(
    pages: list[FixtureArticle], repeat: int, rival_repeat: int, rivals: dict[str, Extractor]
) -> dict[str, list[float]]:
    per_page: dict[str, list[float]] = {"newsarchive": [], "lexbor": []}
    per_page |= {name: [] for name in rivals}
    for page in pages:
        html, url = page.html, page.fetched_url
        per_page["newsarchive"].append(median_time(partial(parse_article, html, url), repeat))
        per_page["lexbor"].append(median_time(partial(LexborHTMLParser, html), repeat))
        with loopback_only():
            for name, extract in rivals.items():
                per_page[name].append(median_time(partial(extract, html, url), rival_repeat))
    return per_page


def _per_page_table(
    pages: list[FixtureArticle], per_page: dict[str, list[float]], what: str
) -> list[str]:
    names = list(per_page)
    lines = [
        f"### Parse speed per page, {what} (median ms)",
        "",
        "| page | layout | " + " | ".join(names) + " | ours ÷ lexbor |",
        "|---|---|" + "---:|" * (len(names) + 1),
    ]
    for i, page in enumerate(pages):
        cells = " | ".join(f"{per_page[n][i] * 1000:.3f}" for n in names)
        ratio = per_page["newsarchive"][i] / per_page["lexbor"][i]
        lines.append(f"| {page.name[:48]} | {page.expected['layout']} | {cells} | {ratio:.1f}× |")
    return [*lines, ""]


def _profile(pages: list[FixtureArticle], repeat: int) -> list[str]:
    """Where `parse_article` spends its time, over every fixture page many times."""
    title = "Where `parse_article` spends its time (all fixture pages)"
    rounds = max(50, repeat * 5)
    found = record(
        [sys.executable, "-m", "bench.profile_target", "parse", "--size", str(rounds)],
        PARSE_RULES,
        within="parse_pages",
        native=True,
        title=title,
        conclude=_library_floor,
    )
    return found or in_process(lambda: [parse_article(p.html, p.fetched_url) for p in pages], title)


def _library_floor(places: Counter[str]) -> list[str]:
    """How far the bar is out of reach of any Python on top of these library calls: the parse
    and the calls into Lexbor and selectolax alone, as a multiple of the parse."""
    parse = places[PARSE_RULES[0][0]]
    library = sum(places[place] for place, _ in PARSE_RULES[:LIBRARY_PLACES])
    if not parse:
        return []
    return [
        f"The parse and the calls into Lexbor and selectolax alone (the first {LIBRARY_PLACES} "
        f"places) take {library / parse:.1f}× the samples of the parse: what this extraction "
        f"would cost with no Python of ours at all, against the bar of {MAX_PARSE_RATIO:g}×.",
    ]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"
