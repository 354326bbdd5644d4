"""Raw pages: every fetch as it came back, bodies compressed and stored once per content."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .dialect import insert_or_ignore
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
    session: Session, fetches: Sequence[tuple[RawPage, str | None, int | None]]
) -> list[Stored]:
    """Store fetches of distinct URLs (each with its page kind and run). An empty body is no
    body (NULL); a known one is only referenced."""
    digests = [hashlib.sha256(raw.body).hexdigest() if raw.body else None for raw, _, _ in fetches]
    bodies = {
        digest: {"sha256": digest, "body": zlib.compress(raw.body, 1), "size": len(raw.body)}
        for digest, (raw, _, _) in zip(digests, fetches, strict=True)
        if digest is not None
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
            "body_sha256": digest,
            "fetched_at": raw.fetched_at,
            "page_kind": page_kind,
            "run_id": run_id,
        }
        for digest, (raw, page_kind, run_id) in zip(digests, fetches, strict=True)
    ]
    # Matched by URL, which the caller keeps distinct: RETURNING in the parameters' order would
    # make SQLite insert row by row.
    inserted = insert(_RAW_PAGE).returning(_RAW_PAGE.c.id, _RAW_PAGE.c.url)
    ids = dict((url, page_id) for page_id, url in session.connection().execute(inserted, rows))
    return [
        Stored(ids[raw.url], digest) for digest, (raw, _, _) in zip(digests, fetches, strict=True)
    ]


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
