"""Raw pages: every fetch as it came back, bodies compressed and stored once per content."""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsarchive.prepare import PackedBody

from .dialect import insert_or_ignore, insert_rows_keyed
from .errors import StoreError
from .models import RawBodyRow, RawPageRow, table_of

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
class Stored:
    """Where a fetch went: its raw page's id, and its body's sha256 (None: no body)."""

    page_id: int
    body_sha256: str | None


def add_raw_pages(
    session: Session, fetches: Sequence[tuple[RawPage, PackedBody | None, str | None, int | None]]
) -> list[Stored]:
    """Store fetches of distinct URLs, each with its body packed (None: no body), its page kind
    and run. A body already stored is only referenced."""
    bodies = {
        packed.sha256: {"sha256": packed.sha256, "body": packed.data, "size": packed.size}
        for _, packed, _, _ in fetches
        if packed is not None
    }
    insert_or_ignore(session, RawBodyRow, list(bodies.values()), key=["sha256"])
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
        }
        for raw, packed, page_kind, run_id in fetches
    ]
    ids = insert_rows_keyed(session.connection(), _RAW_PAGE, rows, "url")  # URLs are distinct
    return [
        Stored(ids[raw.url], None if packed is None else packed.sha256)
        for raw, packed, _, _ in fetches
    ]


def packed_bodies(session: Session, raw_page_ids: Sequence[int]) -> dict[int, bytes]:
    """The bodies of many fetches as the archive keeps them (zlib), by raw page id; a fetch
    without a body is left out. The reader decompresses them (`zlib.decompress`), where it has
    a core of its own."""
    found = session.execute(
        select(RawPageRow.id, RawBodyRow.body)
        .join(RawBodyRow, RawBodyRow.sha256 == RawPageRow.body_sha256)
        .where(RawPageRow.id.in_(raw_page_ids))
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
