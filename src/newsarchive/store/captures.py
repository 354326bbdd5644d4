"""Raw pages: every fetch as it came back, bodies compressed and stored once per content."""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .dialect import insert_or_ignore
from .errors import StoreError
from .models import RawBodyRow, RawPageRow

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


def add_raw_page(
    session: Session, raw: RawPage, *, page_kind: str | None, run_id: int | None
) -> RawPageRow:
    """Store one fetch; an empty body is no body (NULL), a known one is only referenced."""
    sha256 = None
    if raw.body:
        sha256 = hashlib.sha256(raw.body).hexdigest()
        insert_or_ignore(
            session,
            RawBodyRow,
            [{"sha256": sha256, "body": zlib.compress(raw.body), "size": len(raw.body)}],
            key=["sha256"],
        )
    row = RawPageRow(
        url=raw.url,
        fetch_url=raw.fetch_url,
        final_url=raw.final_url,
        status=raw.status,
        outcome=raw.outcome,
        error=raw.error,
        headers=json.dumps([list(pair) for pair in raw.headers], ensure_ascii=False),
        content_type=raw.header("content-type"),
        body_sha256=sha256,
        fetched_at=raw.fetched_at,
        page_kind=page_kind,
        run_id=run_id,
    )
    session.add(row)
    session.flush()
    return row


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
