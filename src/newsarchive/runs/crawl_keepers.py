"""What a crawl holds in the archive while it lives, renewed on a timer: its lock (one crawl at a
time on a SQLite archive) and the frontier entries it leased (crawls sharing a PostgreSQL one)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ..store import Archive, CrawlLease

LOCK_RENEW_EVERY = 30.0  # seconds; the store deems a lock stale after two minutes unrenewed
LEASE_RENEW_EVERY = 30.0  # seconds; a frontier lease runs out two minutes unrenewed (store)


async def keep_lock(archive: Archive, lease: CrawlLease, lost: Callable[[], None]) -> None:
    """Renew the lock until cancelled; `lost` when another crawl took it over meanwhile."""
    while True:
        await asyncio.sleep(LOCK_RENEW_EVERY)
        if not archive.renew_crawl_lock(lease):
            lost()
            return


async def keep_leases(archive: Archive, run_id: int) -> None:
    """Renew the run's frontier leases until cancelled."""
    while True:
        await asyncio.sleep(LEASE_RENEW_EVERY)
        archive.renew_leases(run_id)
