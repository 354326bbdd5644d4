"""Rate limiters and other refusers for the fault server (FaultServer(limiter=...)), as CDNs and
overloaded sites behave: each is asked about every request and refuses it, or lets it through to
the routed answer. Each counts what it refused."""

from __future__ import annotations

import email.utils
import math
import threading
import time
from collections.abc import Callable

from faultserver import Reply


def refusal(status: int, retry_after: str | None) -> Reply:
    headers = (("Retry-After", retry_after),) if retry_after is not None else ()
    return Reply(status=status, headers=headers, body=b"slow down")


class TokenBucket:
    """`rate` requests a second, `burst` at once; beyond, 429 (with Retry-After, in whole seconds
    until the next token, when `retry_after`). Its clock is the server's."""

    def __init__(self, rate: float, *, burst: float | None = None, retry_after: bool = True):
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self.retry_after = retry_after
        self.tokens = self.burst
        self.at = time.monotonic()
        self.refused = 0
        self.log: list[bool] = []  # refused?, request by request
        self.times: list[float] = []  # when each came
        self._lock = threading.Lock()  # several servers may share one limiter

    def __call__(self, path: str) -> Reply | None:
        with self._lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
            self.at = now
            self.times.append(now)
            self.log.append(self.tokens < 1.0)
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return None
            self.refused += 1
            wait = math.ceil((1.0 - self.tokens) / self.rate)
        return refusal(429, str(max(1, wait)) if self.retry_after else None)

    def settled_rate(self) -> float:
        """Requests let through a second over the second half of those that came."""
        half = len(self.log) // 2
        span = self.times[-1] - self.times[half] if len(self.times) > half + 1 else 0.0
        passed = self.log[half:].count(False)
        return passed / span if span > 0 else 0.0


class FirstRefused:
    """The first request of every path: 429 with `Retry-After: first`; every third request: 503
    with `Retry-After: third`. Neither depends on the pace; a retry of a path goes through (if it
    is not a third request)."""

    def __init__(
        self,
        first: str | None = "2",
        third: str | None = "1",
        only: Callable[[str], bool] | None = None,
    ) -> None:
        """`first` None: a bare 429, no Retry-After; `third` None: no 503s; `only`: the paths
        refused (all when None)."""
        self.first, self.third = first, third
        self.only = only
        self.seen: set[str] = set()
        self.count = 0
        self.refused = 0

    def __call__(self, path: str) -> Reply | None:
        if self.only is not None and not self.only(path):
            return None
        self.count += 1
        new = path not in self.seen
        self.seen.add(path)
        if self.third is not None and self.count % 3 == 0:
            self.refused += 1
            return refusal(503, self.third)
        if new:
            self.refused += 1
            return refusal(429, self.first)
        return None


class DateRefused(FirstRefused):
    """The first request of every path: 429 with a Retry-After as an HTTP date `ahead` seconds
    on (whole seconds: the date has no finer grain)."""

    def __init__(self, ahead: int = 2, only: Callable[[str], bool] | None = None) -> None:
        super().__init__(third=None, only=only)
        self.ahead = ahead

    def __call__(self, path: str) -> Reply | None:
        self.first = email.utils.formatdate(time.time() + self.ahead, usegmt=True)
        return super().__call__(path)


class AbsurdRefused(FirstRefused):
    """The first request of every path: 429 with an absurd Retry-After, in turn a day, a
    negative number, words, a fraction."""

    VALUES = ("86400", "-5", "soon", "1.5")

    def __init__(self, only: Callable[[str], bool] | None = None) -> None:
        super().__init__(third=None, only=only)

    def __call__(self, path: str) -> Reply | None:
        if path not in self.seen:
            self.first = self.VALUES[len(self.seen) % len(self.VALUES)]
        return super().__call__(path)


class Down:
    """Every request but robots.txt (a CDN's cache still has it): 503, with `Retry-After` when
    given."""

    def __init__(self, retry_after: str | None = "1") -> None:
        self.retry_after = retry_after
        self.refused = 0

    def __call__(self, path: str) -> Reply | None:
        if path == "/robots.txt":
            return None
        self.refused += 1
        return refusal(503, self.retry_after)
