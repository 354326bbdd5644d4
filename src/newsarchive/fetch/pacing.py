"""Per-host politeness: requests to one netloc start at least an interval apart, and further apart
while the host shows strain.

The interval asked for (the configured delay, or robots.txt's Crawl-delay if longer) is the floor.
A 429 or 503 doubles the spacing to that host, a slow response stretches it by half, up to a
ceiling; each answer that comes back quickly then shrinks it by a tenth, back towards the floor.
A Retry-After holds every request to the host, not only the retry of the URL that got it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class HostGate(Protocol):
    """A politeness limit shared with other processes (crawls on one PostgreSQL archive): the
    fetcher passes every request through it, on top of its own pacing. `host` is the netloc,
    `spacing` the least time between two request starts to it that this process keeps."""

    async def wait_turn(self, host: str, spacing: float) -> None:
        """Return when a request to `host` may start: called the moment its head is about to
        be written, the connection made."""

    def started(self, host: str, spacing: float, late: float) -> None:
        """The request's head is written, `late` seconds after its turn came (time the process
        was kept from sending, by other work or the operating system)."""


PRESSURE_STATUSES = frozenset({429, 503})  # the server says it is overloaded or we are too fast
GROW_ON_PRESSURE = 2.0
GROW_WHEN_SLOW = 1.5
SHRINK_WHEN_WELL = 0.9  # ~7 quick answers halve the extra spacing: slow to trust again


class HostPacer:
    """Hands out request start times per netloc, start-to-start, across concurrent tasks."""

    def __init__(self, *, step: float = 1.0, ceiling: float = 60.0, slow: float = 5.0) -> None:
        """`step`: the least spacing strain imposes (so it grows even from a zero delay);
        `ceiling`: the most; `slow`: seconds after which a response counts as slow."""
        self._step = step
        self._ceiling = ceiling
        self._slow = slow
        self._locks: dict[str, asyncio.Lock] = {}
        self._next_start: dict[str, float] = {}
        self._strained: dict[str, float] = {}  # spacing imposed by strain, seconds

    def spacing(self, netloc: str, interval: float) -> float:
        """Seconds between two request starts to `netloc` now: never below `interval`."""
        return max(interval, self._strained.get(netloc, 0.0))

    async def wait_turn(self, netloc: str, interval: float) -> None:
        """Return when a request to `netloc` may start; the caller starts it right away."""
        lock = self._locks.get(netloc)
        if lock is None:  # not setdefault(): that would build a Lock on every call
            lock = self._locks[netloc] = asyncio.Lock()
        # The lock is held while sleeping so waiters line up in order and none can
        # slip in between another's wake-up and its booking of the next slot.
        async with lock:
            delay = self._next_start.get(netloc, 0.0) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self._next_start[netloc] = time.monotonic() + self.spacing(netloc, interval)

    def observe(
        self,
        netloc: str,
        interval: float,
        *,
        status: int | None,
        elapsed: float,
        retry_after: float | None = None,
    ) -> None:
        """Learn from one answer (status None: none came) that took `elapsed` seconds; a
        Retry-After on a 429 or 503 holds every request to the host that long."""
        current = self.spacing(netloc, interval)
        if status in PRESSURE_STATUSES:
            grown = max(current * GROW_ON_PRESSURE, self._step)
        elif elapsed > self._slow:
            grown = max(current * GROW_WHEN_SLOW, self._step)
        elif status is not None and status < 500:
            grown = current * SHRINK_WHEN_WELL
        else:  # a failure that says nothing of load: keep the pace as it is
            grown = current
        strained = min(grown, self._ceiling)
        if strained <= interval:
            self._strained.pop(netloc, None)
        else:
            self._strained[netloc] = strained
        # The slot booked at this request's start moves out to the new spacing, so the very
        # next request already keeps it.
        now = time.monotonic()
        booked = self._next_start.get(netloc, now)
        self._next_start[netloc] = max(booked, now + strained - min(elapsed, strained))
        if status in PRESSURE_STATUSES and retry_after is not None and retry_after > 0:
            hold = now + min(retry_after, self._ceiling)
            self._next_start[netloc] = max(self._next_start[netloc], hold)
