"""What a fetch ended in: the outcome named, the response as received, the cause of failure."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

Outcome = Literal["ok", "not_modified", "blocked", "gone", "empty", "failed", "disallowed"]

BLOCKED_STATUSES = frozenset({401, 403, 451})
GONE_STATUSES = frozenset({404, 410})


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str
    """The URL asked for."""
    final_url: str
    """The last URL requested, after redirects (== url when none)."""
    outcome: Outcome
    status: int | None
    """The last HTTP status; None when the last attempt got no response."""
    headers: tuple[tuple[str, str], ...]
    """Response headers as received (original case and order)."""
    body: bytes
    """The body, content-encoding decoded; b"" when none."""
    fetched_at: datetime
    """UTC, when the last response began (or the last attempt, when none came)."""
    elapsed: float
    """Seconds for the whole fetch: robots.txt, pacing, retries and redirects."""
    attempts: int
    """Requests made for this URL, retries and redirect hops included, robots.txt not."""
    error: str | None = None
    """One line naming the cause when the outcome is neither ok nor not_modified."""
    # For archiving the exchange as it happened (WARC): the last request as sent, and
    # whether its response came whole (head and body) rather than cut short or refused.
    request_headers: tuple[tuple[str, str], ...] = ()
    """Headers of the last request as sent (original case and order); () when none was sent."""
    http_version: str = ""
    """Of the last response, e.g. "HTTP/1.1"; "" when none came."""
    reason: str = ""
    """The reason phrase of the last response as received ("OK")."""
    complete: bool = False
    """True when the last response's head and whole body were received."""

    @classmethod
    def unanswered(cls, url: str, outcome: Outcome, error: str, started: float) -> FetchResult:
        """A fetch that sent no request, or got no answer (refused, out of time), begun at
        `started` (time.monotonic)."""
        return cls(
            url=url,
            final_url=url,
            outcome=outcome,
            status=None,
            headers=(),
            body=b"",
            fetched_at=datetime.now(UTC),
            elapsed=time.monotonic() - started,
            attempts=0,
            error=error,
        )


@dataclass
class Reach:
    """Whether the hosts could be reached at all: requests answered (any status), and the
    causes of those that got no answer (connection refused, DNS lookup failed, ...)."""

    answered: int = 0
    unanswered: Counter[str] = field(default_factory=Counter)


def outcome_of(status: int, body: bytes) -> Outcome:
    """Name what a final HTTP status (after retries and redirects) means for the archive."""
    if status == 304:
        return "not_modified"
    if 200 <= status < 300:
        # A 200 with nothing in it is a site fault worth telling apart from a page.
        return "ok" if body.strip() else "empty"
    if status in BLOCKED_STATUSES:
        return "blocked"
    if status in GONE_STATUSES:
        return "gone"
    return "failed"
