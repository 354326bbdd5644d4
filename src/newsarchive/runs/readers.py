"""Reading fetched pages: the article and the links of each, and what the store derives from
it (`prepare`), in worker processes beside the crawl's own, so that fetching, reading and
writing use more than one core.

Parsing a page costs about as much as fetching it, and Python runs one thread at a time: in the
crawl's own process the two take turns (bench/results.md, crawl). `Readers` hands pages to
`workers` processes (0: reads them in the crawl's own process). Each is a Python
running `serve`, fed pickled pages on its stdin and answering on its stdout: nothing of the
crawl's process (its main module, its open archive, its threads) is copied or run again there,
and a worker whose crawl died sees its stdin end and leaves. A worker that dies (a crash in the
HTML parser on some page) costs the pages it held, as parser errors, and is replaced.
"""

from __future__ import annotations

import asyncio
import pickle
import signal
import struct
import sys
from collections import deque
from dataclasses import dataclass, field, replace
from itertools import count
from types import TracebackType

from selectolax.lexbor import LexborHTMLParser

from ..derived.prepared import Prepared, prepare
from ..discover import Found, links_in_feed, links_in_page, links_in_sitemap
from ..parse import NotAnArticle, parse_article
from ..record import Article

PARSER_ERROR = "parser_error"  # the page kind recorded when the parser itself broke
_FRAME = struct.Struct("!I")  # each message: its length, then the pickle


@dataclass(frozen=True)
class Reading:
    """What was read from a page: its kind, the article (if it is one), the links worth
    following, what more the parser said of a page that is none, and what the store derives
    from the page."""

    kind: str
    article: Article | None = None
    found: list[Found] = field(default_factory=list)
    detail: str | None = None
    prepared: Prepared | None = None


def read_page(
    kind: str, url: str, body: bytes, max_listing_page: int, depth: int | None = None
) -> Reading:
    """Read a fetched page of frontier kind `kind` at site URL `url`, and work out what the
    store derives from it (`prepare`): here, in a reading worker, not in the crawl's process.
    A listing at `depth` of its section's paging (`links_in_page`) gives its next page and its
    teasers too; a "page" (a URL of no known form) is an article if the parser says so."""
    reading = _read(kind, url, body, max_listing_page, depth)
    return replace(reading, prepared=prepare(body, reading.article))


def _read(kind: str, url: str, body: bytes, max_listing_page: int, depth: int | None) -> Reading:
    links: list[Found] = []
    try:
        if kind == "sitemap":
            return Reading("sitemap", found=links_in_sitemap(body))
        if kind == "feed":
            return Reading("feed", found=links_in_feed(body))
        tree = LexborHTMLParser(body)  # one parse for the links and the article alike
        listing_depth = depth if kind == "listing" else None
        links = links_in_page(
            body, url, max_listing_page=max_listing_page, tree=tree, depth=listing_depth
        )
        # A listing without a single link is asked what it is too: a bot check looks so.
        asked = kind in ("article", "page") or not links
        article = parse_article(body, url, tree=tree) if asked else None
    except NotAnArticle as exc:
        return Reading(exc.kind, found=links, detail=exc.detail)
    except Exception as exc:
        # A bug of ours on one page must cost that page (failed, tried again by a later run,
        # after a fix), never the run, nor every run that resumes after it.
        return Reading(PARSER_ERROR, detail=f"parser error: {type(exc).__name__}: {exc}")
    if kind == "listing" or article is None:
        return Reading("listing", found=links)
    return Reading("article", article, links)


class Readers:
    """Reads pages in `workers` processes (0: in this one). Use as an async context manager."""

    def __init__(self, workers: int, max_listing_page: int) -> None:
        self.max_listing_page = max_listing_page
        self._slots: list[_Worker | None] = [None] * max(0, workers)
        self._starting = asyncio.Lock()  # pages landing together start one worker, not several

    async def __aenter__(self) -> Readers:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        for worker in self._slots:
            if worker is not None:
                await worker.close()
        self._slots = [None] * len(self._slots)

    async def read(self, kind: str, url: str, body: bytes, depth: int | None = None) -> Reading:
        worker = await self._least_busy() if self._slots else None
        if worker is None:
            return read_page(kind, url, body, self.max_listing_page, depth)
        return await worker.read((kind, url, body, self.max_listing_page, depth))

    async def _least_busy(self) -> _Worker | None:
        """The worker holding the fewest pages; None when no process can be started here (no
        fork allowed, no interpreter at sys.executable): then pages are read in this one."""
        async with self._starting:
            try:
                for i, worker in enumerate(self._slots):
                    if worker is None or worker.dead:
                        self._slots[i] = await _Worker.start()
            except OSError:
                await self.close()
                self._slots = []
                return None
        workers = [worker for worker in self._slots if worker is not None]
        return min(workers, key=lambda worker: len(worker.waiting))


class _Worker:
    """One reading process and the pages it holds, each answered by its number."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.waiting: dict[int, asyncio.Future[Reading]] = {}
        self.dead = False
        self._ids = count()
        self._said: deque[str] = deque(maxlen=1)  # its last line on stderr, kept as it goes
        self._listener = asyncio.create_task(self._listen())
        self._stderr = asyncio.create_task(self._keep_last_word())

    @classmethod
    async def start(cls) -> _Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from newsarchive.runs.readers import serve; serve()",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def read(self, page: tuple[str, str, bytes, int, int | None]) -> Reading:
        if self.dead:
            return _died("")
        assert self.process.stdin is not None
        ident = next(self._ids)
        answer: asyncio.Future[Reading] = asyncio.get_running_loop().create_future()
        self.waiting[ident] = answer
        data = pickle.dumps((ident, page), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.process.stdin.write(_FRAME.pack(len(data)) + data)
            await self.process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the listener sees it die and answers for it
        return await answer

    async def _listen(self) -> None:
        assert self.process.stdout is not None
        try:
            while True:
                head = await self.process.stdout.readexactly(_FRAME.size)
                (size,) = _FRAME.unpack(head)
                ident, reading = pickle.loads(await self.process.stdout.readexactly(size))
                answer = self.waiting.pop(ident, None)
                if answer is not None and not answer.done():
                    answer.set_result(reading)
        except (asyncio.IncompleteReadError, ConnectionResetError):
            pass
        self.dead = True
        await self._stderr
        for answer in self.waiting.values():
            if not answer.done():
                answer.set_result(_died(self._said[-1] if self._said else ""))
        self.waiting.clear()

    async def _keep_last_word(self) -> None:
        """Read stderr as it comes (a full pipe would stall the worker), keeping the last line:
        what a worker that died said last."""
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            if said := line.decode("utf-8", "replace").strip():
                self._said.append(said)

    async def close(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()  # the worker's cue to leave
        try:
            await asyncio.wait_for(self.process.wait(), timeout=5)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        await self._listener


def _died(said: str) -> Reading:
    detail = "parser error: the reading process died" + (f" ({said})" if said else "")
    return Reading(PARSER_ERROR, detail=detail)


def serve() -> None:
    """A worker's life: read each page that comes on stdin and answer on stdout, until stdin
    ends (the crawl is done, or died)."""
    # Signals are the crawl's to handle: Ctrl-C and systemd's stop reach the whole group, and
    # the crawl stops cleanly, then closes this worker's stdin.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while head := source.read(_FRAME.size):
        (size,) = _FRAME.unpack(head)
        ident, page = pickle.loads(source.read(size))
        data = pickle.dumps((ident, read_page(*page)), protocol=pickle.HIGHEST_PROTOCOL)
        sink.write(_FRAME.pack(len(data)) + data)
        sink.flush()
