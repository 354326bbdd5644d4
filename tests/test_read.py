"""Reading fetched pages in worker processes: the same readings as in the crawl's own process,
and a worker that dies costs one page, not the run."""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import subprocess
import sys
import time
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_store import full_article

from newsarchive.derived.prepared import PackedBody, Prepared, prepare
from newsarchive.discover import Found
from newsarchive.record import Article, Image, PickledByFields, Related
from newsarchive.runs.readers import PARSER_ERROR, Readers, Reading, read_page

SITE = Path(__file__).resolve().parent.parent / "fixtures" / "site"
ARTICLE = next(iter(sorted(SITE.rglob("*.expected.json"))))
PAGE = ARTICLE.with_name(ARTICLE.name.replace(".expected.json", ".html"))
URL = "https://kinhtedothi.vn/" + PAGE.relative_to(SITE).as_posix()
HOME = SITE / "index.html"


def test_a_worker_reads_pages_exactly_as_the_crawls_own_process_does() -> None:
    pages = [
        ("article", URL, PAGE.read_bytes()),
        ("listing", "https://kinhtedothi.vn/", HOME.read_bytes()),
        ("sitemap", "https://kinhtedothi.vn/sitemap.xml", (SITE / "sitemap.xml").read_bytes()),
        ("article", URL, b"<html><body>Checking your browser</body></html>"),
    ]

    async def read_all(workers: int) -> list[Reading]:
        async with Readers(workers, max_listing_page=2) as readers:
            return [await readers.read(*page) for page in pages]

    async def read_together(workers: int) -> tuple[list[Reading], int]:
        async with Readers(workers, max_listing_page=2) as readers:
            found = await asyncio.gather(*(readers.read(*page) for page in pages))
            return list(found), len(_workers_of(os.getpid()))

    here = [read_page(*page, max_listing_page=2) for page in pages]
    # Pages landing together are read by the one worker asked for, not one started for each.
    assert asyncio.run(read_together(1)) == (here, 1)
    assert [reading.kind for reading in here][:3] == ["article", "listing", "sitemap"]
    assert all(reading.found for reading in here[:3])
    assert asyncio.run(read_all(1)) == here
    assert asyncio.run(read_all(0)) == here


def test_a_worker_that_dies_costs_its_page_as_a_parser_error_and_is_replaced() -> None:
    body = PAGE.read_bytes()

    async def scenario() -> tuple[Reading, Reading, Reading]:
        async with Readers(1, max_listing_page=2) as readers:
            first = await readers.read("article", URL, body)
            [worker] = readers._slots
            assert worker is not None
            os.kill(worker.process.pid, signal.SIGSTOP)  # so that it holds the next page
            held = asyncio.ensure_future(readers.read("article", URL, body))
            await asyncio.sleep(0.2)
            os.kill(worker.process.pid, signal.SIGKILL)  # a crash in the HTML parser looks so
            lost = await held
            again = await readers.read("article", URL, body)
            return first, lost, again

    first, lost, again = asyncio.run(scenario())
    assert first.kind == "article"
    assert (lost.kind, lost.detail) == (PARSER_ERROR, "parser error: the reading process died")
    assert again == first


def test_workers_ignore_the_signals_the_crawl_handles_itself() -> None:
    body = PAGE.read_bytes()

    async def scenario() -> Reading:
        async with Readers(1, max_listing_page=2) as readers:
            await readers.read("article", URL, body)
            [worker] = readers._slots
            assert worker is not None
            os.kill(worker.process.pid, signal.SIGINT)  # Ctrl-C reaches the whole group
            os.kill(worker.process.pid, signal.SIGTERM)  # and so does systemd's stop
            await asyncio.sleep(0.3)
            return await readers.read("article", URL, body)

    assert asyncio.run(scenario()).kind == "article"


WORKER_OF_A_CRAWL = """
import asyncio, sys, time
from newsarchive.runs.readers import Readers

async def main():
    readers = Readers(1, max_listing_page=2)
    await readers.read("listing", "https://kinhtedothi.vn/", b"<html></html>")
    print(readers._slots[0].process.pid, flush=True)
    time.sleep(60)

asyncio.run(main())
"""


def _workers_of(parent: int) -> list[int]:
    """The reading processes among `parent`'s children."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == parent and b"newsarchive.runs.readers" in command:
            found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return not any(line.startswith("State:\tZ") for line in status)
    except FileNotFoundError:
        return False


def test_a_worker_leaves_when_its_crawl_is_killed() -> None:
    crawl = subprocess.Popen(
        [sys.executable, "-c", WORKER_OF_A_CRAWL], stdout=subprocess.PIPE, text=True
    )
    try:
        assert crawl.stdout is not None
        worker = int(crawl.stdout.readline())
        assert _running(worker)
    finally:
        crawl.kill()
        crawl.wait()
    deadline = time.monotonic() + 10
    while _running(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(worker)


def test_where_no_worker_can_start_pages_are_read_in_the_crawls_own_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    body = PAGE.read_bytes()

    async def scenario() -> list[Reading]:
        async with Readers(1, max_listing_page=2) as readers:
            return [await readers.read("article", URL, body) for _ in range(2)]

    assert asyncio.run(scenario()) == [read_page("article", URL, body, 2)] * 2


def test_what_a_worker_sends_back_unpickles_whole() -> None:
    article = full_article()
    found = Found(URL, "article", "sitemap", datetime(2024, 3, 15, tzinfo=UTC))
    values: list[PickledByFields] = [article, found, prepare(PAGE.read_bytes(), article)]
    values += [*article.images, *article.related]
    for value in values:
        assert pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) == value
    # Pickled by the constructor's arguments: every field must be one of them.
    for cls in (Article, Image, Related, Found, Prepared, PackedBody):
        assert cls.__match_args__ == tuple(f.name for f in fields(cls)), cls
