"""The re-parse: archived captures read again by the current parser; never fetches.

Articles whose record comes out different are rewritten in place; every article read records the
parser version that read it.

Reading is the work (decompress, parse): it runs in a process per core, each reading its share
of the captures from the archive itself, a chunk at a time; this process is the one writer,
each chunk in one short transaction, so that the archive stays readable all along. A chunk's
transaction also records how far the re-parse got (`reparse_run`): a re-parse stopped by a
signal, a kill or a reboot goes on from there when run again with the same options and parser.
"""

from __future__ import annotations

import os
import re
import signal
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date
from multiprocessing import get_context
from typing import Any

from ..derived.prepared import Prepared, prepare
from ..parse import NotAnArticle, parse_article
from ..parse import article as parser
from ..record import Article
from ..store import Archive
from ..store.rereads import ArticleCapture, ReadAgain, Reread

_PART = re.compile(r"\d+|[^\d.]+")
# Captures a reader takes at a time, and articles written per transaction. A chunk costs a
# statement per table read or written (under ten where every record is as stored, some twenty
# where records changed) against a hundred pages parsed: larger ones would gain nothing
# measurable, and make progress, stops and the last chunks of the readers coarser.
CHUNK = 100
# Below this many captures the re-parse reads them itself: starting a process per core (a
# second or so of imports each) costs more than it saves.
PARALLEL_FROM = 2 * CHUNK


@dataclass
class ReparseReport:
    considered: int = 0  # articles chosen by the options
    changed: int = 0  # of those, articles whose record changed
    fields: Counter[str] = field(default_factory=Counter)  # records changed, by field
    not_articles: Counter[str] = field(default_factory=Counter)  # now read as no article: kind
    refused: list[str] = field(default_factory=list)  # "URL: why", left as they were
    resumed_after: int = 0  # articles read by the stopped run this one went on from
    stopped: bool = False  # stopped before the end (a signal): run it again to go on

    def summary_line(self) -> str:
        return f"changed {self.changed} of {self.considered}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "of": self.considered,
            "fields": dict(sorted(self.fields.items())),
            "not_articles": dict(sorted(self.not_articles.items())),
            "refused": list(self.refused),
        }

    @classmethod
    def from_dict(cls, saved: dict[str, Any]) -> ReparseReport:
        """What a stopped re-parse had found (`to_dict`), to go on counting from."""
        return cls(
            considered=int(saved.get("of", 0)),
            changed=int(saved.get("changed", 0)),
            fields=Counter(saved.get("fields", {})),
            not_articles=Counter(saved.get("not_articles", {})),
            refused=list(saved.get("refused", [])),
            resumed_after=int(saved.get("of", 0)),
        )


Progress = Callable[[ReparseReport, int], None]  # (report so far, articles chosen)
Stop = Callable[[], bool]  # asked between chunks: True ends the re-parse there, resumable


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Parser versions in order: "2" < "10", "1.2" < "1.10"; numbers before words."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in _PART.findall(version))


@dataclass(frozen=True, slots=True)
class Read:
    """What a reader made of one capture: the record, with what the store derives from it
    (`prepared`) where it differs from the stored one (None: the same); or why there is none
    (`not_article`: the kind the parser saw; `error`: the parser broke)."""

    article: Article | None = None
    prepared: Prepared | None = None
    not_article: str | None = None
    error: str | None = None


def reparse(
    archive: Archive,
    *,
    layout: str | None = None,
    version_below: str | None = None,
    since: date | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    stop: Stop | None = None,
) -> ReparseReport:
    """Read the chosen captures again with `workers` processes (None: one per core; 0: in
    this one), going on from where a stopped re-parse of the same options and parser ended."""
    options = {"layout": layout, "version_below": version_below, "since": str(since or "")}
    state = archive.begin_reparse(options, parser.PARSER_VERSION)
    report = ReparseReport.from_dict(state.report) if state.resumed else ReparseReport()
    chosen = archive.article_captures(layout=layout, since=since, after=state.done_through)
    if version_below is not None:
        bound = version_key(version_below)
        chosen = [c for c in chosen if version_key(c.parser_version) < bound]
    total = report.considered + len(chosen)
    chunks = [chosen[i : i + CHUNK] for i in range(0, len(chosen), CHUNK)]
    count = (os.cpu_count() or 1) if workers is None else workers
    parallel = count > 0 and len(chosen) >= PARALLEL_FROM
    reads = _in_pool(archive.url, chunks, count, stop) if parallel else _here(archive, chunks, stop)
    done_through, written = state.done_through, 0
    for chunk, found in reads:
        _count(report, chunk, found)
        done_through, written = chunk[-1].article_id, written + 1
        read = [(c, r.article, r.prepared) for c, r in zip(chunk, found, strict=True) if r.article]

        def counted(
            outcomes: list[Reread],
            read: list[tuple[ArticleCapture, Article, Prepared | None]] = read,
        ) -> dict[str, Any]:
            _count_written(report, [capture for capture, _, _ in read], outcomes)
            return report.to_dict()

        archive.reread_articles(
            [ReadAgain(c.article_id, article, prepared) for c, article, prepared in read],
            run_id=state.run_id,
            done_through=done_through,
            report=counted,
        )
        if progress is not None:
            progress(report, total)
    report.stopped = written < len(chunks)
    if not report.stopped:
        archive.reread_articles(
            [],
            run_id=state.run_id,
            done_through=done_through,
            report=lambda _: report.to_dict(),
            done=True,
        )
    return report


def _count(report: ReparseReport, chunk: Sequence[ArticleCapture], found: Sequence[Read]) -> None:
    for capture, read in zip(chunk, found, strict=True):
        report.considered += 1
        if read.not_article is not None:
            # Left as it is: a parser that no longer sees the article is more likely wrong
            # than the page, and this is for a person to look at.
            report.not_articles[read.not_article] += 1
            report.refused.append(f"{capture.url}: now read as no article ({read.not_article})")
        elif read.error is not None:
            report.refused.append(f"{capture.url}: {read.error}")


def _count_written(
    report: ReparseReport, chunk: Sequence[ArticleCapture], outcomes: Sequence[Reread]
) -> None:
    for capture, outcome in zip(chunk, outcomes, strict=True):
        if outcome.refused is not None:
            report.refused.append(f"{capture.url}: {outcome.refused}")
        elif outcome.changed:
            report.changed += 1
            report.fields.update(outcome.changed)


Chunks = Iterator[tuple[Sequence[ArticleCapture], list[Read]]]  # in the order given


def _here(archive: Archive, chunks: list[list[ArticleCapture]], stop: Stop | None) -> Chunks:
    for chunk in chunks:
        if stop is not None and stop():
            return
        yield chunk, read_chunk(archive, chunk)


def _in_pool(
    url: str, chunks: list[list[ArticleCapture]], workers: int, stop: Stop | None
) -> Chunks:
    """Chunks read by `workers` processes, a few ahead each, yielded in their order (so that
    all before the last one yielded are done: the point to resume from). A stop lets the
    chunks being read finish, and yields those that follow on from the others."""
    context = get_context("spawn")  # nothing of this process (its archive, its threads) copied
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_reader, initargs=(url,)
    ) as pool:
        running: dict[Future[list[Read]], int] = {}
        ready: dict[int, list[Read]] = {}
        handed = following = 0  # the next chunk to hand out; the next to yield
        while following < len(chunks):
            while handed < len(chunks) and len(running) < 2 * workers and not (stop and stop()):
                running[pool.submit(_read_in_reader, chunks[handed])] = handed
                handed += 1
            if not running:
                return
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                ready[running.pop(future)] = future.result()
            while following in ready:
                yield chunks[following], ready.pop(following)
                following += 1


def read_chunk(archive: Archive, chunk: Sequence[ArticleCapture]) -> list[Read]:
    """Each capture of `chunk` read again from its body in the archive, and its record set
    beside the one stored (so that the writer rewrites only those that differ)."""
    bodies, stored = archive.reread_sources(chunk)
    return [
        _read(capture, zlib.decompress(bodies[capture.raw_page_id]), stored.get(capture.article_id))
        for capture in chunk
    ]


def _read(capture: ArticleCapture, body: bytes, stored: Article | None) -> Read:
    try:
        article = parse_article(body, capture.page_url)
    except NotAnArticle as exc:
        return Read(not_article=exc.kind)
    except Exception as exc:
        # A bug of the parser on one page costs that page, never a re-parse of a million.
        return Read(error=f"parser error: {type(exc).__name__}: {exc}")
    if stored is not None and _content(stored) == _content(article):
        return Read(article)
    # What the writer needs to rewrite it, worked out here: the writer is one process, the
    # readers one a core.
    return Read(article, prepare(b"", article))


def _content(article: Article) -> dict[str, Any]:
    """The record but for the version of the parser that read it."""
    found = article.to_dict()
    del found["parser_version"]
    return found


_reader: Archive | None = None  # a reading process's own connection to the archive


def _start_reader(url: str) -> None:
    global _reader
    # Signals are the writer's to handle: Ctrl-C reaches the whole group, and the writer stops
    # handing out chunks, lets these finish and writes them.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _reader = Archive.open(url, create=False)


def _read_in_reader(chunk: Sequence[ArticleCapture]) -> list[Read]:
    assert _reader is not None
    return read_chunk(_reader, chunk)
