"""robots.txt: fetched once per netloc, parsed by protego, asked before every request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

# Google's convention: when robots.txt cannot be had (5xx, 429, network error) the site
# may be in trouble or hiding its rules, so nothing is fetched; we ask again after a
# minute rather than giving up on the host for the whole run.
UNAVAILABLE_RETRY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class RobotsFile:
    """What asking for /robots.txt gave: the final status (None without a response)."""

    status: int | None
    body: bytes
    error: str | None = None


RobotsLoader = Callable[[str], Awaitable[RobotsFile]]


@dataclass(frozen=True, slots=True)
class _Rules:
    parsed: Protego | None  # None: everything allowed
    unavailable: str | None = None  # set: everything disallowed, this is why
    retry_at: float = float("inf")  # time.monotonic() after which to fetch again


class RobotsRules:
    """The robots.txt rules of every netloc this run has asked about, for one user agent token."""

    def __init__(self, token: str, load: RobotsLoader) -> None:
        self._token = token
        self._load = load
        self._rules: dict[str, _Rules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def refusal(self, url: str, netloc: str) -> str | None:
        """Why robots.txt forbids `url` (of `netloc`, as netloc_of gives it), in one line; None
        when it allows it."""
        # Rules still fresh are read without the lock: it is only held while they are
        # missing or stale, and taking it costs every request.
        rules = self._rules.get(netloc)
        if rules is None or time.monotonic() >= rules.retry_at:
            rules = await self._rules_for(url, netloc)
        if rules.unavailable is not None:
            return rules.unavailable
        if rules.parsed is None or rules.parsed.can_fetch(url, self._token):
            return None
        return "disallowed by robots.txt"

    def unavailable(self, netloc: str) -> bool:
        """Whether robots.txt of `netloc` could not be had (every URL of it refused for now)."""
        rules = self._rules.get(netloc)
        return rules is not None and rules.unavailable is not None

    def crawl_delay(self, netloc: str) -> float:
        """The Crawl-delay robots.txt asks of our token for `netloc` (0 when none or unknown)."""
        rules = self._rules.get(netloc)
        if rules is None or rules.parsed is None:
            return 0.0
        delay = rules.parsed.crawl_delay(self._token)
        return float(delay) if delay else 0.0

    async def _rules_for(self, url: str, netloc: str) -> _Rules:
        # One fetch per netloc even when many tasks ask at once.
        lock = self._locks.get(netloc)
        if lock is None:  # not setdefault(): that would build a Lock on every call
            lock = self._locks[netloc] = asyncio.Lock()
        async with lock:
            rules = self._rules.get(netloc)
            if rules is None or time.monotonic() >= rules.retry_at:
                robots_url = f"{urlsplit(url).scheme.lower()}://{netloc}/robots.txt"
                rules = _interpret(await self._load(robots_url))
                self._rules[netloc] = rules
            return rules


def _interpret(robots: RobotsFile) -> _Rules:
    status = robots.status
    if status is not None and 200 <= status < 300:
        return _Rules(Protego.parse(robots.body.decode("utf-8", errors="replace")))
    if status is not None and status < 500 and status != 429:
        # 4xx (no rules published) and redirects we could not follow: everything allowed.
        return _Rules(None)
    cause = robots.error or (f"HTTP {status}" if status is not None else "no response")
    return _Rules(
        None,
        unavailable=f"robots.txt unavailable ({cause}): host treated as disallowed for now",
        retry_at=time.monotonic() + UNAVAILABLE_RETRY_SECONDS,
    )
