"""The fetcher's gate (fetch.HostGate): the hook through which crawls sharing a PostgreSQL
archive hold one politeness limit together. Every request, robots.txt and redirect hops
included, waits at the gate right before it is sent, and reports when it went out."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

from faultserver import FaultServer, Reply
from replica import Replica

from newsarchive.config import FetchSettings
from newsarchive.fetch import Fetcher

HOLD = 0.1  # seconds the gate below keeps each request waiting


class HoldingGate:
    """Keeps every request HOLD seconds, noting when each turn was given and went out."""

    def __init__(self) -> None:
        self.given: list[tuple[str, float, float]] = []  # host, spacing, when the turn came
        self.sent: list[tuple[str, float]] = []  # host, how late after its turn
        self.held: list[tuple[str, float]] = []  # host, seconds it was asked to wait

    async def wait_turn(self, host: str, spacing: float) -> None:
        await asyncio.sleep(HOLD)
        self.given.append((host, spacing, time.monotonic()))

    def started(self, host: str, spacing: float, late: float) -> None:
        self.sent.append((host, late))

    def hold(self, host: str, seconds: float) -> None:
        self.held.append((host, seconds))


async def test_every_request_waits_at_the_gate_right_before_it_is_sent(replica: Replica) -> None:
    gate = HoldingGate()
    settings = FetchSettings(delay=0.25, retries=0, connect_timeout=2.0, read_timeout=2.0)
    host = urlsplit(replica.base_url).netloc
    async with Fetcher(settings, [host], before_request=gate) as fetcher:
        # A folder without its slash: robots.txt, then a 301, then the page.
        result = await fetcher.fetch(replica.url("/do-thi"))
    assert result.outcome == "ok" and result.final_url == replica.url("/do-thi/")
    assert replica.requests == ["/robots.txt", "/do-thi", "/do-thi/"]
    assert [(h, spacing) for h, spacing, _ in gate.given] == [(host, 0.25)] * 3
    assert [h for h, _ in gate.sent] == [host] * 3
    # Each request reached the server after its turn, not before.
    for (_, _, turn), arrived in zip(gate.given, replica.request_times, strict=True):
        assert arrived >= turn


async def test_a_retry_after_holds_the_host_at_the_gate_too(fault_server: FaultServer) -> None:
    gate = HoldingGate()
    fault_server.route("/busy", Reply(status=429, headers=(("Retry-After", "1"),)), Reply())
    # An hour is held as long as backoff_max: the crawls sharing the archive wait no longer.
    fault_server.route("/long", Reply(status=503, headers=(("Retry-After", "3600"),)), Reply())
    settings = FetchSettings(delay=0.0, retries=0, backoff_max=1.5, obey_robots=False)
    async with Fetcher(settings, [fault_server.netloc], before_request=gate) as fetcher:
        await fetcher.fetch(fault_server.url("/busy"))
        await fetcher.fetch(fault_server.url("/long"))
    assert gate.held == [(fault_server.netloc, 1.0), (fault_server.netloc, 1.5)]
