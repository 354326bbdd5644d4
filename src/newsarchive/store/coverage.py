"""How much of what the site lists the archive holds: per URL, and articles per day."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import islice

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import ArticleRow, FrontierEntryRow, RawPageRow

_CHUNK = 500  # URLs per IN (...) lookup


@dataclass(frozen=True, slots=True)
class UrlCoverage:
    """What the archive knows of one site URL."""

    url: str
    archived: bool  # an article is stored under this URL
    state: str | None  # its frontier state (pending, done, failed); None: never discovered
    attempts: int
    last_error: str | None  # why its last fetch failed
    last_outcome: str | None  # of its last fetch (ok, blocked, gone...); None: never fetched
    last_page_kind: str | None  # what its last fetch was read as (article, challenge...)


def coverage(session: Session, urls: Iterable[str]) -> dict[str, UrlCoverage]:
    wanted = list(dict.fromkeys(urls))
    found: dict[str, UrlCoverage] = {}
    iterator = iter(wanted)
    while chunk := list(islice(iterator, _CHUNK)):
        archived = set(session.scalars(select(ArticleRow.url).where(ArticleRow.url.in_(chunk))))
        entries = {
            row.url: row
            for row in session.scalars(
                select(FrontierEntryRow).where(FrontierEntryRow.url.in_(chunk))
            )
        }
        latest = (
            select(func.max(RawPageRow.id))
            .where(RawPageRow.url.in_(chunk))
            .group_by(RawPageRow.url)
            .scalar_subquery()
        )
        last = {
            url: (outcome, kind)
            for url, outcome, kind in session.execute(
                select(RawPageRow.url, RawPageRow.outcome, RawPageRow.page_kind).where(
                    RawPageRow.id.in_(latest)
                )
            )
        }
        for url in chunk:
            entry = entries.get(url)
            outcome, kind = last.get(url, (None, None))
            found[url] = UrlCoverage(
                url=url,
                archived=url in archived,
                state=entry.state if entry else None,
                attempts=entry.attempts if entry else 0,
                last_error=entry.last_error if entry else None,
                last_outcome=outcome,
                last_page_kind=kind,
            )
    return found


def articles_per_day(session: Session, since: date, until: date) -> dict[date, int]:
    """Articles by the Hanoi day they were published, `since` to `until` included; days with
    none are absent. Stored dates all carry +07:00, so their first ten characters are the day."""
    day = func.substr(ArticleRow.published_at, 1, 10)
    rows = session.execute(
        select(day, func.count())
        .where(
            ArticleRow.published_at >= since.isoformat(),
            ArticleRow.published_at < (until + timedelta(days=1)).isoformat(),
        )
        .group_by(day)
    )
    return {date.fromisoformat(str(key)): int(count) for key, count in rows}
