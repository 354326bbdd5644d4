"""Fetched responses → WARC/1.1 files: one gzip member per record, rotated by size, indexed.

Each fetch whose response came whole becomes a `response` record (or a `revisit` when the page
is unchanged since an earlier capture in the same directory) followed by its `request` record.
Knows nothing of HTML or SQL: a `FetchResult` in, records out.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from io import BytesIO
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO
from urllib.parse import urlsplit, urlunsplit

from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.warcwriter import WARCWriter

from ..config import Config
from ..errors import WarcError
from ..fetch import FetchResult
from ..site.urls import SITE_ROOT
from ..warclink import WarcLink
from .cdxj import IndexLine, parse_timestamp14, read_index, sort_index, timestamp14

SUFFIX = ".warc.gz"
INDEX_SUFFIX = ".cdxj"
PREFIX = "newsarchive"
SPEC_URL = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
REVISIT_MIME = "warc/revisit"
# httpx hands over the body with transfer and content codings undone; these headers would
# tell a reader to undo them again, so they are kept under this prefix instead (as pywb and
# warcprox do for the same reason).
ORIGINAL_PREFIX = "X-Archive-Orig-"
_DECODED_HEADERS = ("transfer-encoding", "content-encoding")


@dataclass(frozen=True, slots=True)
class _Capture:
    """An earlier full capture of a URL: what a revisit record points to."""

    uri: str
    date: str  # its WARC-Date
    digest: str  # "sha1:BASE32"


class WarcWriter:
    """Writes fetches into `directory`; a context manager. `mirror` is the base URL fetched
    from instead of the site, if any: records name the site's URLs and warcinfo the mirror."""

    def __init__(
        self,
        directory: str | Path,
        *,
        max_bytes: int,
        mirror: str | None = None,
        user_agent: str = "",
        obey_robots: bool = True,
    ) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.mirror = mirror or None
        self.user_agent = user_agent
        self.obey_robots = obey_robots
        self.files: list[Path] = []  # written by this writer, in order
        self._serial = 0
        self._file: BinaryIO | None = None
        self._index: Any = None  # the open text file of the current CDXJ
        self._path: Path | None = None
        self._writer: WARCWriter | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarcError(
                f"cannot create WARC directory {self.directory}: {exc.strerror}"
            ) from None
        # Same page, same payload: (uri, digest) → its first capture; a 304: uri → the latest.
        self._first: dict[tuple[str, str], _Capture] = {}
        self._latest: dict[str, _Capture] = {}
        self._remember_earlier_files()

    # -- the public side -------------------------------------------------------------------

    def record(self, result: FetchResult) -> WarcLink | None:
        """Write one fetch; where its `response` or `revisit` record lies. Fetches that got no
        whole response (refused, cut short) have nothing to archive and are passed over."""
        if not result.complete or result.status is None:
            return None
        uri = self.site_uri(result.final_url)
        date = result.fetched_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        writer = self._current()
        response_headers = _response_headers(result)
        digest = _sha1(result.body)
        earlier = self._earlier(uri, result.status, digest)
        offset = self._tell()
        if earlier is not None:
            profile = PROFILE_NOT_MODIFIED if result.status == 304 else PROFILE_IDENTICAL
            main = writer.create_warc_record(
                uri,
                "revisit",
                http_headers=response_headers,
                warc_headers_dict={
                    **_first_headers("revisit", uri, date),
                    "WARC-Profile": profile,
                    "WARC-Refers-To-Target-URI": earlier.uri,
                    "WARC-Refers-To-Date": earlier.date,
                    "WARC-Payload-Digest": earlier.digest,
                },
            )
            mime = REVISIT_MIME
        else:
            main = writer.create_warc_record(
                uri,
                "response",
                payload=BytesIO(result.body),
                length=len(result.body),
                http_headers=response_headers,
                warc_headers_dict=_first_headers("response", uri, date),
            )
            mime = _media_type(response_headers.get_header("Content-Type"))
        writer.write_record(main)
        length = self._tell() - offset
        writer.write_record(self._request_record(writer, result, uri, date, main))
        self._note(main, uri, date, digest, mime, result.status, offset, length)
        assert self._path is not None
        # Absolute: `show` and `cite` name the file wherever they are run from.
        link = WarcLink(
            str(self._path.absolute()),
            offset,
            length,
            main.rec_headers.get_header("WARC-Record-ID"),
        )
        if self._tell() >= self.max_bytes:
            self._finish_file()
        return link

    def site_uri(self, fetched: str) -> str:
        """The site's URL of a URL fetched, perhaps from the mirror."""
        if self.mirror is None:
            return fetched
        parts = urlsplit(fetched)
        if parts.netloc.lower() != urlsplit(self.mirror).netloc.lower():
            return fetched
        root = urlsplit(SITE_ROOT)
        return urlunsplit((root.scheme, root.netloc, parts.path or "/", parts.query, ""))

    def close(self) -> None:
        self._finish_file()

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- records ---------------------------------------------------------------------------

    def _earlier(self, uri: str, status: int, digest: str) -> _Capture | None:
        if status == 304:
            return self._latest.get(uri)
        if 200 <= status < 300:
            return self._first.get((uri, digest))
        return None

    def _request_record(
        self, writer: WARCWriter, result: FetchResult, uri: str, date: str, main: Any
    ) -> Any:
        parts = urlsplit(result.final_url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = StatusAndHeaders(
            f"GET {target} {result.http_version}",
            list(result.request_headers),
            is_http_request=True,
        )
        return writer.create_warc_record(
            uri,
            "request",
            http_headers=headers,
            warc_headers_dict={
                **_first_headers("request", uri, date),
                "WARC-Concurrent-To": main.rec_headers.get_header("WARC-Record-ID"),
            },
        )

    def _note(
        self,
        main: Any,
        uri: str,
        date: str,
        digest: str,
        mime: str,
        status: int,
        offset: int,
        length: int,
    ) -> None:
        assert self._path is not None and self._index is not None
        stamp = timestamp14(datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC))
        payload_digest = main.rec_headers.get_header("WARC-Payload-Digest") or digest
        line = IndexLine(
            url=uri,
            timestamp=stamp,
            mime=mime,
            status=status,
            digest=payload_digest.removeprefix("sha1:"),
            length=length,
            offset=offset,
            filename=self._path.name,
        )
        self._index.write(line.to_line() + "\n")
        self._index.flush()
        if mime != REVISIT_MIME and 200 <= status < 300:
            capture = _Capture(uri, date, digest)
            self._first.setdefault((uri, digest), capture)
            self._latest[uri] = capture

    # -- files -----------------------------------------------------------------------------

    def _current(self) -> WARCWriter:
        if self._writer is None:
            self._open_file()
        assert self._writer is not None
        return self._writer

    def _tell(self) -> int:
        assert self._file is not None
        return self._file.tell()

    def _open_file(self) -> None:
        # Names sort in writing order; another writer in the same directory and moment (or a
        # file left there) only moves this one on to the next serial number.
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        while True:
            self._serial += 1
            name = f"{PREFIX}-{stamp}-{os.getpid()}-{self._serial:05d}{SUFFIX}"
            path = self.directory / name
            index = self.directory / (name.removesuffix(SUFFIX) + INDEX_SUFFIX)
            try:
                self._index = index.open("x", encoding="utf-8")
            except FileExistsError:
                continue
            except OSError as exc:
                raise WarcError(f"cannot create {index}: {exc.strerror}") from None
            try:
                self._file = path.open("xb")
                break
            except OSError as exc:
                self._index.close()
                index.unlink()
                if not isinstance(exc, FileExistsError):
                    raise WarcError(f"cannot create {path}: {exc.strerror}") from None
        self._path = path
        self.files.append(path)
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        self._writer.write_record(self._writer.create_warcinfo_record(name, self._info()))

    def _info(self) -> dict[str, str]:
        info = {
            "software": f"newsarchive/{version('newsarchive')} warcio/{version('warcio')}",
            "format": "WARC File Format 1.1",
            "conformsTo": SPEC_URL,
            "hostname": socket.gethostname(),
            "http-header-user-agent": self.user_agent,
            "robots": "obey" if self.obey_robots else "ignore",
            "description": f"Pages of {SITE_ROOT}; WARC-Target-URI is the site's URL.",
        }
        if self.mirror:
            info["mirror"] = self.mirror
            info["description"] = (
                f"Pages of {SITE_ROOT} fetched from the mirror {self.mirror}; "
                "WARC-Target-URI is the site's URL, the request records show the mirror's."
            )
        return info

    def _finish_file(self) -> None:
        if self._file is None:
            return
        index_path = Path(self._index.name)
        self._file.close()
        self._index.close()
        self._file = self._index = self._writer = None
        self._path = None
        sort_index(index_path)

    def _remember_earlier_files(self) -> None:
        """Captures in the directory's indexes from earlier runs, for revisits."""
        for index in sorted(self.directory.glob(f"*{INDEX_SUFFIX}")):
            try:
                lines = sorted(read_index(index), key=lambda line: line.timestamp)
            except (OSError, ValueError, KeyError):
                continue  # not ours, or cut short by a kill: revisits will not point into it
            for line in lines:
                if line.mime == REVISIT_MIME or not 200 <= line.status < 300:
                    continue
                date = parse_timestamp14(line.timestamp).strftime("%Y-%m-%dT%H:%M:%SZ")
                capture = _Capture(line.url, date, "sha1:" + line.digest)
                self._first.setdefault((line.url, capture.digest), capture)
                latest = self._latest.get(line.url)
                if latest is None or latest.date <= date:
                    self._latest[line.url] = capture


def _response_headers(result: FetchResult) -> StatusAndHeaders:
    """The headers as received, but for the codings httpx undid and a Content-Length that no
    longer matches the body: those are kept under ORIGINAL_PREFIX, and the length replaced."""
    headers = [
        (ORIGINAL_PREFIX + name if name.lower() in _DECODED_HEADERS else name, value)
        for name, value in result.headers
    ]
    size = str(len(result.body))
    # A 304's Content-Length, if any, speaks of the page it did not send: left as it is.
    if result.status != 304 and any(
        name.lower() == "content-length" and value.strip() != size for name, value in headers
    ):
        headers = [
            (ORIGINAL_PREFIX + name if name.lower() == "content-length" else name, value)
            for name, value in headers
        ]
        headers.append(("Content-Length", size))
    statusline = f"{result.status} {result.reason}".rstrip()
    return StatusAndHeaders(statusline, headers, protocol=result.http_version)


def _first_headers(rec_type: str, uri: str, date: str) -> dict[str, str]:
    """The named fields every record starts with, in the order the standard lists them."""
    return {
        "WARC-Type": rec_type,
        "WARC-Record-ID": StatusAndHeadersParser.make_warc_id(),
        "WARC-Date": date,
        "WARC-Target-URI": uri,
    }


def _sha1(body: bytes) -> str:
    """A WARC digest as warcio writes it: `sha1:` and the base32 of the SHA-1."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _media_type(content_type: str | None) -> str:
    if not content_type:
        return "unk"
    return content_type.split(";")[0].strip().lower() or "unk"


def open_warc_writer(config: Config) -> AbstractContextManager[WarcWriter | None]:
    """The writer `[archive]` asks for (closed on leaving the block), or None when WARC is off."""
    archive = config.archive
    if not archive.warc:
        return nullcontext(None)
    return WarcWriter(
        archive.warc_dir,
        max_bytes=archive.warc_max_bytes,
        mirror=config.crawl.base_url or None,
        user_agent=config.fetch.user_agent_header,
        obey_robots=config.fetch.obey_robots,
    )
