"""The fetcher's first try of each hop runs outside tenacity, which takes over only when the reply
calls for a retry (fetcher._with_retries). These hold the two paths together on real servers on
127.0.0.1 (tests/faultserver.py): the same attempts, the same waits in the same order, the same
causes, and the netloc of each hop reaching robots.txt and the gate.

The waits are read from the sleeps tenacity asks of asyncio: nominal `base * 2**(n-1)` plus up to
half again as jitter, so attempt numbers 1, 2, 3 fall in ranges that do not overlap. Statuses 500
and 404 leave the per-host pacing alone (429 and 503 would add sleeps of its own).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import replace
from typing import Any

import pytest
from faultserver import FaultServer, Reply, redirect, robots

from newsarchive.config import FetchSettings
from newsarchive.fetch import Fetcher, FetchResult

BASE = 0.01
SETTINGS = FetchSettings(
    connect_timeout=2.0,
    read_timeout=2.0,
    delay=0.0,
    concurrency=2,
    max_body_bytes=1_000_000,
    retries=3,
    backoff_base=BASE,
    backoff_max=5.0,
)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every wait longer than zero asked of asyncio.sleep during the test, in order (each one
    still sleeps)."""
    asked: list[float] = []
    real = asyncio.sleep

    def sleep(delay: float, result: Any = None) -> Coroutine[Any, Any, Any]:
        if delay > 0:
            asked.append(delay)
        return real(delay, result)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    return asked


def backoff_of(attempt: int, wait: float) -> bool:
    """Whether `wait` is the backoff after attempt number `attempt` (jitter included)."""
    nominal = BASE * 2 ** (attempt - 1)
    return nominal <= wait <= nominal * 1.5


async def fetch(
    *servers: FaultServer, url: str, etag: str | None = None, **settings: Any
) -> FetchResult:
    async with Fetcher(replace(SETTINGS, **settings), [s.netloc for s in servers]) as client:
        return await client.fetch(url, etag=etag)


async def test_a_first_reply_that_is_final_is_taken_without_waiting(
    fault_server: FaultServer, sleeps: list[float]
) -> None:
    fault_server.route("/ok", Reply(body=b"page"))
    fault_server.route("/gone", Reply(404))
    ok = await fetch(fault_server, url=fault_server.url("/ok"))
    gone = await fetch(fault_server, url=fault_server.url("/gone"))
    assert (ok.outcome, ok.attempts, ok.error) == ("ok", 1, None)
    assert (gone.outcome, gone.attempts, gone.error) == ("gone", 1, "HTTP 404")
    assert sleeps == []


async def test_backoff_after_a_retryable_first_reply_counts_it_as_attempt_one(
    fault_server: FaultServer, sleeps: list[float]
) -> None:
    fault_server.route("/a", Reply(500), Reply(500), Reply(500), Reply(body=b"page"))
    result = await fetch(fault_server, url=fault_server.url("/a"))
    assert (result.outcome, result.body, result.attempts) == ("ok", b"page", 4)
    assert len(fault_server.requests_to("/a")) == 4
    assert len(sleeps) == 3
    assert all(backoff_of(n, wait) for n, wait in enumerate(sleeps, start=1)), sleeps


@pytest.mark.parametrize("retries", [0, 1, 2])
async def test_out_of_retries_the_last_reply_is_the_cause(
    fault_server: FaultServer, sleeps: list[float], retries: int
) -> None:
    fault_server.route("/a", Reply(500))
    result = await fetch(fault_server, url=fault_server.url("/a"), retries=retries)
    attempts = retries + 1
    assert (result.outcome, result.status, result.attempts) == ("failed", 500, attempts)
    assert result.error == ("HTTP 500" if retries == 0 else f"HTTP 500 after {attempts} attempts")
    assert len(fault_server.requests_to("/a")) == attempts
    assert len(sleeps) == retries
    assert all(backoff_of(n, wait) for n, wait in enumerate(sleeps, start=1)), sleeps


async def test_retry_after_of_the_first_reply_sets_the_first_wait(
    fault_server: FaultServer, sleeps: list[float]
) -> None:
    # Retry-After an hour, capped by backoff_max: exactly backoff_max, whatever the jitter.
    fault_server.route("/a", Reply(500, headers=(("Retry-After", "3600"),)), Reply(body=b"page"))
    result = await fetch(fault_server, url=fault_server.url("/a"), backoff_max=0.05)
    assert (result.outcome, result.attempts) == ("ok", 2)
    assert sleeps == [0.05]


async def test_retry_after_of_a_later_reply_sets_its_own_wait(
    fault_server: FaultServer, sleeps: list[float]
) -> None:
    fault_server.route(
        "/a", Reply(500), Reply(500, headers=(("Retry-After", "3600"),)), Reply(body=b"page")
    )
    result = await fetch(fault_server, url=fault_server.url("/a"), backoff_max=0.05)
    assert (result.outcome, result.attempts) == ("ok", 3)
    assert len(sleeps) == 2
    assert backoff_of(1, sleeps[0]) and sleeps[1] == 0.05, sleeps


async def test_a_connection_lost_on_the_first_try_is_retried(
    fault_server: FaultServer, sleeps: list[float]
) -> None:
    fault_server.route("/a", Reply(body=b"x" * 50_000, reset_after=1000), Reply(body=b"page"))
    result = await fetch(fault_server, url=fault_server.url("/a"))
    assert (result.outcome, result.body, result.attempts) == ("ok", b"page", 2)
    assert len(sleeps) == 1 and backoff_of(1, sleeps[0]), sleeps


async def test_each_redirect_hop_counts_its_own_attempts_from_one(
    fault_server: FaultServer, sleeps: list[float]
) -> None:
    fault_server.route("/a", Reply(500), redirect("/b"))
    fault_server.route("/b", Reply(500), Reply(500), Reply(body=b"page"))
    result = await fetch(fault_server, url=fault_server.url("/a"))
    assert (result.outcome, result.final_url, result.attempts) == (
        "ok",
        fault_server.url("/b"),
        5,
    )
    assert len(sleeps) == 3
    assert [backoff_of(n, wait) for n, wait in zip((1, 1, 2), sleeps, strict=True)] == [True] * 3


async def test_the_exchange_is_kept_as_it_happened(fault_server: FaultServer) -> None:
    fault_server.route("/a", Reply(headers=(("X-Test", "yes"),), body=b"page"))
    fault_server.route("/cut", Reply(body=b"x" * 50_000, reset_after=1000))
    ok = await fetch(fault_server, url=fault_server.url("/a"), etag='"v1"')
    cut = await fetch(fault_server, url=fault_server.url("/cut"), retries=0)
    sent = dict(ok.request_headers)
    assert sent["Host"] == fault_server.netloc
    assert sent["User-Agent"] == SETTINGS.user_agent_header
    assert sent["Accept-Encoding"] == "gzip, deflate"
    assert sent["If-None-Match"] == '"v1"'
    assert ("X-Test", "yes") in ok.headers
    assert (ok.http_version, ok.reason, ok.complete) == ("HTTP/1.1", "OK", True)
    assert (cut.outcome, cut.status, cut.complete) == ("failed", 200, False)


class RecordingGate:
    """Lets every request through at once, noting the host each one was paced under."""

    def __init__(self) -> None:
        self.hosts: list[str] = []

    async def wait_turn(self, host: str, spacing: float) -> None:
        self.hosts.append(host)

    def started(self, host: str, spacing: float, late: float) -> None:
        pass

    def hold(self, host: str, seconds: float) -> None:
        pass


async def test_a_redirect_to_another_allowed_host_is_paced_and_ruled_by_that_host(
    fault_server: FaultServer,
) -> None:
    with FaultServer() as other:
        other.route("/robots.txt", robots("User-agent: *\nDisallow: /private\n"))
        other.route("/page", Reply(body=b"page"))
        fault_server.route("/a", redirect(other.url("/page")))
        fault_server.route("/b", redirect(other.url("/private")))
        gate = RecordingGate()
        hosts = [fault_server.netloc, other.netloc]
        async with Fetcher(SETTINGS, hosts, before_request=gate) as client:
            followed = await client.fetch(fault_server.url("/a"))
            refused = await client.fetch(fault_server.url("/b"))
        assert other.requests_to("/private") == []
        assert len(other.requests_to("/robots.txt")) == 1
    assert (followed.outcome, followed.final_url) == ("ok", other.url("/page"))
    assert (refused.outcome, refused.final_url) == ("disallowed", fault_server.url("/b"))
    assert refused.error == f"redirect to {other.url('/private')}: disallowed by robots.txt"
    # robots.txt of each host, then each hop under the host it went to.
    here, there = fault_server.netloc, other.netloc
    assert gate.hosts == [here, here, there, there, here]


@pytest.mark.parametrize("credentials", ["user@", "user:secret@", ":secret@"])
async def test_a_url_with_credentials_is_refused_unsent(
    fault_server: FaultServer, credentials: str
) -> None:
    fault_server.route("/a", Reply(body=b"page"))
    url = f"http://{credentials}{fault_server.netloc}/a"
    result = await fetch(fault_server, url=url)
    assert (result.outcome, result.attempts) == ("failed", 0)
    assert result.error == f"URL with credentials for host {fault_server.netloc}"
    assert fault_server.requests == []


async def test_an_at_sign_outside_the_host_is_no_credential(fault_server: FaultServer) -> None:
    fault_server.route("/a@b?to=x@y", Reply(body=b"page"))  # the server routes on path and query
    result = await fetch(fault_server, url=fault_server.url("/a@b?to=x@y"))
    assert (result.outcome, result.body) == ("ok", b"page")
