"""Raw pages: every fetch as it came back, bodies compressed and stored once per content."""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from newsarchive.derived.prepared import PackedBody
from newsarchive.warclink import WarcLink

from .dialect import among, binary_rows, insert_or_ignore, insert_rows_keyed
from .models import ArticleRow, RawBodyRow, RawBodySizeRow, RawPageRow, table_of
from .reasons import StoreError

_RAW_PAGE = table_of(RawPageRow)

OUTCOMES = ("ok", "not_modified", "blocked", "gone", "empty", "failed", "disallowed")


@dataclass(frozen=True, slots=True)
class RawPage:
    """One fetch, as the crawl hands it over. `url` is the canonical site URL asked for."""

    url: str
    fetch_url: str
    final_url: str
    status: int | None
    outcome: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    fetched_at: datetime
    error: str | None = None
    warc: WarcLink | None = None  # its record, when the crawl wrote it to a WARC file

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(
                f"fetch outcome must be one of {', '.join(OUTCOMES)}, got {self.outcome!r}"
            )
        if self.fetched_at.utcoffset() is None:
            raise ValueError(f"fetched_at must be timezone-aware, got {self.fetched_at!r}")

    def header(self, name: str) -> str | None:
        """The first header called `name` (any case), if any."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


@dataclass(frozen=True, slots=True)
class PageCapture:
    """A raw page as cited and replayed: which fetch, when, its body's sha256 (None: no body)
    and its WARC record, if one was written."""

    raw_page_id: int
    url: str  # the canonical site URL asked for
    final_url: str
    fetched_at: datetime
    body_sha256: str | None
    warc: WarcLink | None
    status: int | None = None
    outcome: str = "ok"


@dataclass(frozen=True, slots=True)
class Stored:
    """Where a fetch went: its raw page's id, and its body's sha256 (None: no body)."""

    page_id: int
    body_sha256: str | None


def add_raw_pages(
    session: Session, fetches: Sequence[tuple[RawPage, PackedBody | None, str | None, int | None]]
) -> list[Stored]:
    """Store fetches of distinct URLs, each with its body packed (None: no body), its page kind
    and run. A body already stored is only referenced."""
    bodies = {packed.sha256: packed for _, packed, _, _ in fetches if packed is not None}
    insert_or_ignore(
        session,
        RawBodyRow,
        [{"sha256": b.sha256, "body": b.data, "size": b.size} for b in bodies.values()],
        key=["sha256"],
    )
    insert_or_ignore(
        session,
        RawBodySizeRow,
        [{"sha256": b.sha256, "stored": len(b.data)} for b in bodies.values()],
        key=["sha256"],
    )
    rows = [
        {
            "url": raw.url,
            "fetch_url": raw.fetch_url,
            "final_url": raw.final_url,
            "status": raw.status,
            "outcome": raw.outcome,
            "error": raw.error,
            "headers": json.dumps([list(pair) for pair in raw.headers], ensure_ascii=False),
            "content_type": raw.header("content-type"),
            "body_sha256": None if packed is None else packed.sha256,
            "fetched_at": raw.fetched_at,
            "page_kind": page_kind,
            "run_id": run_id,
            **_warc_columns(raw.warc),
        }
        for raw, packed, page_kind, run_id in fetches
    ]
    ids = insert_rows_keyed(session.connection(), _RAW_PAGE, rows, "url")  # URLs are distinct
    return [
        Stored(ids[raw.url], None if packed is None else packed.sha256)
        for raw, packed, _, _ in fetches
    ]


def _warc_columns(link: WarcLink | None) -> dict[str, str | int | None]:
    return {
        "warc_file": None if link is None else link.file,
        "warc_offset": None if link is None else link.offset,
        "warc_length": None if link is None else link.length,
        "warc_record_id": None if link is None else link.record_id,
    }


def warc_link(row: RawPageRow) -> WarcLink | None:
    """The WARC record a raw page row names, if any."""
    if (
        row.warc_file is None
        or row.warc_offset is None
        or row.warc_length is None
        or row.warc_record_id is None
    ):
        return None
    return WarcLink(row.warc_file, row.warc_offset, row.warc_length, row.warc_record_id)


def page_capture(session: Session, raw_page_id: int) -> PageCapture:
    row = session.get(RawPageRow, raw_page_id)
    if row is None:
        raise StoreError(f"no raw page {raw_page_id} in the archive")
    return _capture(row)


def latest_capture(
    session: Session, urls: Sequence[str], since: datetime, until: datetime
) -> PageCapture | None:
    """The last fetch with a body of any of `urls` between `since` and `until` (included)."""
    row = session.scalars(
        select(RawPageRow)
        .where(
            RawPageRow.url.in_(list(urls)),
            RawPageRow.body_sha256.is_not(None),
            RawPageRow.fetched_at >= since,
            RawPageRow.fetched_at <= until,
        )
        .order_by(RawPageRow.fetched_at.desc(), RawPageRow.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else _capture(row)


def captures_with_body(session: Session, sha256_prefix: str) -> list[PageCapture]:
    """Every fetch whose body's sha256 starts with `sha256_prefix` (lower-case hex)."""
    rows = session.scalars(
        select(RawPageRow)
        .where(
            RawPageRow.body_sha256 >= sha256_prefix,
            RawPageRow.body_sha256 < sha256_prefix + "g",  # past every hex digit: an index range
        )
        .order_by(RawPageRow.id)
    )
    return [_capture(row) for row in rows]


def captures_of(session: Session, urls: Sequence[str]) -> list[PageCapture]:
    """Every fetch of `urls`, oldest first."""
    rows = session.scalars(
        select(RawPageRow)
        .where(RawPageRow.url.in_(list(urls)))
        .order_by(RawPageRow.fetched_at, RawPageRow.id)
    )
    return [_capture(row) for row in rows]


def _capture(row: RawPageRow) -> PageCapture:
    return PageCapture(
        row.id,
        row.url,
        row.final_url,
        row.fetched_at,
        row.body_sha256,
        warc_link(row),
        row.status,
        row.outcome,
    )


def capture_at(session: Session, url: str, at: datetime | None) -> PageCapture | None:
    """The last fetch with a body of the page at `url` (or of the page an article at `url` was
    read from, when the site's canonical link differs from the address fetched) made at or
    before `at` (None: the last of all)."""
    read_from = select(RawPageRow.url).join(ArticleRow, ArticleRow.raw_page_id == RawPageRow.id)
    query = (
        select(RawPageRow)
        .where(
            or_(RawPageRow.url == url, RawPageRow.url.in_(read_from.where(ArticleRow.url == url))),
            RawPageRow.body_sha256.is_not(None),
        )
        .order_by(RawPageRow.fetched_at.desc(), RawPageRow.id.desc())
        .limit(1)
    )
    if at is not None:
        query = query.where(RawPageRow.fetched_at <= at)
    found = session.scalars(query).one_or_none()
    return None if found is None else _capture(found)


def packed_bodies(session: Session, raw_page_ids: Sequence[int]) -> dict[int, bytes]:
    """The bodies of many fetches as the archive keeps them (zlib), by raw page id; a fetch
    without a body is left out. The reader decompresses them (`zlib.decompress`), where it has
    a core of its own."""
    connection = session.connection()
    found = binary_rows(
        connection,
        select(RawPageRow.id, RawBodyRow.body)
        .join(RawBodyRow, RawBodyRow.sha256 == RawPageRow.body_sha256)
        .where(among(connection, _RAW_PAGE.c.id, raw_page_ids)),
    )
    return {page_id: body for page_id, body in found}


def raw_body(session: Session, raw_page_id: int) -> bytes:
    """The body of one fetch, as received (empty when there was none)."""
    found = session.execute(
        select(RawPageRow.id, RawBodyRow.body)
        .outerjoin(RawBodyRow, RawBodyRow.sha256 == RawPageRow.body_sha256)
        .where(RawPageRow.id == raw_page_id)
    ).one_or_none()
    if found is None:
        raise StoreError(f"no raw page {raw_page_id} in the archive")
    compressed: bytes | None = found[1]
    return b"" if compressed is None else zlib.decompress(compressed)
