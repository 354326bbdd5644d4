"""Did we miss anything? What the site's sitemaps list for a period against what the archive
holds, and articles per day so that gaps stand out."""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..config import Config
from ..discover import DateWindow, Found, links_in_sitemap
from ..fetch import Fetcher
from ..site import HANOI
from ..site import urls as site_urls
from ..store import Archive, UrlCoverage

MAX_SITEMAPS = 10_000  # url sets read in one audit at most: a loop of indexes must end
LOW_SHARE = 0.5  # a day under half its weekday's usual count is a gap


@dataclass(frozen=True, slots=True)
class Listing:
    """What the sitemaps list for the period, and the sitemaps that could not be read."""

    articles: list[Found]
    unreadable: list[str]  # "URL: cause"
    read: int = 0  # sitemaps read

    @property
    def unreachable(self) -> bool:
        """Whether no sitemap at all could be read: the site is down or refuses us."""
        return self.read == 0 and bool(self.unreadable)


@dataclass(frozen=True, slots=True)
class Gap:
    """An article the sitemaps list that the archive does not hold, and why as far as known."""

    url: str
    lastmod: date | None
    why: str
    failed: bool  # tried and refused or failed, as against never fetched


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    articles: int
    usual: float  # the median of its weekday over the period
    gap: str | None  # "none" or "low"


@dataclass(frozen=True, slots=True)
class AuditReport:
    window: DateWindow
    listed: int
    archived: int
    gaps: list[Gap]
    unreadable: list[str]
    days: list[Day]

    @property
    def missing(self) -> list[Gap]:
        return [gap for gap in self.gaps if not gap.failed]

    @property
    def failed(self) -> list[Gap]:
        return [gap for gap in self.gaps if gap.failed]

    def worst_days(self, count: int) -> list[Day]:
        """The `count` days furthest below their weekday's usual, the emptiest first: the gaps
        (days with none, or under half the usual), by the share of the usual they lack."""
        gaps = [day for day in self.days if day.gap is not None]
        return sorted(gaps, key=lambda day: (_share_of_usual(day), day.day))[:count]

    def to_dict(self) -> dict[str, Any]:
        """The whole report for scripts: the totals, every gap, every day."""

        def gap(found: Gap) -> dict[str, Any]:
            lastmod = None if found.lastmod is None else found.lastmod.isoformat()
            return {"url": found.url, "lastmod": lastmod, "why": found.why}

        return {
            "since": self.window.since.isoformat(),
            "until": self.window.until.isoformat(),
            "listed": self.listed,
            "archived": self.archived,
            "missing": [gap(found) for found in self.missing],
            "failed": [gap(found) for found in self.failed],
            "unreadable": self.unreadable,
            "days": [
                {"day": d.day.isoformat(), "articles": d.articles, "usual": d.usual, "gap": d.gap}
                for d in self.days
            ],
        }


async def listed_in_sitemaps(config: Config, window: DateWindow) -> Listing:
    """Walk the sitemap index through the polite fetcher: the url sets of months that overlap
    the period, and their articles whose lastmod is in it (or unknown)."""
    mirror = config.crawl.base_url or None
    hosts = site_urls.allowed_hosts(config.crawl.extra_hosts, mirror)
    queue = deque(site_urls.SITE_ROOT + path for path in site_urls.SITEMAP_PATHS)
    seen: set[str] = set(queue)
    articles: dict[str, Found] = {}
    unreadable: list[str] = []
    read = 0
    async with Fetcher(config.fetch, hosts) as fetcher:
        while queue and len(seen) <= MAX_SITEMAPS:
            url = queue.popleft()
            result = await fetcher.fetch(site_urls.to_fetch_url(url, mirror))
            if result.outcome != "ok":
                unreadable.append(f"{url}: {result.error or result.outcome}")
                continue
            read += 1
            for found in links_in_sitemap(result.body):
                if not window.admits(found):
                    continue
                if found.kind == "sitemap" and found.url not in seen:
                    seen.add(found.url)
                    queue.append(found.url)
                elif found.kind == "article":
                    articles.setdefault(found.url, found)
    return Listing(list(articles.values()), unreadable, read)


def audit(archive: Archive, listing: Listing, window: DateWindow) -> AuditReport:
    known = archive.coverage(found.url for found in listing.articles)
    gaps = [
        _gap(found, known[found.url])
        for found in sorted(listing.articles, key=lambda f: (f.lastmod is None, f.lastmod, f.url))
        if not known[found.url].archived
    ]
    counts = archive.articles_per_day(window.since, window.until)
    return AuditReport(
        window=window,
        listed=len(listing.articles),
        archived=len(listing.articles) - len(gaps),
        gaps=gaps,
        unreadable=listing.unreadable,
        days=per_day(counts, window),
    )


def _gap(found: Found, known: UrlCoverage) -> Gap:
    lastmod = found.lastmod.astimezone(HANOI).date() if found.lastmod else None
    if known.state is None:
        return Gap(found.url, lastmod, "never discovered", failed=False)
    if known.last_outcome is None:
        return Gap(found.url, lastmod, "queued, not fetched yet", failed=False)
    if known.state == "failed":
        tries = f"{known.attempts} attempt{'s' if known.attempts != 1 else ''}"
        return Gap(found.url, lastmod, f"{known.last_error or 'failed'} ({tries})", failed=True)
    if known.last_page_kind == "article":
        return Gap(found.url, lastmod, "fetched as an article, not in the archive", failed=False)
    kind = known.last_page_kind or known.last_outcome
    return Gap(found.url, lastmod, f"fetched, but not an article: {kind}", failed=True)


def _share_of_usual(day: Day) -> float:
    return day.articles / day.usual if day.usual else 0.0


def per_day(counts: dict[date, int], window: DateWindow) -> list[Day]:
    """Every day of the period with its count, its weekday's usual count (the median over the
    period) and whether it is a gap: none at all, or under half the usual."""
    days = window.days()
    by_weekday: dict[int, list[int]] = {}
    for day in days:
        by_weekday.setdefault(day.weekday(), []).append(counts.get(day, 0))
    usual = {weekday: float(statistics.median(n)) for weekday, n in by_weekday.items()}
    result = []
    for day in days:
        count = counts.get(day, 0)
        normal = usual[day.weekday()]
        gap = "none" if count == 0 else "low" if count < LOW_SHARE * normal else None
        result.append(Day(day, count, normal, gap))
    return result
