"""The polite HTTP client: one connection pool, robots.txt, pacing, retries, caps, redirects."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_result

from ..config import FetchSettings
from ..errors import BodyTooLarge, BodyUndecodable
from .backoff import RETRY_STATUSES, BackoffOrRetryAfter, header_value, retry_after_seconds
from .body import ACCEPT_ENCODING, read_capped
from .hosts import AllowedHosts, netloc_of
from .pacing import PRESSURE_STATUSES, HostGate, HostPacer, PaceChange, Pressure
from .result import FetchResult, Outcome, Reach, outcome_of
from .robots import RobotsFile, RobotsRules

MAX_REDIRECTS = 10
# Google follows at most five hops for robots.txt, then treats it as missing.
MAX_ROBOTS_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


# _Reply and _Walk are made for every fetch and never changed: not frozen, since a frozen
# dataclass's __init__ (object.__setattr__ per field) costs about three times as much.
@dataclass(slots=True)
class _Reply:
    """One attempt: the response as far as it came, or the transport problem that ended it."""

    status: int | None
    headers: tuple[tuple[str, str], ...]
    body: bytes
    began_at: datetime
    error: str | None = None
    retryable: bool = False
    # The exchange as it happened, for archiving it (see FetchResult).
    request_headers: tuple[tuple[str, str], ...] = ()
    http_version: str = ""
    reason: str = ""


@dataclass(slots=True)
class _Walk:
    """A chain of redirects followed to its end, or to the hop that had to stop it."""

    final_url: str
    reply: _Reply
    attempts: int  # for the last hop: how many tries it took
    outcome: Outcome | None = None  # set when the chain itself was refused
    error: str | None = None


@dataclass(slots=True)
class _Sending:
    """When a request went out (its head about to be written), for timing its answer."""

    at: float


# httpcore's `trace` request extension: awaited with each step's name as the exchange goes on.
_Trace = Callable[[str, dict[str, Any]], Awaitable[None]]


class _Tally:
    """Requests made on behalf of one URL, across retries and redirect hops."""

    def __init__(self) -> None:
        self.requests = 0


class Fetcher:
    """Fetches URLs of the allowed hosts politely; every problem comes back as an outcome."""

    def __init__(
        self,
        settings: FetchSettings,
        allowed_hosts: Iterable[str],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        before_request: HostGate | None = None,
    ) -> None:
        """`before_request`: a gate every request also waits at, after this fetcher's own
        pacing (see HostGate)."""
        self._settings = settings
        self._gate = before_request
        self._hosts = AllowedHosts(allowed_hosts)
        self._client = httpx.AsyncClient(
            headers={
                "User-Agent": settings.user_agent_header,
                # Only codings we inflate ourselves within the body cap (see body.py).
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.read_timeout,
                pool=settings.connect_timeout,
            ),
            # Every hop is checked against the allowed hosts and robots.txt before it is taken.
            follow_redirects=False,
            transport=transport,
        )
        self._slots = asyncio.Semaphore(settings.concurrency)
        self.reach = Reach()
        self._pacer = HostPacer(
            step=settings.backoff_base,
            ceiling=settings.backoff_max,
            slow=settings.slow_response,
            alone=before_request is None,
        )
        # robots.txt groups name the product token: "newsarchive" of "newsarchive/0.1".
        token = settings.user_agent.split("/")[0].strip() or settings.user_agent
        self._robots = RobotsRules(token, self._load_robots) if settings.obey_robots else None

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    @property
    def pressure(self) -> Pressure:
        """The 429s and 503s received so far, and the seconds hosts were held for them."""
        return self._pacer.pressure

    def watch_pace(self, on_pace: Callable[[PaceChange], None] | None) -> None:
        """Be told from now on when the pace to a host changes, and why."""
        self._pacer.on_change = on_pace

    def rate(self, netloc: str) -> float | None:
        """Requests a second `netloc` is paced at now (the configured delay at least); None
        when nothing limits it."""
        return self._pacer.rate(netloc, self._settings.delay)

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET `url`; conditional when the `etag` or `last_modified` the server sent is given."""
        started = time.monotonic()
        tally = _Tally()
        netloc, refusal = self._hosts.check(url)
        if refusal is not None:
            return FetchResult.unanswered(url, "failed", refusal, started)
        if self._robots is not None:
            refusal = await self._robots.refusal(url, netloc)
            if refusal is not None:
                # robots.txt out of reach says nothing of the page: a failure, tried again later.
                outcome: Outcome = "failed" if self._robots.unavailable(netloc) else "disallowed"
                return FetchResult.unanswered(url, outcome, refusal, started)

        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        walk = await self._follow(
            url, netloc, headers, tally, max_hops=MAX_REDIRECTS, check_robots=True
        )
        reply = walk.reply
        outcome, error = _judge(walk)
        return FetchResult(
            url=url,
            final_url=walk.final_url,
            outcome=outcome,
            status=reply.status,
            headers=reply.headers,
            body=reply.body,
            fetched_at=reply.began_at,
            elapsed=time.monotonic() - started,
            attempts=tally.requests,
            error=error,
            request_headers=reply.request_headers,
            http_version=reply.http_version,
            reason=reply.reason,
            complete=reply.status is not None and reply.error is None,
        )

    async def _follow(
        self,
        url: str,
        netloc: str,
        headers: dict[str, str],
        tally: _Tally,
        *,
        max_hops: int,
        check_robots: bool,
    ) -> _Walk:
        # The conditional headers go with every hop: the validators were stored for the
        # page this URL led to, and a redirect response simply ignores them.
        current = url
        seen = {url}
        for _hop in range(max_hops + 1):
            reply, attempts = await self._with_retries(current, netloc, headers, tally)
            if reply.error is not None or reply.status not in REDIRECT_STATUSES:
                return _Walk(current, reply, attempts)
            location = header_value(reply.headers, "location")
            if not location or not location.strip():
                cause = f"HTTP {reply.status} redirect without Location"
                return _Walk(current, reply, attempts, "failed", cause)
            try:
                target = urldefrag(urljoin(current, location.strip())).url
            except ValueError:  # e.g. "http://[broken": urljoin parses the netloc
                cause = f"redirect to invalid URL {location.strip()}"
                return _Walk(current, reply, attempts, "failed", cause)
            target_netloc, refusal = self._hosts.check(target, redirect=True)
            if refusal is not None:
                return _Walk(current, reply, attempts, "failed", refusal)
            if target in seen:
                return _Walk(current, reply, attempts, "failed", f"redirect loop at {target}")
            if check_robots and self._robots is not None:
                refusal = await self._robots.refusal(target, target_netloc)
                if refusal is not None:
                    cause = f"redirect to {target}: {refusal}"
                    return _Walk(current, reply, attempts, "disallowed", cause)
            seen.add(target)
            current, netloc = target, target_netloc
        return _Walk(current, reply, attempts, "failed", f"more than {max_hops} redirects")

    async def _with_retries(
        self, url: str, netloc: str, headers: dict[str, str], tally: _Tally
    ) -> tuple[_Reply, int]:
        """One hop: attempts until a final answer or `retries` more tries; the last reply wins."""
        before = tally.requests
        reply = await self._attempt(url, netloc, headers, tally)
        if reply.retryable:
            # Most hops end at their first try, and running it through tenacity cost about
            # as much as the rest of our layer. So tenacity takes over from the first reply
            # on, handed it as its own attempt 1: waits and counts are its own as ever.
            first: _Reply | None = reply
            settings = self._settings
            tries = settings.retries + 1
            promised = 0  # refusals that named a later time to come back (Retry-After > 0)
            kept = False  # the last reply was such a refusal: this try is the one it promised

            async def attempt() -> _Reply:
                nonlocal first, promised, kept
                if first is None:
                    got = await self._attempt(
                        url, netloc, headers, tally, retry=True, promised=kept
                    )
                else:
                    got, first = first, None
                asked = None
                if got.status in PRESSURE_STATUSES:
                    asked = retry_after_seconds(header_value(got.headers, "retry-after"))
                kept = asked is not None and asked > 0
                promised += kept
                return got

            def out_of_tries(state: RetryCallState) -> bool:
                # A refusal naming when to come back is the server's promise, not a failure: it
                # costs no try, up to as many again as `retries` gives.
                return state.attempt_number - min(promised, tries) >= tries

            retrying = AsyncRetrying(
                stop=out_of_tries,
                wait=BackoffOrRetryAfter(settings.backoff_base, settings.backoff_max),
                retry=retry_if_result(_is_retryable),
                # Out of tries: hand back the last reply; its status or error becomes the cause.
                retry_error_callback=_last_result,
            )
            reply = await retrying(attempt)
        return reply, tally.requests - before

    async def _attempt(
        self,
        url: str,
        netloc: str,
        headers: dict[str, str],
        tally: _Tally,
        *,
        retry: bool = False,
        promised: bool = False,
    ) -> _Reply:
        """One request, paced; `retry`: it repeats one, `promised`: one refused with a
        Retry-After."""
        interval = self._settings.delay
        if self._robots is not None:
            interval = max(interval, self._robots.crawl_delay(netloc))
        # The slot is taken before the pacing wait: a request then starts the moment its
        # turn comes, so start-to-start spacing holds whatever the other tasks do.
        async with self._slots:
            ticket = await self._pacer.wait_turn(netloc, interval, retry=retry, promised=promised)
            sent = _Sending(time.monotonic())
            gate = None
            if self._gate is not None:
                gate = self._gated(self._gate, netloc, self._pacer.spacing(netloc, interval), sent)
            reply = await self._request(url, headers, tally, gate)
            if reply.status is not None:
                self.reach.answered += 1
            elif reply.error is not None:
                self.reach.unanswered[reply.error] += 1
            # What the answer says of the host's load paces the next requests to it. (The
            # pacer heeds a Retry-After only on a pressure status: only then is it looked for.)
            retry_after = unreadable = None
            if reply.status in PRESSURE_STATUSES:
                asked = header_value(reply.headers, "retry-after")
                retry_after = retry_after_seconds(asked)
                if asked is not None and retry_after is None:
                    # The server asked for a wait but not how long: backoff_base, our choice.
                    retry_after, unreadable = self._settings.backoff_base, asked
                if retry_after is not None and self._gate is not None:
                    # Every crawl sharing the archive holds too, not only this one.
                    self._gate.hold(netloc, min(retry_after, self._settings.backoff_max))
            self._pacer.observe(
                ticket,
                status=reply.status,
                elapsed=time.monotonic() - sent.at,
                retry_after=retry_after,
                unreadable=unreadable,
            )
        return reply

    @staticmethod
    def _gated(gate: HostGate, netloc: str, spacing: float, sent: _Sending) -> _Trace:
        """httpcore's trace hook, waiting at `gate` the moment the request's head is about to
        be written (after the connection is made, so the turn is not spent connecting), and
        telling it when the head is out."""

        async def trace(event: str, info: dict[str, Any]) -> None:
            if event.endswith(".send_request_headers.started"):
                await gate.wait_turn(netloc, spacing)
                sent.at = time.monotonic()
            elif event.endswith(".send_request_headers.complete"):
                gate.started(netloc, spacing, time.monotonic() - sent.at)

        return trace

    async def _request(
        self, url: str, headers: dict[str, str], tally: _Tally, trace: _Trace | None = None
    ) -> _Reply:
        """One request, its body read within the cap; every problem becomes the reply's error.
        `trace` is httpcore's trace extension, told of each step of the exchange."""
        tally.requests += 1
        began_at = datetime.now(UTC)
        status: int | None = None
        received: tuple[tuple[str, str], ...] = ()
        sent: tuple[tuple[str, str], ...] = ()
        version = reason = ""
        try:
            extensions = None if trace is None else {"trace": trace}
            # What client.stream() does, without its context manager's generator around it.
            request = self._client.build_request("GET", url, headers=headers, extensions=extensions)
            response = await self._client.send(request, stream=True)
            try:
                began_at = datetime.now(UTC)
                status = response.status_code
                # httpx's choice of ascii, utf-8 or latin-1: a Location with
                # Vietnamese in UTF-8 stays readable.
                charset = response.headers.encoding
                received = tuple(
                    [(k.decode(charset), v.decode(charset)) for k, v in response.headers.raw]
                )
                sent = tuple(
                    [
                        (k.decode("latin-1"), v.decode("latin-1"))
                        for k, v in response.request.headers.raw
                    ]
                )
                version, reason = response.http_version, response.reason_phrase
                body = await read_capped(response, self._settings.max_body_bytes)
            finally:
                await response.aclose()
        except (BodyTooLarge, BodyUndecodable) as exc:
            return _Reply(status, received, b"", began_at, str(exc))
        except httpx.TimeoutException as exc:
            return _Reply(status, received, b"", began_at, _timeout_cause(exc), True)
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            cause = _transport_cause(exc, mid_body=status is not None)
            return _Reply(status, received, b"", began_at, cause, True)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            return _Reply(status, received, b"", began_at, f"request error: {_one_line(exc)}")
        return _Reply(
            status,
            received,
            body,
            began_at,
            None,
            status in RETRY_STATUSES,
            request_headers=sent,
            http_version=version,
            reason=reason,
        )

    async def _load_robots(self, robots_url: str) -> RobotsFile:
        netloc = netloc_of(urlsplit(robots_url))
        walk = await self._follow(
            robots_url, netloc, {}, _Tally(), max_hops=MAX_ROBOTS_REDIRECTS, check_robots=False
        )
        reply = walk.reply
        if walk.error is not None:
            # A redirect we could not follow: the status (3xx) says "no robots.txt found".
            return RobotsFile(reply.status, b"", walk.error)
        if reply.error is not None:
            return RobotsFile(None, b"", _after(reply.error, walk.attempts))
        if reply.status in RETRY_STATUSES:
            return RobotsFile(reply.status, b"", _after(f"HTTP {reply.status}", walk.attempts))
        return RobotsFile(reply.status, reply.body)


def _judge(walk: _Walk) -> tuple[Outcome, str | None]:
    reply = walk.reply
    if walk.outcome is not None:
        return walk.outcome, walk.error
    if reply.error is not None or reply.status is None:
        return "failed", _after(reply.error or "no response", walk.attempts)
    outcome = outcome_of(reply.status, reply.body)
    if outcome in ("ok", "not_modified"):
        return outcome, None
    if outcome == "empty":
        return outcome, f"empty body (HTTP {reply.status})"
    return outcome, _after(f"HTTP {reply.status}", walk.attempts)


def _after(cause: str, attempts: int) -> str:
    return f"{cause} after {attempts} attempts" if attempts > 1 else cause


def _is_retryable(reply: _Reply) -> bool:
    return reply.retryable


def _last_result(state: RetryCallState) -> Any:
    assert state.outcome is not None  # tenacity calls this only after an attempt
    return state.outcome.result()


def _timeout_cause(exc: httpx.TimeoutException) -> str:
    kinds = {
        httpx.ConnectTimeout: "connect timeout",
        httpx.ReadTimeout: "read timeout",
        httpx.WriteTimeout: "write timeout",
        httpx.PoolTimeout: "pool timeout",
    }
    return kinds.get(type(exc), "timeout")


def _transport_cause(exc: httpx.TransportError, *, mid_body: bool) -> str:
    if isinstance(exc, httpx.ConnectError):
        # What failed, told by the error underneath: name lookup, no listener, TLS.
        for cause in _chain(exc):
            if isinstance(cause, socket.gaierror):
                return f"DNS lookup failed: {_one_line(cause)}"
            if isinstance(cause, ConnectionRefusedError):
                return "connection refused"
            if isinstance(cause, ssl.SSLError):
                return f"TLS handshake failed: {_one_line(cause)}"
        return f"connection failed: {_one_line(exc)}"
    where = "connection lost mid-body" if mid_body else "connection lost"
    return f"{where}: {_one_line(exc)}"


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and the errors it was raised from or during, outermost first."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
