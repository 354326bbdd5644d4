"""What a crawl takes from the frontier next: entries leased to it on a shared archive, else
read ahead a batch at a time; of the kinds the page budget wants first."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence

from ..store import Archive, BackfillWindow, FrontierEntry
from .budget import PageBudget

READ_AHEAD = 100  # pending entries read from the frontier at a time (one crawl per archive)


class Intake:
    """One run's way into the frontier."""

    def __init__(self, archive: Archive, budget: PageBudget, run_id: int) -> None:
        self.archive = archive
        self.budget = budget
        self.run_id = run_id
        self.ahead: deque[FrontierEntry] = deque()  # pending entries read ahead (see take)

    def take(
        self,
        room: int,
        held: Iterable[Iterable[FrontierEntry]],
        window: BackfillWindow | None,
    ) -> list[FrontierEntry]:
        """Up to `room` pending entries to fetch: on a shared archive leased to this run, else
        the next ones not in flight nor waiting to be written, read READ_AHEAD at a time (a
        query for every page fetched cost as much as writing it). Of the kinds the page budget
        wants now while any are pending or may come from the pages in flight."""
        kinds = self.budget.kinds()
        taken: list[FrontierEntry] = []
        if kinds is not None:
            held = [list(entries) for entries in held]
            taken = self._take_of(room, held, window, kinds)
            self.ahead.clear()  # read before the budget chose: may hold other kinds
        if kinds is None or not (taken or any(held)):
            # No budget, or nothing wanted is pending nor coming: the rest goes to the rest.
            taken = self._take_of(room, held, window, None, self.ahead)
        self.budget.took(entry.kind for entry in taken)
        return taken

    def _take_of(
        self,
        room: int,
        held: Iterable[Iterable[FrontierEntry]],
        window: BackfillWindow | None,
        kinds: Sequence[str] | None,
        ahead: deque[FrontierEntry] | None = None,
    ) -> list[FrontierEntry]:
        """`take`'s entries of `kinds` (None: any), read ahead into `ahead` where given."""
        if self.archive.shared:
            return self.archive.lease_batch(self.run_id, room, window=window, kinds=kinds)
        if ahead is None:
            busy = {entry.url for entries in held for entry in entries}
            pending = self.archive.next_batch(room + len(busy), window=window, kinds=kinds)
            return [entry for entry in pending if entry.url not in busy][:room]
        if len(ahead) < room:
            busy = {entry.url for entries in held for entry in entries}  # read only when needed
            pending = self.archive.next_batch(READ_AHEAD + len(busy), window=window)
            ahead.clear()
            ahead.extend(e for e in pending if e.url not in busy)
        return [ahead.popleft() for _ in range(min(room, len(ahead)))]

    def others_at_work(self, window: BackfillWindow | None) -> bool:
        """Whether other crawls on a shared archive hold pending entries now."""
        return self.archive.shared and self.archive.leased_elsewhere(self.run_id, window=window) > 0
