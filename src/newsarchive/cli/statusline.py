"""One line of progress on a terminal's stderr (rich), silent when it is not a terminal."""

from __future__ import annotations

import sys
from types import TracebackType

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class StatusLine:
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

    def __enter__(self) -> StatusLine:
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

    @property
    def active(self) -> bool:
        """Whether anything is shown: callers skip work for a line nobody sees."""
        return self._progress is not None

    def show(self, text: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=text)
