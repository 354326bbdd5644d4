"""Polite under pressure: the spacing to a host grows on 429, 503 and slow answers, holds for a
Retry-After, and shrinks back slowly, never below the configured delay.

Timing checks are lower bounds on the fault server's own clock: the fetcher may be slower, never
faster.
"""

from __future__ import annotations

import itertools

from faultserver import FaultServer, Reply

from newsarchive.config import FetchSettings
from newsarchive.fetch import Fetcher
from newsarchive.fetch.pacing import HostPacer

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


async def test_spacing_to_a_host_doubles_with_each_429_or_503(fault_server: FaultServer) -> None:
    paths = ["/a", "/b", "/c", "/d", "/e"]
    for path, status in zip(paths, (503, 429, 503, 503), strict=False):
        fault_server.route(path, Reply(status=status, body=b"busy"))
    fault_server.route("/e", Reply(body=b"fine"))

    async with Fetcher(STRAINED, [fault_server.netloc]) as fetcher:
        for path in paths:
            await fetcher.fetch(fault_server.url(path))

    times = [fault_server.requests_to(path)[0].at for path in paths]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # backoff_base (0.1 s) after the first, then twice the spacing after each.
    for gap, least in zip(gaps, (0.1, 0.2, 0.4, 0.8), strict=True):
        assert gap >= least - CLOCK_SLACK, gaps


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


def test_spacing_shrinks_back_slowly_and_never_below_the_configured_delay() -> None:
    pacer = HostPacer(step=1.0, ceiling=60.0, slow=5.0)
    delay = 0.5

    for _ in range(3):
        pacer.observe("site", delay, status=503, elapsed=0.1)
    assert pacer.spacing("site", delay) == 4.0  # 1, 2, 4
    for _ in range(10):
        pacer.observe("site", delay, status=429, elapsed=0.1)
    assert pacer.spacing("site", delay) == 60.0  # the ceiling

    seen = []
    for _ in range(60):
        pacer.observe("site", delay, status=200, elapsed=0.1)
        seen.append(pacer.spacing("site", delay))
    assert seen[0] == 54.0  # a tenth less per quick answer
    assert all(b <= a for a, b in itertools.pairwise(seen))
    assert min(seen) == delay and seen[-1] == delay  # back to the floor, never below
    pacer.observe("site", delay, status=200, elapsed=9.0)
    assert pacer.spacing("site", delay) == 1.0  # a slow answer: the step at least
    assert pacer.spacing("other", delay) == delay  # hosts are paced apart
