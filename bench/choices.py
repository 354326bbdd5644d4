"""7. Choices kept for their cost: two decisions the code states without a figure, measured.

- Records pickled by fields (`record.PickledByFields`). A crawl's reading workers send back what
  they read of each page (`runs.readers`: the page's `Reading`, with its article, links and what
  the store derives from it), pickled in the worker and unpickled in the crawl. Measured: that
  round trip per page as the code pickles it, against the same objects pickled as dataclasses
  pickle a slots class (`PickledByFields.__reduce__` set aside: the baseline), in turn, page by
  page, in one run.
- sniffio a dependency. httpcore imports it each time it sets up a lock
  (`current_async_library`), several times a request; without sniffio installed every one of
  those imports fails, after a search of the whole of `sys.path`. Measured: an import of a
  module no path holds (as sniffio's would, absent) against the import of sniffio installed,
  and how many times httpcore asks for it a request (counted over requests to a server on
  127.0.0.1).
"""

from __future__ import annotations

import asyncio
import pickle
import statistics
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpcore._synchronization as synchronization
import httpx

from newsarchive.config import CrawlSettings
from newsarchive.record import PickledByFields
from newsarchive.runs.readers import read_page

from .common import Figure, FixtureArticle, Outcome, median_time

SECTION = "7. Choices"
MISSING = "newsarchive_bench_no_such_module"  # on no path: its import fails as sniffio's would
IMPORTS_TIMED = 1000  # imports per timed sample: one alone is below the clock's resolution
LISTING_PAGES = CrawlSettings().listing_pages


def run(pages: list[FixtureArticle], *, repeat: int, requests: int = 50) -> Outcome:
    """Per page, the median of `repeat` pickle round trips of its reading either way; `repeat`
    samples of IMPORTS_TIMED imports either way; `requests` requests to count httpcore's asks."""
    outcome = Outcome()
    _pickling(outcome, pages, repeat)
    _sniffio(outcome, repeat, requests)
    return outcome


# -- records pickled by fields ---------------------------------------------------------------


@contextmanager
def dataclass_pickling() -> Iterator[None]:
    """Records pickle as dataclasses pickle a frozen slots class (`object.__reduce_ex__` with
    the dataclass's `__getstate__`/`__setstate__`), not by `PickledByFields.__reduce__`."""
    by_fields = PickledByFields.__dict__["__reduce__"]
    del PickledByFields.__reduce__  # type: ignore[misc]
    try:
        yield
    finally:
        PickledByFields.__reduce__ = by_fields  # type: ignore[method-assign]


def round_trip(message: object) -> object:
    return pickle.loads(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _pickling(outcome: Outcome, pages: list[FixtureArticle], repeat: int) -> None:
    ours: list[float] = []
    plain: list[float] = []
    sizes: list[int] = []
    for ident, page in enumerate(pages):
        # What a worker sends back for an article page: (ident, its Reading).
        message = (ident, read_page("article", page.fetched_url, page.html, LISTING_PAGES))
        if round_trip(message) != message:
            raise SystemExit(f"bench: {page.name}: its reading does not survive pickling")
        ours.append(median_time(lambda m=message: round_trip(m), repeat))
        with dataclass_pickling():
            if round_trip(message) != message:
                raise SystemExit(f"bench: {page.name}: pickled as dataclasses, it changes")
            plain.append(median_time(lambda m=message: round_trip(m), repeat))
        sizes.append(len(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)))
    by_fields, dataclass = statistics.median(ours) * 1e6, statistics.median(plain) * 1e6
    ratio = by_fields / dataclass
    outcome.numbers |= {"pickle_by_fields_us": by_fields, "pickle_dataclass_us": dataclass}
    outcome.figures.append(
        Figure(
            SECTION,
            f"a page's reading pickled and unpickled, records by fields (`PickledByFields`), "
            f"median per page ({len(pages)} generated pages, median message "
            f"{statistics.median(sizes) / 1024:,.0f} KB)",
            f"{by_fields:.1f} µs",
            f"pickled as dataclasses: {dataclass:.1f} µs",
            f"{ratio:.2f}× the dataclass pickle",
            "< 1× the dataclass pickle",
            ratio < 1,
        )
    )
    outcome.details += [
        f"### {SECTION}: records pickled by fields",
        "",
        f"Per page, {repeat} round trips (`pickle.dumps`, highest protocol, then `pickle.loads`) "
        "of what a reading worker sends back for it, either way in turn; medians per page, "
        "then the median over the pages.",
        "",
        "| pickled | median µs | fastest page µs | slowest page µs |",
        "|---|---:|---:|---:|",
        f"| by fields | {by_fields:.1f} | {min(ours) * 1e6:.1f} | {max(ours) * 1e6:.1f} |",
        f"| as dataclasses | {dataclass:.1f} | {min(plain) * 1e6:.1f} | {max(plain) * 1e6:.1f} |",
        "",
    ]


# -- sniffio -------------------------------------------------------------------------------


def importing(name: str) -> Callable[[], None]:
    """IMPORTS_TIMED imports of `name`, failed or not, as httpcore writes them."""

    def imports() -> None:
        for _ in range(IMPORTS_TIMED):
            try:  # noqa: SIM105 (as httpcore writes it: suppress() would cost more than the import)
                __import__(name)
            except ImportError:
                pass

    return imports


def httpcore_asks(requests: int) -> int:
    """How many times httpcore asked for the async library (imported sniffio) over `requests`
    GETs by one `httpx.AsyncClient` to a server on 127.0.0.1."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    asked = 0
    original = synchronization.current_async_library

    def counted() -> str:
        nonlocal asked
        asked += 1
        return original()

    async def fetch() -> None:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        async with httpx.AsyncClient() as client:
            for _ in range(requests):
                (await client.get(url)).raise_for_status()

    synchronization.current_async_library = counted
    try:
        asyncio.run(fetch())
    finally:
        synchronization.current_async_library = original
        server.shutdown()
        server.server_close()
        thread.join()
    return asked


class _Answer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a crawl's connections are

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _sniffio(outcome: Outcome, repeat: int, requests: int) -> None:
    __import__("sniffio")  # installed: from here on found in sys.modules, as in a crawl
    failed = median_time(importing(MISSING), repeat) / IMPORTS_TIMED
    present = median_time(importing("sniffio"), repeat) / IMPORTS_TIMED
    per_request = httpcore_asks(requests) / requests
    ratio = failed / present
    outcome.numbers |= {
        "sniffio_failed_import_ms": failed * 1e3,
        "sniffio_import_us": present * 1e6,
        "sniffio_imports_per_request": per_request,
    }
    outcome.figures.append(
        Figure(
            SECTION,
            f"`import sniffio` with sniffio not installed (fails after searching the "
            f"{len(sys.path)} entries of `sys.path`); httpcore imports it {per_request:.3g} "
            f"times a request: {failed * per_request * 1e3:.2f} ms a request",
            f"{failed * 1e3:.3f} ms",
            f"installed: {present * 1e6:.2f} µs",
            f"{ratio:,.0f}× the import installed",
        )
    )
    outcome.details += [
        f"### {SECTION}: sniffio installed",
        "",
        f"Medians of {repeat} samples of {IMPORTS_TIMED} imports each: `{MISSING}` (on no path, "
        "its import fails as sniffio's does when it is not installed) and `sniffio` (installed, "
        f"found in `sys.modules`). httpcore's `current_async_library` (which imports sniffio) "
        f"was called {per_request:.3g} times a request over {requests} GETs by one "
        "`httpx.AsyncClient` on a kept-alive connection to a server on 127.0.0.1.",
        "",
    ]
