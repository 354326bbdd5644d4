"""Per-host politeness: requests to one netloc start at least an interval apart, further apart
while the host refuses us for our pace, and not at all while it asks us to wait.

The interval asked for (the configured delay, or robots.txt's Crawl-delay if longer) is the floor.
A 429 or 503 is read as follows (docs/reliability.md says why):

- With a usable Retry-After, the host is held exactly that long (at most `ceiling`): no request
  to it starts before, whichever URL it is for. That is all the answer does, unless it shows the
  pace to be at fault (below).
- The pace is at fault when the server refused a request sent at the pace that earlier ones were
  accepted at since it last refused (retries it promised to accept with a Retry-After do not
  count: any server accepts those, whatever the pace), and always when it gave no Retry-After
  (then how fast to come back is ours to choose): the pace then comes down to SLOW_DOWN of the
  rate it was refused at, or to the rate the server let requests through since its last refusal
  if that is slower (once per pace: the answers to requests already sent at the old pace do not
  count again).
  Each accepted answer wins a little back (SPEED_UP), so the pace settles just under the rate
  the server accepts, probing it now and then.
- A server that refuses even the first request sent after the wait it asked for does not refuse
  for our pace: once that happened to most of the last AFTER_HOLD such requests, the pace goes
  back to what it was before refusals with Retry-After slowed it, and they no longer do; the
  holds alone follow the server's word.
- Without Retry-After, the same is told by slowing down: once the pace was slowed SLOWED_ENOUGH
  times, a server that still refuses most of the last AFTER_HOLD first tries (not retries) sent
  at a slowed pace does not refuse for the pace either (a rate limiter accepts nearly all of
  them below its rate) while it accepts their retries (a site that is down accepts none): the
  pace goes back to what it was before those refusals, and they no longer slow it; each
  refused request still waits its own backoff before it is tried again.

A slow answer stretches the spacing by half (at least `step`), as a sign of load.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
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

    def hold(self, host: str, seconds: float) -> None:
        """The host asked (Retry-After) that no request reach it for `seconds` from now."""


PRESSURE_STATUSES = frozenset({429, 503})  # the server says it is overloaded or we are too fast
SLOW_DOWN = 0.85  # refused for our pace: 85 % of the rate refused
SPEED_UP = 0.99  # each accepted answer: 1 % less spacing; ~16 answers win back one slowing down
GROW_WHEN_SLOW = 1.5
STRIDE = 5  # the last gaps between request starts that tell the rate a host is being sent at
AFTER_HOLD = 6  # first requests after a hold remembered, to tell whether refusals follow the pace
SLOWED_ENOUGH = 3  # slowings without Retry-After before first tries refused tell the pace is not it
NO_SPACING = 1e-3  # seconds: a spacing this small is no spacing at all


@dataclass(frozen=True, slots=True)
class PaceChange:
    """The pace to a host changed, or the host is held: what it is now and why."""

    host: str
    rate: float | None  # requests a second it is paced at; None: no limit
    reason: str  # "held by Retry-After 2 s", "slowing: 429 at 3.1 req/s", ...
    hold: float = 0.0  # seconds the host is held from now


# Made for every request and never changed: not frozen, which would cost thrice as much to make.
@dataclass(slots=True)
class Ticket:
    """One request's turn: its host, the floor it was paced at, and what came before it."""

    host: str
    interval: float
    epoch: int  # the host's pace when it started (SLOW_DOWN applies once per pace)
    after_hold: bool  # the first request to start after the host was held by a Retry-After
    promised: bool = False  # it repeats a request refused with a Retry-After
    retry: bool = False  # it repeats a request (whatever ended the one before)


@dataclass
class _Host:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0
    strained: float = 0.0  # spacing imposed by refusals or slow answers, seconds
    epoch: int = 0
    held_until: float = 0.0  # the end of the last Retry-After hold
    hold_ended: bool = False  # a hold is on: the next request to start is the first after it
    last_start: float | None = None
    refused_at: float | None = None  # the last refusal (or the first request)
    accepted: int = 0  # answers accepted since
    in_stride: int = 0  # of them, to requests that were not promised retries
    gaps: deque[float] = field(default_factory=lambda: deque(maxlen=STRIDE))
    after_hold: deque[bool] = field(default_factory=lambda: deque(maxlen=AFTER_HOLD))
    independent: bool = False  # its refusals do not follow the pace
    calm: float | None = None  # the spacing before refusals with Retry-After slowed it
    slowed: int = 0  # slowings for refusals without Retry-After
    bare_calm: float | None = None  # the spacing before those
    first_tries: deque[bool] = field(default_factory=lambda: deque(maxlen=AFTER_HOLD))
    bare_independent: bool = False  # its refusals without Retry-After do not follow the pace
    retries_taken: int = 0  # retries accepted meanwhile (a site that is down accepts none)
    shown_rate: float | None = None  # the rate last reported


@dataclass
class Pressure:
    """What refusals cost a run: the 429s and 503s by status, and the seconds hosts were held."""

    refused: Counter[int] = field(default_factory=Counter)
    held: float = 0.0


class HostPacer:
    """Hands out request start times per netloc, start-to-start, across concurrent tasks."""

    def __init__(
        self,
        *,
        step: float = 1.0,
        ceiling: float = 60.0,
        slow: float = 5.0,
        on_change: Callable[[PaceChange], None] | None = None,
        alone: bool = True,
    ) -> None:
        """`step`: the least spacing a slow answer imposes (so it grows even from a zero delay);
        `ceiling`: the most spacing, and the longest hold; `slow`: seconds after which a
        response counts as slow; `on_change`: told of every change of pace and every hold;
        `alone`: False when other processes send to the same hosts (a shared archive): what
        this one sees the server let through is then only its share."""
        self._step = step
        self._ceiling = ceiling
        self._slow = slow
        self._alone = alone
        self._hosts: dict[str, _Host] = {}
        self.on_change = on_change
        self.pressure = Pressure()

    def _host(self, netloc: str) -> _Host:
        host = self._hosts.get(netloc)
        if host is None:  # not setdefault(): that would build a Lock on every call
            host = self._hosts[netloc] = _Host()
        return host

    def spacing(self, netloc: str, interval: float) -> float:
        """Seconds between two request starts to `netloc` now: never below `interval`."""
        host = self._hosts.get(netloc)
        return max(interval, host.strained if host is not None else 0.0)

    def rate(self, netloc: str, interval: float) -> float | None:
        """Requests a second `netloc` is paced at now; None when nothing limits it."""
        spacing = self.spacing(netloc, interval)
        return 1.0 / spacing if spacing >= NO_SPACING else None

    async def wait_turn(
        self, netloc: str, interval: float, *, retry: bool = False, promised: bool = False
    ) -> Ticket:
        """Return when a request to `netloc` may start; the caller starts it right away.
        `retry`: it repeats a request; `promised`: one the host refused with a Retry-After."""
        host = self._host(netloc)
        # The lock is held while sleeping so waiters line up in order and none can
        # slip in between another's wake-up and its booking of the next slot.
        async with host.lock:
            # Looked at again after each sleep: a Retry-After that came meanwhile (an answer
            # to a request already out) holds this request too.
            while (delay := host.next_start - time.monotonic()) > 0:
                await asyncio.sleep(delay)
            now = time.monotonic()
            after_hold = host.hold_ended and now >= host.held_until
            if after_hold:
                host.hold_ended = False
            elif host.last_start is not None and now - host.last_start < self._ceiling:
                host.gaps.append(now - host.last_start)
            host.last_start = now
            if host.refused_at is None:
                host.refused_at = now
            host.next_start = now + self.spacing(netloc, interval)
            return Ticket(netloc, interval, host.epoch, after_hold, promised, retry)

    def observe(
        self,
        ticket: Ticket,
        *,
        status: int | None,
        elapsed: float,
        retry_after: float | None = None,
        unreadable: str | None = None,
    ) -> None:
        """Learn from the answer to the request of `ticket` (status None: none came), which
        took `elapsed` seconds; `retry_after`: the seconds a 429 or 503 asked to wait, or
        those waited instead of what its Retry-After said when that was `unreadable`."""
        netloc, interval = ticket.host, ticket.interval
        host = self._host(netloc)
        now = time.monotonic()
        reasons: list[str] = []
        hold = 0.0
        if status in PRESSURE_STATUSES:
            self.pressure.refused[status] += 1
            if ticket.after_hold:
                host.after_hold.append(True)
                self._judge_independence(host, reasons)
            if retry_after is not None and host.calm is None:
                host.calm = host.strained
            if retry_after is None:
                self._judge_bare(host, ticket, True, reasons)
            if retry_after is not None:
                hold = min(max(retry_after, 0.0), self._ceiling)
                if unreadable is not None:
                    reasons.append(f"held {hold:g} s (Retry-After {unreadable!r} unreadable)")
                elif hold < retry_after:
                    reasons.append(f"held {hold:g} s (Retry-After {retry_after:g} s, capped)")
                else:
                    reasons.append(f"held by Retry-After {hold:g} s")
                self._hold(host, now, hold)
            if self._pace_at_fault(host, ticket, retry_after):
                sent_at = self.spacing(netloc, interval)
                if host.gaps:
                    sent_at = max(sent_at, statistics.median(host.gaps))
                sent_at = max(sent_at, NO_SPACING)
                reasons.append(f"slowing: {status} at {1 / sent_at:.3g} req/s")
                spacing = sent_at / SLOW_DOWN
                if self._alone and host.accepted >= 2 and host.refused_at is not None:
                    # What the server let through since it last refused: its rate, as a
                    # token bucket would give it (holds included: its tokens kept coming).
                    spacing = max(spacing, (now - host.refused_at) / host.accepted)
                if retry_after is None:
                    if host.bare_calm is None:
                        host.bare_calm = host.strained
                    host.slowed += 1
                host.strained = min(spacing, self._ceiling)
                host.epoch += 1
                host.gaps.clear()
            host.refused_at, host.accepted, host.in_stride = now, 0, 0
        elif status is not None and elapsed > self._slow:
            grown = max(self.spacing(netloc, interval) * GROW_WHEN_SLOW, self._step)
            host.strained = min(grown, self._ceiling)
            host.epoch += 1
            reasons.append(f"slowing: answers take {elapsed:.3g} s")
        elif status is not None and status < 500:
            host.accepted += 1
            host.in_stride += not ticket.promised
            if ticket.after_hold:
                host.after_hold.append(False)
            self._judge_bare(host, ticket, False, reasons)
            host.strained *= SPEED_UP
            if host.strained < NO_SPACING:
                host.strained = 0.0
        # else: a failure that says nothing of load keeps the pace as it is
        strained = host.strained
        if strained <= interval:
            host.strained = strained = 0.0
        # The slot booked at this request's start moves out to the new spacing, so the very
        # next request already keeps it.
        host.next_start = max(host.next_start, now + strained - min(elapsed, strained))
        self._report(netloc, interval, host, reasons, hold)

    def _hold(self, host: _Host, now: float, hold: float) -> None:
        until = now + hold
        self.pressure.held += max(0.0, until - max(host.next_start, now))
        host.next_start = max(host.next_start, until)
        host.held_until = max(host.held_until, until)
        host.hold_ended = True

    def _judge_independence(self, host: _Host, reasons: list[str]) -> None:
        refused = sum(host.after_hold)
        if not host.independent and refused >= 2 and 2 * refused >= len(host.after_hold):
            host.independent = True
            reasons.append("refusals do not follow the pace: held as asked, no slowing")
            if host.calm is not None and host.calm < host.strained:
                # Slowing down for them did not help: back to the pace before.
                host.strained = host.calm
                host.epoch += 1

    def _judge_bare(self, host: _Host, ticket: Ticket, refused: bool, reasons: list[str]) -> None:
        """Count a first try sent at a pace slowed enough for refusals without Retry-After."""
        if host.bare_independent or host.slowed < SLOWED_ENOUGH:
            return
        if ticket.retry:
            host.retries_taken += not refused
            return
        host.first_tries.append(refused)
        refusals = sum(host.first_tries)
        if (
            len(host.first_tries) == AFTER_HOLD
            and 2 * refusals > AFTER_HOLD
            and 2 * host.retries_taken >= refusals  # it answers: not down, only refusing
        ):
            host.bare_independent = True
            reasons.append("refusals do not follow the pace: slowing did not help, no slowing")
            if host.bare_calm is not None and host.bare_calm < host.strained:
                host.strained = host.bare_calm
                host.epoch += 1

    @staticmethod
    def _pace_at_fault(host: _Host, ticket: Ticket, retry_after: float | None) -> bool:
        if ticket.epoch != host.epoch:
            return False  # sent at a pace already given up
        if retry_after is None:
            # No word from the server: ours is to slow down, unless that was seen not to help.
            return not host.bare_independent
        # The pace is to blame when requests sent at it were accepted, then one refused; not
        # when the server refused the first request after the wait it asked for.
        return host.in_stride > 0 and not (ticket.after_hold or host.independent)

    def _report(
        self, netloc: str, interval: float, host: _Host, reasons: list[str], hold: float
    ) -> None:
        rate = self.rate(netloc, interval)
        if not reasons and _faster(rate, host.shown_rate):
            reasons.append("speeding up")
        if not reasons:
            return
        host.shown_rate = rate
        if self.on_change is not None:
            self.on_change(PaceChange(netloc, rate, "; ".join(reasons), hold))


def _faster(rate: float | None, shown: float | None) -> bool:
    """Whether `rate` is worth reporting as faster than `shown`: a quarter up, or no limit now
    (None is no limit)."""
    if rate is None:
        return shown is not None
    return shown is not None and rate >= shown * 1.25
