"""What a crawl is asked to do (`CrawlOptions`) and what it did (`CrawlReport`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from ..discover import DateWindow
from ..errors import Status
from ..fetch import PaceChange

Mode = Literal["incremental", "recheck", "backfill"]


@dataclass(frozen=True)
class CrawlOptions:
    mode: Mode = "incremental"
    window: DateWindow | None = None  # the period of a back-fill
    max_duration: float | None = None  # seconds of wall clock, then a clean stop


@dataclass
class CrawlReport:
    counts: Counter[str] = field(default_factory=Counter)  # fetched/new/updated/unchanged/failed
    failures: Counter[str] = field(default_factory=Counter)  # by cause
    outcomes: Counter[str] = field(default_factory=Counter)  # fetches by outcome
    revisits: int = 0  # archived pages made due by this run
    stopped_early: str | None = None  # why the run gave up on the site, when it did
    stopped: str | None = None  # why the run stopped before the frontier was done (a signal)
    time_up: str | None = None  # the time limit reached: an expected stop, the next run goes on
    left: int = 0  # entries still pending after a stop, for the next run
    refused: Counter[int] = field(default_factory=Counter)  # 429s and 503s received, by status
    held: float = 0.0  # seconds hosts were held by those refusals
    pace: dict[str, PaceChange] = field(default_factory=dict)  # the last change per host
    abandoned: int = 0  # fetches in flight at a stop that were given up (still pending)
    alarms: list[str] = field(default_factory=list)
    fetched_kinds: Counter[str] = field(default_factory=Counter)  # fetches by frontier kind
    read_generically: int = 0  # articles no layout's rules know (an alarm only when most are)
    generic_example: str | None = None  # the first of them
    exit_status: int = Status.OK

    def summary_line(self) -> str:
        c = self.counts
        return (
            f"fetched {c['fetched']}, new {c['new']}, updated {c['updated']}, "
            f"unchanged {c['unchanged']}, failed {c['failed']}"
        )

    def note(self) -> str | None:
        """What went wrong or was cut short, in a line or two; None for a run that just ran."""
        parts = [p for p in (self.stopped_early, self.stopped, self.time_up, *self.alarms) if p]
        return "; ".join(parts) or None
