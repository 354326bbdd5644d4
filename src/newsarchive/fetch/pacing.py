"""Per-host politeness: requests to one netloc start at least an interval apart."""

from __future__ import annotations

import asyncio
import time


class HostPacer:
    """Hands out request start times per netloc, start-to-start, across concurrent tasks."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._next_start: dict[str, float] = {}

    async def wait_turn(self, netloc: str, interval: float) -> None:
        """Return when a request to `netloc` may start; the caller starts it right away."""
        lock = self._locks.setdefault(netloc, asyncio.Lock())
        # The lock is held while sleeping so waiters line up in order and none can
        # slip in between another's wake-up and its booking of the next slot.
        async with lock:
            delay = self._next_start.get(netloc, 0.0) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self._next_start[netloc] = time.monotonic() + interval
