"""A period of days (Hanoi time), and which discovered URLs belong to it: monthly url sets whose
month overlaps it, and articles whose lastmod falls in it (or is unknown)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ..site import HANOI
from ..site.urls import sitemap_month
from .found import Found


@dataclass(frozen=True, slots=True)
class DateWindow:
    """From `since` to `until`, both days included, in Hanoi time."""

    since: date
    until: date

    def __post_init__(self) -> None:
        if self.since > self.until:
            raise ValueError(f"a period cannot end ({self.until}) before it starts ({self.since})")

    @property
    def start(self) -> datetime:
        """The first moment of `since`, in UTC."""
        return datetime.combine(self.since, time(), HANOI).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The first moment after `until`, in UTC."""
        return datetime.combine(self.until + timedelta(days=1), time(), HANOI).astimezone(UTC)

    def days(self) -> list[date]:
        count = (self.until - self.since).days + 1
        return [self.since + timedelta(days=n) for n in range(count)]

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def admits(self, found: Found) -> bool:
        """Whether a back-fill or an audit of this period wants `found`: a url set of a month
        that overlaps it (or of no month it names), an article whose lastmod is in it (or
        unknown); other kinds of page are no part of a period."""
        if found.kind == "sitemap":
            month = sitemap_month(found.url)
            if month is None:
                return True
            first = date(month[0], month[1], 1)
            following = date(month[0] + month[1] // 12, month[1] % 12 + 1, 1)
            return first <= self.until and following > self.since
        if found.kind == "article":
            return found.lastmod is None or self.holds(found.lastmod)
        return False
