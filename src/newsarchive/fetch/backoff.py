"""When to retry, and how long to wait first: exponential backoff with jitter, or Retry-After."""

from __future__ import annotations

import email.utils
import random
from collections.abc import Iterable
from datetime import UTC, datetime

from tenacity import RetryCallState
from tenacity.wait import wait_base

# 408 and 429 say "not now"; 5xx say the server is struggling. Other 4xx will not change.
RETRY_STATUSES = frozenset({408, 429}) | frozenset(range(500, 600))


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date, 0 for a date
    passed); None if unusable: empty, negative, a fraction, words."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT, even when it forgets to say so
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def header_value(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of header `name` (case-insensitive), or None."""
    name = name.lower()
    return next((v for k, v in headers if k.lower() == name), None)


class BackoffOrRetryAfter(wait_base):
    """The server's Retry-After when it sent a usable one (its word: no more, no less), else
    `base * 2**n` plus up to half again as jitter.

    Both are capped at `maximum`: a server asking for a day gets `maximum`, and
    the retry that follows is still bounded by `retries`, so a run never stalls on one URL.
    The jitter only lengthens the wait, so concurrent retries spread out without any
    retrying sooner than the nominal backoff.
    """

    def __init__(self, base: float, maximum: float) -> None:
        self.base = base
        self.maximum = maximum

    def __call__(self, retry_state: RetryCallState) -> float:
        nominal = self.base * 2.0 ** (retry_state.attempt_number - 1)
        wait = nominal + random.uniform(0, nominal / 2)
        outcome = retry_state.outcome
        if outcome is not None and not outcome.failed:
            asked = retry_after_seconds(header_value(_headers_of(outcome.result()), "retry-after"))
            if asked is not None:
                wait = asked
        return min(wait, self.maximum)


def _headers_of(reply: object) -> tuple[tuple[str, str], ...]:
    headers = getattr(reply, "headers", ())
    return headers if isinstance(headers, tuple) else ()
