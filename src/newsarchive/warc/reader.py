"""WARC files → captures, one record at a time, never holding more than one body.

Reads ours and anyone's: gzip (one member per record) or plain, WARC/1.0 or 1.1. A record whose
bytes are cut short or do not match its digests comes back as a `Problem`, and reading goes
on; a file that cannot be read further ends with a fatal `Problem`.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataException, ChunkedDataReader
from warcio.timeutils import iso_date_to_datetime

_CHUNK = 1 << 16
# Errors of a record's bytes (as opposed to the file's): that record is skipped.
_RECORD_ERRORS = (ValueError, EOFError, zlib.error, ChunkedDataException)


@dataclass(frozen=True, slots=True)
class Capture:
    """A whole `response` record: the page as the crawler that wrote it received it."""

    uri: str  # WARC-Target-URI
    date: datetime  # WARC-Date, timezone-aware
    status: int
    headers: tuple[tuple[str, str], ...]  # HTTP response headers as recorded
    body: bytes  # the payload, transfer and content codings undone
    offset: int  # of the record in the (uncompressed or gzip) file
    length: int  # of the record there (its gzip member, in a .warc.gz)
    record_id: str | None  # its WARC-Record-ID (mandatory, but not every writer minds)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record passed over without reading its body; `reason` says why."""

    reason: str
    uri: str


@dataclass(frozen=True, slots=True)
class Problem:
    """A record that could not be read whole (`fatal`: nor could the rest of the file)."""

    reason: str  # short and countable: "truncated", "digest mismatch", "unreadable", ...
    detail: str
    uri: str
    fatal: bool = False


Entry = Capture | Skipped | Problem
# (record type, target URI, the response's Content-Type) → a reason to skip it, or None to read.
Choose = Callable[[str, str, str | None], str | None]


def read_captures(path: str | Path, choose: Choose, *, max_body_bytes: int) -> Iterator[Entry]:
    """Every record of the file, as a capture when `choose` wants it, else as skipped."""
    path = Path(path)
    try:
        handle = path.open("rb")
        size = path.stat().st_size
    except OSError as exc:
        yield Problem("unreadable", f"cannot open {path}: {exc.strerror}", "", fatal=True)
        return
    with handle:
        records = ArchiveIterator(handle, check_digests=True)
        # A skipped record is told only once the reader has moved past it: only then is it
        # known whether its bytes were all there.
        passed: tuple[Skipped, Any] | None = None
        while True:
            try:
                record = next(records)
            except StopIteration:
                if passed is not None:
                    yield _told(*passed)
                if records.offset < size:
                    cause = (
                        f"{size - records.offset} bytes at the end of {path} are no whole record"
                    )
                    yield Problem("truncated", cause, "")
                return
            # warcio fails in many ways on broken bytes (its own errors, zlib's, and a None
            # where a header was cut off): whatever it raises, the rest of the file is lost.
            except Exception as exc:
                if passed is not None:
                    yield _told(*passed)
                yield Problem("unreadable", f"rest of {path} unreadable: {_line(exc)}", "", True)
                return
            if passed is not None:
                yield _told(*passed)
                passed = None
            rec_type = record.rec_type
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            # Both are mandatory; a record missing one had its header block cut short.
            if not rec_type or record.rec_headers.get_header("Content-Length") is None:
                yield Problem("broken", f"record header cut short in {path}", uri)
                continue
            content_type = (
                record.http_headers.get_header("Content-Type") if record.http_headers else None
            )
            reason = choose(rec_type, uri, content_type)
            if reason is not None:
                passed = (Skipped(reason, uri), record)
                continue
            try:
                yield _capture(records, record, uri, max_body_bytes)
            except _RECORD_ERRORS as exc:
                yield Problem("unreadable", f"{uri}: {_line(exc)}", uri)


def _told(skipped: Skipped, record: Any) -> Entry:
    """A skipped record, or the truncated record it turned out to be."""
    left = getattr(record.raw_stream, "limit", 0)
    if isinstance(left, int) and left > 0:
        return Problem("truncated", f"{skipped.uri or 'record'}: {left} bytes missing", skipped.uri)
    return skipped


def _capture(records: ArchiveIterator, record: Any, uri: str, limit: int) -> Entry:
    if record.http_headers is None:
        return Problem("no HTTP response", f"{uri}: record holds no HTTP response", uri)
    raw = BytesIO()
    while True:
        piece = record.raw_stream.read(_CHUNK)
        if not piece:
            break
        raw.write(piece)
        if raw.tell() > limit:
            return Problem("too large", f"{uri}: payload over {limit} bytes", uri)
    expected = record.payload_length
    if expected is not None and expected >= 0 and raw.tell() < expected:
        return Problem("truncated", f"{uri}: {raw.tell()} of {expected} bytes", uri)
    if record.digest_checker.passed is False:
        problems = "; ".join(record.digest_checker.problems)
        return Problem("digest mismatch", f"{uri}: {problems}", uri)
    date_text = record.rec_headers.get_header("WARC-Date") or ""
    try:
        date = iso_date_to_datetime(date_text, tz_aware=True)
    except (ValueError, TypeError):
        return Problem("bad date", f"{uri}: WARC-Date {date_text!r}", uri)
    status_text = record.http_headers.get_statuscode()
    if not status_text.isdigit():
        return Problem("bad status", f"{uri}: HTTP status {status_text!r}", uri)
    body = _decoded(raw.getvalue(), record.http_headers, limit)
    if body is None:
        return Problem("too large", f"{uri}: decoded payload over {limit} bytes", uri)
    # Past the record's end (as the next step of the reader would go), so its length is known.
    records.read_to_end()
    return Capture(
        uri=uri,
        date=date,
        status=int(status_text),
        headers=tuple((str(k), str(v)) for k, v in record.http_headers.headers),
        body=body,
        offset=records.get_record_offset(),
        length=records.get_record_length(),
        record_id=record.rec_headers.get_header("WARC-Record-ID"),
    )


def _decoded(raw: bytes, headers: Any, limit: int) -> bytes | None:
    """The payload with its transfer and content codings undone; None when over `limit`."""
    coding = (headers.get_header("Content-Encoding") or "").strip().lower() or None
    if coding not in BufferedReader.get_supported_decompressors():
        coding = None
    chunked = (headers.get_header("Transfer-Encoding") or "").strip().lower() == "chunked"
    if coding is None and not chunked:
        return raw
    reader: Any = (
        ChunkedDataReader(BytesIO(raw), decomp_type=coding)
        if chunked
        else BufferedReader(BytesIO(raw), decomp_type=coding)
    )
    out = BytesIO()
    while True:
        piece = reader.read(_CHUNK)
        if not piece:
            return out.getvalue()
        out.write(piece)
        if out.tell() > limit:
            return None


def _line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
