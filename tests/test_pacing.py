"""Polite under pressure: a Retry-After holds the host exactly as long as it says and does not slow
the pace as well; a refusal without one slows the pace, once per pace; refusals that come even
right after the wait the server asked for stop slowing it; a slow answer stretches the spacing;
each accepted answer wins a little back, never below the configured delay.

Timing checks are lower bounds on the fault server's own clock: the fetcher may be slower, never
faster. The pacer's own decisions are checked on the pacer, answer by answer.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable

from faultserver import FaultServer, Reply

from newsarchive.config import FetchSettings
from newsarchive.fetch import Fetcher
from newsarchive.fetch.pacing import (
    AFTER_HOLD,
    SLOW_DOWN,
    SLOWED_ENOUGH,
    HostPacer,
    PaceChange,
)

CLOCK_SLACK = 0.05

STRAINED = FetchSettings(
    connect_timeout=2.0,
    read_timeout=2.0,
    delay=0.0,
    concurrency=1,
    retries=0,
    backoff_base=0.1,
    backoff_max=5.0,
)


async def test_retry_after_holds_every_request_to_the_host(fault_server: FaultServer) -> None:
    fault_server.route("/busy", Reply(status=429, headers=(("Retry-After", "1"),)))
    fault_server.route("/other", Reply(body=b"fine"))

    async with Fetcher(STRAINED, [fault_server.netloc]) as fetcher:
        assert (await fetcher.fetch(fault_server.url("/busy"))).status == 429
        assert (await fetcher.fetch(fault_server.url("/other"))).outcome == "ok"

    busy, other = fault_server.requests_to("/busy")[0], fault_server.requests_to("/other")[0]
    assert other.at - busy.at >= 1.0 - CLOCK_SLACK


async def test_a_slow_answer_stretches_the_spacing(fault_server: FaultServer) -> None:
    fault_server.route("/slow", Reply(body=b"late", delay=0.3))
    fault_server.route("/next", Reply(body=b"fine"))
    settings = FetchSettings(delay=0.0, retries=0, backoff_base=0.5, slow_response=0.2)

    async with Fetcher(settings, [fault_server.netloc]) as fetcher:
        await fetcher.fetch(fault_server.url("/slow"))
        await fetcher.fetch(fault_server.url("/next"))

    slow, after = fault_server.requests_to("/slow")[0], fault_server.requests_to("/next")[0]
    # Start to start: at least the step (0.5 s), although the answer itself took 0.3 s.
    assert after.at - slow.at >= 0.5 - CLOCK_SLACK


def pacer_and_changes() -> tuple[HostPacer, list[PaceChange]]:
    changes: list[PaceChange] = []
    return HostPacer(step=1.0, ceiling=60.0, slow=5.0, on_change=changes.append), changes


def test_a_retry_after_holds_the_host_and_leaves_the_pace_as_it_was() -> None:
    pacer, changes = pacer_and_changes()

    async def go() -> None:
        for status in (429, 503, 429):
            ticket = await pacer.wait_turn("site", 0.0)
            pacer.observe(ticket, status=status, elapsed=0.01, retry_after=0.05)

    asyncio.run(go())
    assert pacer.spacing("site", 0.0) == 0.0  # not doubled, not grown at all
    assert [c.reason for c in changes][:1] == ["held by Retry-After 0.05 s"]
    assert pacer.pressure.refused == {429: 2, 503: 1}
    assert pacer.pressure.held > 0


def test_a_retry_after_holds_a_request_already_waiting_for_its_turn() -> None:
    pacer, _ = pacer_and_changes()
    interval, hold = 0.1, 0.4  # the second request waits out the interval, then the hold

    async def go() -> float:
        first = await pacer.wait_turn("site", interval)
        began = time.monotonic()
        second = asyncio.create_task(pacer.wait_turn("site", interval))
        await asyncio.sleep(interval / 4)  # the second is asleep, its start booked
        pacer.observe(first, status=429, elapsed=0.01, retry_after=hold)
        await second
        return time.monotonic() - began

    assert asyncio.run(go()) >= hold - CLOCK_SLACK


def test_a_retry_after_is_held_no_longer_than_the_ceiling() -> None:
    pacer = HostPacer(step=1.0, ceiling=2.0, slow=5.0)

    async def go() -> None:
        ticket = await pacer.wait_turn("site", 0.0)
        pacer.observe(ticket, status=429, elapsed=0.01, retry_after=86_400.0)

    asyncio.run(go())
    assert pacer.pressure.held <= 2.0


def test_refused_without_retry_after_the_pace_slows_once_per_pace_and_wins_back_slowly() -> None:
    pacer, changes = pacer_and_changes()
    delay = 0.0

    async def go() -> None:
        for _ in range(4):  # requests sent in stride: the rate they went at is known
            pacer.observe(await pacer.wait_turn("site", delay), status=200, elapsed=0.01)
            await asyncio.sleep(0.02)
        in_flight = [await pacer.wait_turn("site", delay) for _ in range(2)]
        for ticket in in_flight:  # both refused, sent at the same pace: one slowing down
            pacer.observe(ticket, status=429, elapsed=0.01)

    asyncio.run(go())
    [slowing] = changes
    assert slowing.reason.startswith("slowing: 429 at ")
    slowed = pacer.spacing("site", delay)
    assert slowed >= 0.02 / SLOW_DOWN  # at most SLOW_DOWN of the rate refused
    assert slowing.rate == 1 / slowed

    async def accepted(n: int) -> list[float]:
        seen = []
        for _ in range(n):
            pacer.observe(await pacer.wait_turn("site", delay), status=200, elapsed=0.01)
            seen.append(pacer.spacing("site", delay))
        return seen

    seen = asyncio.run(accepted(10))
    assert all(b < a for a, b in itertools.pairwise(seen))  # a little back at each
    assert seen[-1] > slowed / 2  # slowly
    assert pacer.spacing("other", delay) == delay  # hosts are paced apart


def test_refusals_right_after_the_asked_wait_stop_slowing_the_pace() -> None:
    pacer, changes = pacer_and_changes()

    async def go() -> None:
        # In stride, then refused with Retry-After: slowed, as a rate limiter would want.
        for _ in range(3):
            pacer.observe(await pacer.wait_turn("site", 0.0), status=200, elapsed=0.01)
            await asyncio.sleep(0.01)
        ticket = await pacer.wait_turn("site", 0.0)
        pacer.observe(ticket, status=429, elapsed=0.01, retry_after=0.05)
        # Then the first request after each hold refused too: it is not the pace.
        for _ in range(2):
            ticket = await pacer.wait_turn("site", 0.0)
            assert ticket.after_hold, "not taken for the first request after the hold"
            pacer.observe(ticket, status=429, elapsed=0.01, retry_after=0.05)

    asyncio.run(go())
    reasons = [c.reason for c in changes]
    assert "slowing: 429 at" in reasons[0]
    assert any("refusals do not follow the pace" in r for r in reasons)
    assert pacer.spacing("site", 0.0) == 0.0  # back to the pace before slowing
    assert changes[-1].rate is None


async def test_a_refusal_that_names_when_to_come_back_costs_no_try(
    fault_server: FaultServer,
) -> None:
    fault_server.route(
        "/promised", Reply(status=429, headers=(("Retry-After", "1"),)), Reply(body=b"page")
    )
    fault_server.route(
        "/at-once", Reply(status=503, headers=(("Retry-After", "0"),)), Reply(body=b"page")
    )
    fault_server.route("/silent", Reply(status=503), Reply(body=b"page"))

    async with Fetcher(STRAINED, [fault_server.netloc]) as fetcher:  # retries = 0
        promised = await fetcher.fetch(fault_server.url("/promised"))
        at_once = await fetcher.fetch(fault_server.url("/at-once"))
        silent = await fetcher.fetch(fault_server.url("/silent"))

    # A wait asked for is the server's promise of an answer then: kept, on top of the retries.
    assert (promised.outcome, promised.attempts) == ("ok", 2)
    # No later time named: the refusals use up the tries as any failure does.
    assert (at_once.outcome, at_once.attempts) == ("failed", 1)
    assert (silent.outcome, silent.attempts) == ("failed", 1)


def test_a_retry_accepted_as_promised_does_not_show_the_pace_acceptable() -> None:
    """Any server accepts the retry its Retry-After asked for; a refusal right after it is no
    sign of the pace (a server refusing the first request of each path), one after a request
    accepted in stride is."""

    def reasons(promised: bool) -> list[str]:
        pacer, changes = pacer_and_changes()

        async def go() -> None:
            ticket = await pacer.wait_turn("site", 0.0)
            pacer.observe(ticket, status=429, elapsed=0.01, retry_after=0.05)
            retry = await pacer.wait_turn("site", 0.0, promised=promised)
            first = await pacer.wait_turn("site", 0.0)
            pacer.observe(retry, status=200, elapsed=0.01)
            pacer.observe(first, status=429, elapsed=0.01, retry_after=0.05)

        asyncio.run(go())
        return [c.reason for c in changes]

    assert not any("slowing" in r for r in reasons(promised=True))
    assert any("slowing: 429 at" in r for r in reasons(promised=False))


def test_without_retry_after_refusals_that_slowing_does_not_stop_stop_slowing_the_pace() -> None:
    def run(refused: Callable[[int], bool]) -> tuple[HostPacer, list[str]]:
        """First tries (each retried once, accepted) refused as `refused(n)` says."""
        pacer, changes = pacer_and_changes()

        async def go() -> None:
            for n in range(SLOWED_ENOUGH + AFTER_HOLD + 2):
                first = await pacer.wait_turn("site", 0.0)
                pacer.observe(first, status=429 if refused(n) else 200, elapsed=0.01)
                retry = await pacer.wait_turn("site", 0.0, retry=True)
                pacer.observe(retry, status=200, elapsed=0.01)

        asyncio.run(go())
        return pacer, [c.reason for c in changes]

    # Every first try refused, however slow the pace: slowed, then seen not to help.
    pacer, reasons = run(lambda n: True)
    [seen] = [n for n, r in enumerate(reasons) if "slowing did not help" in r]
    assert sum("slowing: 429 at" in r for r in reasons[:seen]) >= SLOWED_ENOUGH
    assert not any("slowing: 429 at" in r for r in reasons[seen:])  # no more from then on
    assert pacer.spacing("site", 0.0) == 0.0
    # Refused only until slowed (a rate limiter): slowing helped, it stays.
    pacer, reasons = run(lambda n: n < SLOWED_ENOUGH)
    assert not any("did not help" in r for r in reasons)
    assert pacer.spacing("site", 0.0) > 0.0
