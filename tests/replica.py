"""A replica of kinhtedothi.vn served from `fixtures/site/` on 127.0.0.1 (stdlib only).

A URL path maps to a file under the root: `/` and `/<dir>/` to `index.html`, anything else to the
file of that name (a name without a suffix is served as HTML, a clean URL). A URL with a query
string is the file whose name carries `@` and the query before its suffix, if there is one
(`/xa-hoi/?page=2` is `xa-hoi/index@page=2.html`); otherwise the query string is ignored for the
lookup (but kept in the request log).
Unknown paths answer 404 with the body of the site's own `404.html`; the expected records
(`*.expected.json`) are not part of the site and answer 404 too; paths with `..` are refused (403).
Files carry an `ETag` (of their content) and a `Last-Modified` (their mtime), and a conditional
GET whose validator still holds gets `304 Not Modified` (recorded in `Replica.not_modified`).

In tests::

    with start_replica() as replica:
        httpx.get(replica.base_url + "/robots.txt")
        assert replica.requests == ["/robots.txt"]

From a shell: `python tests/replica.py --port 8765` serves in the foreground until killed.
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "site"

CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".txt": "text/plain; charset=utf-8",
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], root: Path, replica: Replica) -> None:
        self.root = root
        self.replica = replica
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer (a crawl stopped or killed) is no fault of the
        # replica's: no traceback for it.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Head and body go out in two writes: without this, Nagle's algorithm holds the body back
    # until the client's delayed ACK (~40 ms a page on Linux).
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return "nginx"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `Replica.requests` instead of a log."""

    def _answer(self, *, send_body: bool) -> None:
        self.server.replica._record(self.path)
        raw_path = urlsplit(self.path).path or "/"
        path = unquote(raw_path)
        if ".." in path.split("/") or "\\" in path or "\x00" in path:
            self._send(HTTPStatus.FORBIDDEN, b"Forbidden\n", "text/plain; charset=utf-8", send_body)
            return
        target = self._resolve(path, urlsplit(self.path).query)
        if (
            target is None
            and not path.endswith("/")
            and (self.server.root / path.lstrip("/")).is_dir()
        ):
            query = urlsplit(self.path).query
            location = raw_path + "/" + (f"?{query}" if query else "")
            self._send(HTTPStatus.MOVED_PERMANENTLY, b"", "text/plain", send_body, location)
            return
        if target is None:
            body = (self.server.root / "404.html").read_bytes()
            self._send(HTTPStatus.NOT_FOUND, body, CONTENT_TYPES[".html"], send_body)
            return
        body = target.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        modified = email.utils.formatdate(int(target.stat().st_mtime), usegmt=True)
        validators = (("ETag", etag), ("Last-Modified", modified))
        if self._still_valid(etag, target):
            self.server.replica._record_not_modified(self.path)
            self._send(HTTPStatus.NOT_MODIFIED, b"", _content_type(target), False, extra=validators)
            return
        self._send(HTTPStatus.OK, body, _content_type(target), send_body, extra=validators)

    def _still_valid(self, etag: str, target: Path) -> bool:
        """RFC 9110: If-None-Match wins over If-Modified-Since when both are sent."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag in [tag.strip() for tag in if_none_match.split(",")]
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since is None:
            return False
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False
        return int(target.stat().st_mtime) <= since

    def _resolve(self, path: str, query: str = "") -> Path | None:
        root = self.server.root
        relative = path.lstrip("/")
        if relative == "" or relative.endswith("/"):
            relative += "index.html"
        if relative.endswith(".expected.json"):
            return None
        if query and "/" not in query:
            folder, _, name = relative.rpartition("/")
            stem, dot, suffix = name.rpartition(".") if "." in name else (name, "", "")
            queried = (folder + "/" if folder else "") + f"{stem}@{query}{dot}{suffix}"
            if (found := self._resolve(queried)) is not None:
                return found
        candidate = (root / relative).resolve()
        if not candidate.is_relative_to(root) or not candidate.is_file():
            return None
        return candidate

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        send_body: bool,
        location: str | None = None,
        extra: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(body)))
        if location is not None:
            self.send_header("Location", location)
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)


def _content_type(path: Path) -> str:
    if path.name == "robots.txt":
        return CONTENT_TYPES[".txt"]
    if not path.suffix:  # a clean URL: `/van-hoa/p2`
        return CONTENT_TYPES[".html"]
    return CONTENT_TYPES.get(path.suffix, "application/octet-stream")


class Replica:
    """A running replica: `base_url`, the `requests` it received, `stop()`; a context manager."""

    def __init__(self, root: Path, host: str, port: int) -> None:
        self.root = root.resolve()
        # Request paths (with their query strings) in the order received. Appends happen under
        # `_lock`; read it directly or take a snapshot with `list(replica.requests)`.
        self.requests: list[str] = []
        # When each of `requests` arrived (time.monotonic()), in the same order.
        self.request_times: list[float] = []
        self.not_modified: list[str] = []  # request paths answered 304
        self._lock = threading.Lock()
        self._server = _Server((host, port), self.root, self)
        bound_host, bound_port = self._server.server_address[:2]
        self.host = str(bound_host)
        self.port = int(bound_port)
        self.base_url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"replica:{self.port}", daemon=True
        )
        self._stopped = False

    def _start(self) -> Replica:
        self._thread.start()
        return self

    def _record(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)
            self.request_times.append(time.monotonic())

    def _record_not_modified(self, path: str) -> None:
        with self._lock:
            self.not_modified.append(path)

    def url(self, path: str) -> str:
        """The replica's address for a site path such as `/rss/home.rss`."""
        return self.base_url + path

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> Replica:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_replica(root: Path = DEFAULT_ROOT, host: str = "127.0.0.1", port: int = 0) -> Replica:
    """Serve `root` on `host:port` (0: a free port) in a daemon thread and return at once."""
    if not (root / "404.html").is_file():
        raise FileNotFoundError(f"not a replica site (no 404.html): {root}")
    return Replica(root, host, port)._start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Serve the kinhtedothi.vn replica (fixtures/site)."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    args = parser.parse_args(argv)
    replica = start_replica(args.root, args.host, args.port)
    print(f"serving {replica.root} at {replica.base_url} (Ctrl-C to stop)", flush=True)
    try:
        replica._thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        replica.stop()


if __name__ == "__main__":
    main()


def unknown_layout_page(n: int) -> str:
    """An article in a template no layout's rules know, with JSON-LD (headline, date): the
    generic reader reads it; no author, no section, no tags."""
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Bài số {n} trong bố cục mới - Kinh tế &amp; Đô thị</title>
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "Bài số {n} trong bố cục mới",
"datePublished": "2026-01-{n % 28 + 1:02d}T08:00:00+07:00"}}</script>
</head><body><div class="khung-trang-moi">
<article class="noi-dung-moi"><h1>Bài số {n} trong bố cục mới</h1>
<p>Đoạn mở đầu của bài số {n}, viết trong bố cục mà chưa quy tắc nào của trang biết đến cả.</p>
<p>Đoạn thứ hai của bài số {n} đủ dài để bộ đọc chung nhận ra đây là thân của một bài báo.</p>
<p>Đoạn cuối của bài số {n} khép lại bài viết, không tác giả, không chuyên mục, không thẻ.</p>
</article></div></body></html>
"""
