"""A crawl's `--max-pages N` shared out, so that a small crawl reaches articles: sitemaps, feeds
and listings (what finds articles) take at most half of it, rounded up; then articles are taken
first, as long as any are waiting or may yet be found by the pages in flight."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# Frontier kinds that find articles rather than hold them.
FINDING = frozenset({"sitemap", "feed", "listing"})
# What the budget goes to once the finding pages have had their share.
HOLDING = ("article", "page")


class PageBudget:
    def __init__(self, limit: int) -> None:
        """`limit` 0: no budget, nothing is held back."""
        self.limit = limit
        self.taken: Counter[str] = Counter()  # entries taken to fetch, by kind

    @property
    def finding_left(self) -> int | None:
        """Fetches the finding pages may still take; None without a limit."""
        if not self.limit:
            return None
        share = self.limit - self.limit // 2
        return share - sum(n for kind, n in self.taken.items() if kind in FINDING)

    def room(self, room: int) -> int:
        """At most `room` entries to take now: while the finding pages have some of their share
        left, no more than it, so that a batch does not overrun it."""
        left = self.finding_left
        return room if left is None or left <= 0 else min(room, left)

    def kinds(self) -> tuple[str, ...] | None:
        """The kinds to take now: articles once the finding pages' share is spent; None: any."""
        left = self.finding_left
        return HOLDING if left is not None and left <= 0 else None

    def took(self, kinds: Iterable[str]) -> None:
        self.taken.update(kinds)
