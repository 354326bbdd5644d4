"""Crawl runs: when each started and ended, what it fetched by outcome, how it ended."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from .models import CrawlRunRow
from .reasons import StoreError


def start_run(session: Session, now: datetime) -> int:
    run = CrawlRunRow(started_at=now, host=socket.gethostname(), pid=os.getpid())
    session.add(run)
    session.flush()
    return run.id


def finish_run(
    session: Session,
    run_id: int,
    now: datetime,
    counts: Mapping[str, int],
    exit_status: int,
    *,
    outcomes: Mapping[str, int] | None = None,
    note: str | None = None,
) -> None:
    run = session.get(CrawlRunRow, run_id)
    if run is None:
        raise StoreError(f"no crawl run {run_id} in the archive")
    run.finished_at = now
    run.counts = json.dumps(dict(counts))
    run.exit_status = exit_status
    run.outcomes = None if outcomes is None else json.dumps(dict(outcomes))
    run.note = note
