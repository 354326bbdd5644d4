"""The fetcher against real servers on 127.0.0.1 that misbehave on purpose (tests/faultserver.py).

Timing checks are lower bounds on the server's own clock: the fetcher may be slower, never faster.
The one upper bound (a capped Retry-After) is seconds past the cap: it tells a wait not capped
from one that was, not a fast fetcher from a slow one.
"""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import itertools
import time
import tracemalloc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from faultserver import FaultServer, Reply, gzip_bomb, redirect, robots

from newsarchive.config import FetchSettings
from newsarchive.fetch import Fetcher, PaceChange
from newsarchive.fetch import robots as robots_module
from newsarchive.fetch.backoff import retry_after_seconds

# Server-side times carry a little noise of their own (accept, thread start) on top of the
# fetcher's spacing; this much is forgiven.
CLOCK_SLACK = 0.05

FAST = FetchSettings(
    connect_timeout=2.0,
    read_timeout=2.0,
    delay=0.0,
    concurrency=2,
    max_body_bytes=1_000_000,
    retries=2,
    backoff_base=0.01,
    backoff_max=5.0,
)


@asynccontextmanager
async def fetcher(*servers: FaultServer, **settings: Any) -> AsyncIterator[Fetcher]:
    async with Fetcher(replace(FAST, **settings), [s.netloc for s in servers]) as client:
        yield client


def gaps(times: list[float]) -> list[float]:
    ordered = sorted(times)
    return [b - a for a, b in itertools.pairwise(ordered)]


async def test_200_is_ok_with_the_exact_body_and_headers(fault_server: FaultServer) -> None:
    body = "Kinh tế & Đô thị".encode()
    headers = (("X-Test", "yes"), ("ETag", '"v1"'), ("Content-Type", "text/html; charset=utf-8"))
    fault_server.route("/a", Reply(headers=headers, body=body))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert result.outcome == "ok"
    assert result.error is None
    assert (result.status, result.body, result.attempts) == (200, body, 1)
    assert result.url == result.final_url == fault_server.url("/a")
    for header in headers:
        assert header in result.headers
    assert result.fetched_at.tzinfo is not None
    assert abs(result.fetched_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert result.elapsed >= 0


async def test_user_agent_names_the_project_and_contact_url(fault_server: FaultServer) -> None:
    fault_server.route("/a", Reply(body=b"page"))
    async with fetcher(fault_server) as client:
        await client.fetch(fault_server.url("/a"))
    agent = fault_server.requests_to("/a")[0].headers["user-agent"]
    assert agent == FAST.user_agent_header
    assert "newsarchive" in agent
    assert FAST.contact_url in agent


async def test_503_twice_then_200_is_ok_after_three_attempts(fault_server: FaultServer) -> None:
    fault_server.route("/a", Reply(503), Reply(503), Reply(body=b"page"))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert (result.outcome, result.body, result.attempts) == ("ok", b"page", 3)
    assert len(fault_server.requests_to("/a")) == 3


async def test_429_retry_after_seconds_is_waited_before_the_retry(
    fault_server: FaultServer,
) -> None:
    fault_server.route("/a", Reply(429, headers=(("Retry-After", "1"),)), Reply(body=b"page"))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert (result.outcome, result.attempts) == ("ok", 2)
    first, second = (seen.at for seen in fault_server.requests_to("/a"))
    assert second - first >= 0.99


async def test_retry_after_http_date_is_waited_before_the_retry(
    fault_server: FaultServer,
) -> None:
    # HTTP dates have whole seconds: two seconds ahead leaves more than one to wait.
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    fault_server.route("/a", Reply(503, headers=(("Retry-After", when),)), Reply(body=b"page"))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert (result.outcome, result.attempts) == ("ok", 2)
    first, second = (seen.at for seen in fault_server.requests_to("/a"))
    assert second - first >= 0.9


def test_retry_after_reads_seconds_and_http_dates_and_ignores_nonsense() -> None:
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now=now) == 120.0
    assert retry_after_seconds("Wed, 01 May 2024 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Wed, 01 May 2024 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon", now=now) is None
    assert retry_after_seconds("-5", now=now) is None
    assert retry_after_seconds(None, now=now) is None


async def test_retry_after_longer_than_backoff_max_is_capped(fault_server: FaultServer) -> None:
    cap = 0.2
    # Far more than the cap, far less than the hour asked: a broken cap fails here, not by
    # hanging until the suite's timeout.
    bound = cap + 5.0
    fault_server.route("/a", Reply(503, headers=(("Retry-After", "3600"),)), Reply(body=b"page"))
    paces: list[PaceChange] = []
    async with fetcher(fault_server, backoff_max=cap) as client:
        client.watch_pace(paces.append)
        try:
            result = await asyncio.wait_for(client.fetch(fault_server.url("/a")), bound)
        except TimeoutError:
            result = None
    # The one hold the pacer announces is the cap, not the hour (whatever else it says).
    holds = [(p.hold, p.reason.split("; ")[0]) for p in paces if p.hold]
    assert holds == [(cap, f"held {cap:g} s (Retry-After 3600 s, capped)")]
    assert result is not None, f"no retry within {bound} s: the wait was not capped at {cap} s"
    assert (result.outcome, result.attempts) == ("ok", 2)
    first, second = (seen.at for seen in fault_server.requests_to("/a"))
    assert cap - CLOCK_SLACK <= second - first < bound, "the retry did not wait the cap"


async def test_500_forever_fails_after_retries_plus_one_attempts(
    fault_server: FaultServer,
) -> None:
    fault_server.route("/a", Reply(500))
    async with fetcher(fault_server, retries=3) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert (result.outcome, result.status, result.attempts) == ("failed", 500, 4)
    assert result.error == "HTTP 500 after 4 attempts"
    assert len(fault_server.requests_to("/a")) == 4


@pytest.mark.parametrize("status", [404, 410])
async def test_missing_page_is_gone_without_retry(fault_server: FaultServer, status: int) -> None:
    fault_server.route("/a", Reply(status))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert (result.outcome, result.status, result.attempts) == ("gone", status, 1)
    assert result.error == f"HTTP {status}"


@pytest.mark.parametrize("status", [401, 403, 451])
async def test_refused_page_is_blocked_without_retry(
    fault_server: FaultServer, status: int
) -> None:
    fault_server.route("/a", Reply(status))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert (result.outcome, result.status, result.attempts) == ("blocked", status, 1)
    assert result.error == f"HTTP {status}"


async def test_other_4xx_fails_without_retry(fault_server: FaultServer) -> None:
    fault_server.route("/a", Reply(400))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert (result.outcome, result.attempts, result.error) == ("failed", 1, "HTTP 400")


async def test_304_to_a_conditional_request_is_not_modified(fault_server: FaultServer) -> None:
    fault_server.route("/a", Reply(304))
    since = "Wed, 01 May 2024 12:00:00 GMT"
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/a"), etag='"v1"', last_modified=since)
    assert (result.outcome, result.status, result.body, result.error) == (
        "not_modified",
        304,
        b"",
        None,
    )
    sent = fault_server.requests_to("/a")[0].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == since


async def test_unconditional_request_sends_no_validators(fault_server: FaultServer) -> None:
    fault_server.route("/a", Reply(body=b"page"))
    async with fetcher(fault_server) as client:
        await client.fetch(fault_server.url("/a"))
    sent = fault_server.requests_to("/a")[0].headers
    assert "if-none-match" not in sent
    assert "if-modified-since" not in sent


@pytest.mark.parametrize("body", [b"", b" \r\n\t "])
async def test_empty_or_blank_200_is_empty(fault_server: FaultServer, body: bytes) -> None:
    fault_server.route("/a", Reply(body=body))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert (result.outcome, result.status, result.body) == ("empty", 200, body)
    assert result.error == "empty body (HTTP 200)"


async def test_robots_disallow_is_disallowed_and_never_requested(
    fault_server: FaultServer,
) -> None:
    fault_server.route("/robots.txt", robots("User-agent: newsarchive\nDisallow: /private\n"))
    fault_server.route("/private/a", Reply(body=b"secret"))
    fault_server.route("/public", Reply(body=b"page"))
    async with fetcher(fault_server) as client:
        refused = await client.fetch(fault_server.url("/private/a"))
        allowed = await client.fetch(fault_server.url("/public"))
    assert (refused.outcome, refused.attempts, refused.status) == ("disallowed", 0, None)
    assert refused.error == "disallowed by robots.txt"
    assert allowed.outcome == "ok"
    assert fault_server.requests_to("/private/a") == []
    assert len(fault_server.requests_to("/robots.txt")) == 1


async def test_robots_rules_for_other_agents_do_not_bind_us(fault_server: FaultServer) -> None:
    fault_server.route(
        "/robots.txt",
        robots("User-agent: otherbot\nDisallow: /\n\nUser-agent: *\nAllow: /\n"),
    )
    fault_server.route("/a", Reply(body=b"page"))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert result.outcome == "ok"


async def test_robots_crawl_delay_spaces_requests_to_the_host(fault_server: FaultServer) -> None:
    fault_server.route("/robots.txt", robots("User-agent: newsarchive\nCrawl-delay: 0.3\n"))
    paths = [f"/p{i}" for i in range(3)]
    for path in paths:
        fault_server.route(path, Reply(body=b"page"))
    async with fetcher(fault_server, delay=0.0, concurrency=3) as client:
        results = await asyncio.gather(*(client.fetch(fault_server.url(p)) for p in paths))
    assert all(r.outcome == "ok" for r in results)
    times = [seen.at for seen in fault_server.requests if seen.path in paths]
    assert min(gaps(times)) >= 0.3 - CLOCK_SLACK


async def test_per_host_delay_holds_across_parallel_fetches(fault_server: FaultServer) -> None:
    paths = [f"/p{i}" for i in range(4)]
    for path in paths:
        fault_server.route(path, Reply(body=b"page"))
    async with fetcher(fault_server, delay=0.2, concurrency=2) as client:
        results = await asyncio.gather(*(client.fetch(fault_server.url(p)) for p in paths))
    assert all(r.outcome == "ok" for r in results)
    # robots.txt is a request to the host too, and waits its turn like the pages.
    times = [seen.at for seen in fault_server.requests]
    assert len(times) == 5
    assert min(gaps(times)) >= 0.2 - CLOCK_SLACK


async def test_retries_wait_for_the_per_host_delay(fault_server: FaultServer) -> None:
    fault_server.route("/a", Reply(503), Reply(body=b"page"))
    async with fetcher(fault_server, delay=0.2) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert (result.outcome, result.attempts) == ("ok", 2)
    first, second = (seen.at for seen in fault_server.requests_to("/a"))
    assert second - first >= 0.2 - CLOCK_SLACK


async def test_concurrency_limit_holds_across_hosts(fault_server: FaultServer) -> None:
    gauge = fault_server.gauge
    with FaultServer(gauge) as other:
        for server in (fault_server, other):
            for i in range(5):
                server.route(f"/p{i}", Reply(body=b"page", delay=0.15))
        async with fetcher(fault_server, other, concurrency=3) as client:
            results = await asyncio.gather(
                *(client.fetch(s.url(f"/p{i}")) for s in (fault_server, other) for i in range(5))
            )
    assert all(r.outcome == "ok" for r in results)
    assert gauge.most <= 3
    assert gauge.most == 3  # the limit is a limit, not serialisation


async def test_body_declared_over_the_cap_fails(fault_server: FaultServer) -> None:
    fault_server.route("/big", Reply(size=5_000_000))
    async with fetcher(fault_server, max_body_bytes=1_000_000) as client:
        result = await client.fetch(fault_server.url("/big"))
    assert (result.outcome, result.status, result.body, result.attempts) == (
        "failed",
        200,
        b"",
        1,
    )
    assert result.error == "body over 1000000 bytes (Content-Length 5000000)"


async def test_streamed_body_over_the_cap_fails(fault_server: FaultServer) -> None:
    fault_server.route("/big", Reply(size=5_000_000, content_length=False))
    async with fetcher(fault_server, max_body_bytes=1_000_000) as client:
        result = await client.fetch(fault_server.url("/big"))
    assert (result.outcome, result.body, result.attempts) == ("failed", b"", 1)
    assert result.error == "body over 1000000 bytes"


async def test_body_at_the_cap_is_ok(fault_server: FaultServer) -> None:
    fault_server.route("/a", Reply(size=100_000, content_length=False))
    async with fetcher(fault_server, max_body_bytes=100_000) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert (result.outcome, len(result.body)) == ("ok", 100_000)


async def test_gzip_body_is_decoded(fault_server: FaultServer) -> None:
    page = "<p>Hà Nội</p>".encode() * 1000
    gzipped = gzip.compress(page)
    fault_server.route("/a", Reply(headers=(("Content-Encoding", "gzip"),), body=gzipped))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert (result.outcome, result.body) == ("ok", page)
    assert ("Content-Encoding", "gzip") in result.headers


async def test_gzip_bomb_fails_without_inflating_it(fault_server: FaultServer) -> None:
    bomb = gzip_bomb(100_000_000)  # ~100 KB on the wire
    fault_server.route("/bomb", Reply(headers=(("Content-Encoding", "gzip"),), body=bomb))
    async with fetcher(fault_server, max_body_bytes=1_000_000) as client:
        tracemalloc.start()
        try:
            result = await client.fetch(fault_server.url("/bomb"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert (result.outcome, result.attempts) == ("failed", 1)
    assert result.error == "body over 1000000 bytes"
    assert peak < 10_000_000  # a few times the cap, nowhere near the 100 MB inside


async def test_redirect_within_the_host_is_followed(fault_server: FaultServer) -> None:
    fault_server.route("/old", redirect("/new"))
    fault_server.route("/new", redirect(fault_server.url("/newest"), status=302))
    fault_server.route("/newest", Reply(body=b"page"))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/old"))
    assert (result.outcome, result.body, result.attempts) == ("ok", b"page", 3)
    assert result.url == fault_server.url("/old")
    assert result.final_url == fault_server.url("/newest")


async def test_redirect_to_a_utf8_location_is_followed(fault_server: FaultServer) -> None:
    # Servers send Vietnamese paths as raw UTF-8 bytes in Location.
    fault_server.route("/old", redirect("/tin-tức".encode().decode("latin-1")))
    fault_server.route("/tin-t%E1%BB%A9c", Reply(body=b"page"))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/old"))
    assert (result.outcome, result.body) == ("ok", b"page")
    assert result.final_url == fault_server.url("/tin-tức")


async def test_redirect_to_an_unparsable_location_fails(fault_server: FaultServer) -> None:
    fault_server.route("/a", redirect("http://[broken/"))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert (result.outcome, result.error) == ("failed", "redirect to invalid URL http://[broken/")


async def test_redirect_to_another_host_fails_and_never_reaches_it(
    fault_server: FaultServer,
) -> None:
    with FaultServer() as other:
        other.route("/x", Reply(body=b"elsewhere"))
        fault_server.route("/a", redirect(other.url("/x")))
        async with fetcher(fault_server) as client:
            result = await client.fetch(fault_server.url("/a"))
        assert other.requests == []
    assert (result.outcome, result.status, result.attempts) == ("failed", 301, 1)
    assert result.error == f"redirect to disallowed host {other.netloc}"
    assert result.final_url == fault_server.url("/a")


async def test_redirect_to_a_url_with_credentials_fails(fault_server: FaultServer) -> None:
    fault_server.route("/a", redirect(f"http://user:secret@{fault_server.netloc}/b"))
    fault_server.route("/b", Reply(body=b"page"))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert result.outcome == "failed"
    assert result.error == f"redirect to URL with credentials for host {fault_server.netloc}"
    assert fault_server.requests_to("/b") == []


async def test_redirect_to_another_scheme_fails(fault_server: FaultServer) -> None:
    fault_server.route("/a", redirect("ftp://example.org/file"))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert (result.outcome, result.error) == (
        "failed",
        "redirect to non-http(s) URL ftp://example.org/file",
    )


async def test_redirect_loop_fails(fault_server: FaultServer) -> None:
    fault_server.route("/a", redirect("/b"))
    fault_server.route("/b", redirect("/a"))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert result.outcome == "failed"
    assert result.error is not None and result.error.startswith("redirect loop")
    assert result.attempts == 2


async def test_more_than_ten_redirects_fail(fault_server: FaultServer) -> None:
    for i in range(12):
        fault_server.route(f"/r{i}", redirect(f"/r{i + 1}"))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/r0"))
    assert (result.outcome, result.error) == ("failed", "more than 10 redirects")
    assert result.attempts == 11
    assert fault_server.requests_to("/r11") == []


async def test_redirect_to_a_robots_disallowed_page_is_disallowed(
    fault_server: FaultServer,
) -> None:
    fault_server.route("/robots.txt", robots("User-agent: *\nDisallow: /private\n"))
    fault_server.route("/a", redirect("/private/b"))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert result.outcome == "disallowed"
    assert result.error is not None and "robots.txt" in result.error
    assert fault_server.requests_to("/private/b") == []


async def test_connection_reset_mid_body_is_retried_then_fails(fault_server: FaultServer) -> None:
    fault_server.route("/a", Reply(body=b"x" * 50_000, reset_after=1000))
    async with fetcher(fault_server, retries=2) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert (result.outcome, result.body, result.attempts) == ("failed", b"", 3)
    assert result.error is not None
    assert result.error.startswith("connection lost mid-body")
    assert result.error.endswith("after 3 attempts")
    assert len(fault_server.requests_to("/a")) == 3


async def test_slow_headers_past_the_read_timeout_are_retried_then_fail(
    fault_server: FaultServer,
) -> None:
    fault_server.route("/a", Reply(body=b"late", delay=1.0))
    async with fetcher(fault_server, read_timeout=0.2, retries=1) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert (result.outcome, result.status, result.attempts) == ("failed", None, 2)
    assert result.error == "read timeout after 2 attempts"


async def test_slow_body_within_the_read_timeout_is_ok(fault_server: FaultServer) -> None:
    fault_server.route("/a", Reply(body=b"y" * 50_000, chunk_delay=0.05))
    async with fetcher(fault_server, read_timeout=1.0) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert (result.outcome, result.body) == ("ok", b"y" * 50_000)


async def test_url_on_a_host_not_allowed_fails_without_a_request(
    fault_server: FaultServer,
) -> None:
    with FaultServer() as other:
        other.route("/a", Reply(body=b"page"))
        async with fetcher(fault_server) as client:
            result = await client.fetch(other.url("/a"))
            not_http = await client.fetch("file:///etc/passwd")
        assert other.requests == []
    assert (result.outcome, result.attempts, result.status) == ("failed", 0, None)
    assert result.error == f"host not allowed: {other.netloc}"
    assert not_http.outcome == "failed"
    assert fault_server.requests == []


async def test_allowed_hosts_compare_case_insensitively(fault_server: FaultServer) -> None:
    fault_server.route("/a", Reply(body=b"page"))
    url = fault_server.url("/a").replace("127.0.0.1", "127.0.0.1".upper())
    async with Fetcher(FAST, [fault_server.netloc.upper()]) as client:
        result = await client.fetch(url)
    assert result.outcome == "ok"


async def test_robots_fetched_once_per_host_for_parallel_fetches(
    fault_server: FaultServer,
) -> None:
    fault_server.route("/robots.txt", robots("User-agent: *\nAllow: /\n"))
    for i in range(4):
        fault_server.route(f"/p{i}", Reply(body=b"page"))
    async with fetcher(fault_server, concurrency=4) as client:
        await asyncio.gather(*(client.fetch(fault_server.url(f"/p{i}")) for i in range(4)))
    assert len(fault_server.requests_to("/robots.txt")) == 1
    assert fault_server.requests[0].path == "/robots.txt"


@pytest.mark.parametrize("status", [401, 403, 404, 410])
async def test_robots_4xx_allows_everything(fault_server: FaultServer, status: int) -> None:
    fault_server.route("/robots.txt", Reply(status))
    fault_server.route("/a", Reply(body=b"page"))
    async with fetcher(fault_server) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert result.outcome == "ok"


async def test_robots_unavailable_fails_every_page_until_asked_again(
    fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(robots_module, "UNAVAILABLE_RETRY_SECONDS", 0.5)
    fault_server.route("/robots.txt", Reply(503), Reply(503), Reply(200, body=b"User-agent: *\n"))
    fault_server.route("/a", Reply(body=b"page"))
    async with fetcher(fault_server, retries=1) as client:
        first = await client.fetch(fault_server.url("/a"))
        meanwhile = await client.fetch(fault_server.url("/a"))
        await asyncio.sleep(0.5)
        later = await client.fetch(fault_server.url("/a"))
    # Out of reach, robots.txt says nothing of the page: it failed, for a later run to retry.
    assert (first.outcome, first.attempts) == ("failed", 0)
    assert first.error is not None and "HTTP 503 after 2 attempts" in first.error
    assert meanwhile.outcome == "failed"
    assert later.outcome == "ok"
    assert len(fault_server.requests_to("/robots.txt")) == 3
    assert len(fault_server.requests_to("/a")) == 1


async def test_robots_ignored_when_obey_robots_is_off(fault_server: FaultServer) -> None:
    fault_server.route("/robots.txt", robots("User-agent: *\nDisallow: /\n"))
    fault_server.route("/a", Reply(body=b"page"))
    async with fetcher(fault_server, obey_robots=False) as client:
        result = await client.fetch(fault_server.url("/a"))
    assert result.outcome == "ok"
    assert fault_server.requests_to("/robots.txt") == []
