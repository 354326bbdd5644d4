"""One crawl at a time on a SQLite archive: a `crawl_lock` row in the archive itself.

The row lives in the same file as the data, so the lock goes wherever the archive goes, is taken
and checked in one write transaction (no race between "is it free?" and "it is mine"), and says
who holds it. A holder renews it while it runs; it is stale, and taken over, when its pid no longer
runs on this host or it has not been renewed for `STALE_AFTER`.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from newsarchive.errors import CrawlLocked
from newsarchive.site import hanoi_time

from .models import CrawlLockRow

STALE_AFTER = timedelta(minutes=2)
_ROW = 1  # one lock per archive


@dataclass(frozen=True, slots=True)
class LockHolder:
    pid: int
    host: str
    started_at: datetime
    renewed_at: datetime

    def describe(self) -> str:
        started = hanoi_time(self.started_at)
        return f"pid {self.pid} on host {self.host}, started {started}"


@dataclass(frozen=True, slots=True)
class CrawlLease:
    """The lock as its holder keeps it: the token renews and releases it."""

    token: str
    holder: LockHolder


def take(session: Session, now: datetime) -> CrawlLease:
    """The lock for this process, taking over a stale one; CrawlLocked if a live crawl holds it.

    Call inside a write transaction (on SQLite: BEGIN IMMEDIATE), so two takers are serialised.
    """
    me = LockHolder(os.getpid(), socket.gethostname(), now, now)
    row = session.get(CrawlLockRow, _ROW)
    if row is not None:
        holder = LockHolder(row.pid, row.host, row.started_at, row.renewed_at)
        if not is_stale(holder, now):
            raise CrawlLocked(holder)
        session.delete(row)
        session.flush()
    lease = CrawlLease(uuid.uuid4().hex, me)
    session.add(
        CrawlLockRow(
            id=_ROW,
            token=lease.token,
            pid=me.pid,
            host=me.host,
            started_at=now,
            renewed_at=now,
        )
    )
    return lease


def renew(session: Session, lease: CrawlLease, now: datetime) -> bool:
    """Mark the lock as still held; False if it is no longer ours (taken over while we stalled)."""
    result = session.execute(
        update(CrawlLockRow)
        .where(CrawlLockRow.id == _ROW, CrawlLockRow.token == lease.token)
        .values(renewed_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0)) == 1


def release(session: Session, lease: CrawlLease) -> None:
    session.execute(
        delete(CrawlLockRow)
        .where(CrawlLockRow.id == _ROW, CrawlLockRow.token == lease.token)
        .execution_options(synchronize_session=False)
    )


def is_stale(holder: LockHolder, now: datetime) -> bool:
    if now - holder.renewed_at > STALE_AFTER:
        return True
    return holder.host == socket.gethostname() and not _runs(holder.pid)


def _runs(pid: int) -> bool:
    """Whether a process with this pid exists here (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    except OSError:
        return False
    return True
