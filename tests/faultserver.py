"""A real HTTP/1.1 server on 127.0.0.1 that misbehaves on request, and remembers what it was asked.

Each path answers with a sequence of `Reply`s that a test sets (the last one repeats); unknown
paths, robots.txt included, get 404. A `limiter` (tests/limiters.py) may answer any request first,
refusing it as a rate limiter would. Runs in its own threads, so it keeps time and answers
whatever the event loop of the client under test is doing.
"""

from __future__ import annotations

import socket
import struct
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    delay: float = 0.0  # seconds before the status line (slow headers)
    size: int | None = None  # send this many bytes of b"x" instead of `body` (huge bodies)
    chunk_delay: float = 0.0  # pause between 16 KiB body chunks (slow body)
    reset_after: int | None = None  # send this many body bytes, then reset the connection
    truncate_after: int | None = None  # send this many body bytes, then close cleanly (FIN)
    content_length: bool = True  # False: no Content-Length, the body ends when the connection does


def redirect(location: str, status: int = 301) -> Reply:
    return Reply(status=status, headers=(("Location", location),))


def robots(text: str) -> Reply:
    return Reply(headers=(("Content-Type", "text/plain"),), body=text.encode())


def gzip_bomb(inflated_size: int) -> bytes:
    """A small gzip stream of zeros that inflates to `inflated_size` bytes."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    parts = [deflater.compress(block) for _ in range(inflated_size // len(block))]
    parts.append(deflater.compress(bytes(inflated_size % len(block))))
    parts.append(deflater.flush())
    return b"".join(parts)


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    path: str
    headers: dict[str, str]  # names lower-cased
    at: float  # time.monotonic() when its head had been read


class Gauge:
    """Requests being answered right now, and the most ever at once (shareable between servers)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.most = 0

    def up(self) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def down(self) -> None:
        with self._lock:
            self.now -= 1


@dataclass
class _Route:
    replies: list[Reply]
    served: int = 0

    def next(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


# Told of each request's path (under the server's lock, in the order they came): a reply that
# refuses it, or None to answer it as routed.
Limiter = Callable[[str], "Reply | None"]


class FaultServer:
    def __init__(
        self, gauge: Gauge | None = None, host: str = "127.0.0.1", limiter: Limiter | None = None
    ) -> None:
        """`host`: any loopback address (127.0.0.2 stands for "another machine")."""
        self.gauge = gauge or Gauge()
        self.limiter = limiter
        self._lock = threading.Lock()
        self._routes: dict[str, _Route] = {}
        self._seen: list[Seen] = []
        self._httpd = _Server((host, 0), _Handler)
        self._httpd.fault = self
        # A short poll interval: shutdown() waits for the loop to notice, once per test.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def netloc(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"{host}:{port}"

    def url(self, path: str) -> str:
        return f"http://{self.netloc}{path}"

    def route(self, path: str, *replies: Reply) -> None:
        """Answer `path` with `replies` in turn; the last one repeats forever."""
        with self._lock:
            self._routes[path] = _Route(list(replies) or [Reply()])

    @property
    def requests(self) -> list[Seen]:
        with self._lock:
            return list(self._seen)

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.requests if seen.path == path]

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _take(self, handler: _Handler) -> Reply:
        seen = Seen(
            handler.path, {k.lower(): v for k, v in handler.headers.items()}, time.monotonic()
        )
        with self._lock:
            self._seen.append(seen)
            refusal = self.limiter(handler.path) if self.limiter is not None else None
            if refusal is not None:
                return refusal
            route = self._routes.get(handler.path)
            return route.next() if route else Reply(status=404, body=b"not found")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # handlers asleep in a slow reply must not hold up the test
    fault: FaultServer

    def handle_error(self, request: object, client_address: object) -> None:
        # A client hanging up on a keep-alive connection (cap reached, timeout) is expected.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        fault = self.server.fault
        reply = fault._take(self)
        fault.gauge.up()
        try:
            self._answer(reply)
        except OSError:  # the client hung up (timeout, cap reached): nothing more to say
            self.close_connection = True
        finally:
            fault.gauge.down()

    def _answer(self, reply: Reply) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        length = reply.size if reply.size is not None else len(reply.body)
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.content_length:
            self.send_header("Content-Length", str(length))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        sent = 0
        for chunk in self._body(reply):
            if reply.reset_after is not None and sent + len(chunk) >= reply.reset_after:
                self.wfile.write(chunk[: reply.reset_after - sent])
                self.wfile.flush()
                self._reset()
                return
            if reply.truncate_after is not None and sent + len(chunk) >= reply.truncate_after:
                # Fewer bytes than the Content-Length promised, then an orderly close.
                self.wfile.write(chunk[: reply.truncate_after - sent])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(chunk)
            sent += len(chunk)
            if reply.chunk_delay:
                self.wfile.flush()
                time.sleep(reply.chunk_delay)
        self.wfile.flush()

    @staticmethod
    def _body(reply: Reply) -> Iterator[bytes]:
        step = 16384
        if reply.size is None:
            for start in range(0, len(reply.body), step):
                yield reply.body[start : start + step]
            return
        for start in range(0, reply.size, step):
            yield b"x" * min(step, reply.size - start)

    def _reset(self) -> None:
        # Linger 0 makes close() send RST: the connection dies mid-body, not with a clean EOF.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


__all__ = ["FaultServer", "Gauge", "Limiter", "Reply", "Seen", "gzip_bomb", "redirect", "robots"]
