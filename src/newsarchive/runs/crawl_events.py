"""A crawl's one stream of events and who hears them: the JSON log, the terminal's progress
line and the WARC writer (`newsarchive crawl` subscribes them), or a test's own collector.

In the shape of httpx's `event_hooks`: `EventHooks` maps an event's name to the callables that
hear it, in order, as many as like. Every event but one is a line of the JSON log, a dict
`{"event": name, **fields}`: run_started, fetched, article, pace, alarm, stopped, summary.

The one that is not is `landed`: a fetch as it came back, before it is stored. Its hooks get the
page on its way to the archive and may set its `warc`, where the WARC writer wrote it, which the
store keeps with the raw page. It cannot be `fetched`: that line tells how the page was stored.
A field set on the page, not a value returned: every hook then has one shape (it returns
nothing), the page carries its link from the hook to the store, and a list of hooks needs no
rule for whose answer counts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypedDict

if TYPE_CHECKING:
    from .crawl_writes import LandedPage

Event = dict[str, Any]  # one line of the JSON log
Hook = Callable[[Event], None]
LandedHook = Callable[["LandedPage"], None]
Line = Literal["run_started", "fetched", "article", "pace", "alarm", "stopped", "summary"]


class EventHooks(TypedDict, total=False):
    landed: list[LandedHook]  # each fetch before it is stored; may set the page's `warc`
    run_started: list[Hook]
    fetched: list[Hook]  # each fetch as stored, after any `article` of it
    article: list[Hook]  # an article stored new or updated
    pace: list[Hook]
    alarm: list[Hook]
    stopped: list[Hook]
    summary: list[Hook]  # the last event of every run, even one that failed


def every_line(hook: Hook) -> EventHooks:
    """`hook` hears every event that is a line of the JSON log."""
    return {
        "run_started": [hook],
        "fetched": [hook],
        "article": [hook],
        "pace": [hook],
        "alarm": [hook],
        "stopped": [hook],
        "summary": [hook],
    }


class Events:
    """The crawl's side of the stream. Hooks added to `hooks` after the crawl was made hear
    what comes after (the progress line needs the crawl's report)."""

    def __init__(self, hooks: EventHooks | None = None) -> None:
        self.hooks: EventHooks = {} if hooks is None else hooks

    def emit(self, name: Line, **fields: Any) -> None:
        hooks = self.hooks.get(name)
        if hooks:
            event: Event = {"event": name, **fields}
            for hook in hooks:
                hook(event)

    def landed(self, page: LandedPage) -> None:
        for hook in self.hooks.get("landed", ()):
            hook(page)
