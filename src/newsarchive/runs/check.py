"""The live canary: the newest articles fetched from the site now, parsed, and each field counted
where it came out empty and by the kind of rule that read it (the layout's, the page's metadata,
the generic reader's). The first thing to run after the site changes its pages."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from statistics import median
from typing import Any
from urllib.parse import urlsplit

from ..config import Config
from ..discover import Found, links_in_feed, links_in_page
from ..errors import NothingToCheck
from ..fetch import Fetcher
from ..parse import NotAnArticle, parse_article
from ..record import FIELDS, SOURCE_KINDS, Article
from ..site import urls as site_urls

# An article without these is no article to a reader: one such empty field is an alarm.
REQUIRED: tuple[str, ...] = ("title", "body_text", "published_at")
# Fields the parser always fills by construction: nothing to learn from counting them.
CHECKED: tuple[str, ...] = tuple(f for f in FIELDS if f not in ("url", "layout", "parser_version"))
GENERIC_LAYOUT = "generic"
# How a field was read, by kind of rule (record.SOURCE_KINDS: "none" is not at all), and
# "unknown" for a page whose parser did not say.
READ_BY: tuple[str, ...] = (*SOURCE_KINDS, "unknown")


@dataclass
class LiveReport:
    source: str  # where the pages came from: the site, or the mirror
    checked: int = 0  # article pages fetched and read
    empty: Counter[str] = field(default_factory=Counter)  # field → articles where it was empty
    layouts: Counter[str] = field(default_factory=Counter)  # the layout whose rules read it
    # field → kind of rule (READ_BY) → articles whose field it read
    sources: dict[str, Counter[str]] = field(
        default_factory=lambda: {name: Counter() for name in CHECKED}
    )
    confidences: list[float] = field(default_factory=list)  # one per article that says
    not_articles: list[str] = field(default_factory=list)  # "URL (kind)"
    failed: list[str] = field(default_factory=list)  # "URL: cause"
    alarms: list[str] = field(default_factory=list)  # one line each

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "checked": self.checked,
            "empty": {name: self.empty[name] for name in CHECKED},
            "layouts": dict(sorted(self.layouts.items())),
            "sources": {name: self.read_by(name) for name in CHECKED},
            "confidence": self.confidence(),
            "not_articles": self.not_articles,
            "failed": self.failed,
            "alarms": self.alarms,
        }

    def read_by(self, name: str) -> dict[str, int]:
        """How many articles had `name` read by each kind of rule; "unknown" only when some."""
        counted = self.sources[name]
        return {kind: counted[kind] for kind in READ_BY if kind != "unknown" or counted[kind]}

    def confidence(self) -> dict[str, float] | None:
        """The parser's confidence over the articles: lowest and median; None if none said."""
        if not self.confidences:
            return None
        return {
            "lowest": round(min(self.confidences), 3),
            "median": round(median(self.confidences), 3),
        }


async def check_live(config: Config, count: int) -> LiveReport:
    """Fetch the `count` newest articles (RSS feed first, then the home page), politely."""
    base = config.crawl.base_url or None
    report = LiveReport(source=base or site_urls.SITE_ROOT)
    async with Fetcher(config.fetch, _allowed_hosts(config)) as fetcher:
        newest = await _newest(fetcher, base, count, report)
        if not newest:
            causes = "; ".join(report.failed) or "no article links in the feed or on the home page"
            raise NothingToCheck(f"nothing to check: {causes}")
        results = await asyncio.gather(
            *(fetcher.fetch(site_urls.to_fetch_url(url, base)) for url in newest)
        )
    for url, result in zip(newest, results, strict=True):
        if result.outcome != "ok":
            report.failed.append(f"{url}: {result.error or result.outcome}")
            continue
        report.checked += 1
        try:
            article = parse_article(result.body, url)
        except NotAnArticle as exc:
            report.not_articles.append(f"{url} ({exc.kind})")
            report.empty.update(CHECKED)
            for name in CHECKED:
                report.sources[name]["none"] += 1
            report.alarms.append(f"{url}: listed as an article, read as {exc.kind}")
            continue
        _count(article, report)
    return report


def _count(article: Article, report: LiveReport) -> None:
    record = article.to_dict()
    empty = [name for name in CHECKED if record[name] in (None, "", [])]
    report.empty.update(empty)
    report.layouts[article.layout] += 1
    for name in CHECKED:
        report.sources[name][read_by(article, name, empty=name in empty)] += 1
    if article.provenance is not None:
        report.confidences.append(article.provenance.confidence)
    missing = [name for name in REQUIRED if name in empty]
    if missing:
        report.alarms.append(f"{article.url}: empty {', '.join(missing)}")
    if article.layout == GENERIC_LAYOUT:
        report.alarms.append(f"{article.url}: no layout's rules know this page (read generically)")


def read_by(article: Article, name: str, *, empty: bool) -> str:
    """The kind of rule that read field `name` (READ_BY): "none" when it came out empty,
    "unknown" when the parser did not say; `body_text` is read as `paragraphs` are."""
    if empty:
        return "none"
    if article.provenance is None:
        return "unknown"
    kind = article.provenance.kind("paragraphs" if name == "body_text" else name)
    return kind if kind != "none" else "unknown"


async def _newest(fetcher: Fetcher, base: str | None, count: int, report: LiveReport) -> list[str]:
    root = site_urls.SITE_ROOT
    feed_url, home_url = root + site_urls.FEED_PATHS[0], root + site_urls.HOME_PATH
    feed, home = await asyncio.gather(
        fetcher.fetch(site_urls.to_fetch_url(feed_url, base)),
        fetcher.fetch(site_urls.to_fetch_url(home_url, base)),
    )
    found: list[Found] = []
    if feed.outcome == "ok":
        oldest = datetime.min.replace(tzinfo=UTC)
        # Newest first; a feed without dates keeps its own order (sorted() is stable).
        found += sorted(links_in_feed(feed.body), key=lambda f: f.lastmod or oldest, reverse=True)
    else:
        report.failed.append(f"{feed_url}: {feed.error or feed.outcome}")
    if home.outcome == "ok":
        found += links_in_page(home.body, home_url, max_listing_page=0)
    else:
        report.failed.append(f"{home_url}: {home.error or home.outcome}")
    return _first_articles((f.url for f in found if f.kind == "article"), count)


def _first_articles(urls: Iterable[str], count: int) -> list[str]:
    return list(dict.fromkeys(urls))[:count]


def _allowed_hosts(config: Config) -> set[str]:
    hosts = {site_urls.MAIN_HOST, f"www.{site_urls.MAIN_HOST}", *config.crawl.extra_hosts}
    if config.crawl.base_url:
        hosts.add(urlsplit(config.crawl.base_url).netloc.lower())
    return hosts
