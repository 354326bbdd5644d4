"""Crawl progress on a terminal (rich); silent when output is not a terminal."""

from __future__ import annotations

import sys
from types import TracebackType

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from .crawl import CrawlReport


class TerminalProgress:
    def __init__(self, *, enabled: bool = True) -> None:
        console = Console(file=sys.stderr)
        self._progress: Progress | None = None
        if enabled and console.is_terminal:
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self._task = self._progress.add_task("starting")

    def __enter__(self) -> TerminalProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, url: str, report: CrawlReport, pending: int) -> None:
        if self._progress is None:
            return
        c = report.counts
        text = (
            f"fetched {c['fetched']} · new {c['new']} · updated {c['updated']} · "
            f"failed {c['failed']} · {pending} to go · {url}"
        )
        self._progress.update(self._task, description=text)
