"""The frontier: site URLs waiting to be fetched, and how their fetches went."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from .dialect import insert_or_ignore, insert_rows, update_by_id
from .models import ArticleRow, FrontierEntryRow, table_of
from .raw_pages import RawPage

# "page": a URL of no known form found in a listing's teasers; fetched, it says what it is.
KINDS = ("article", "listing", "sitemap", "feed", "page")
SOURCES = ("sitemap", "feed", "listing", "link", "seed")
PENDING, DONE, FAILED = "pending", "done", "failed"

_CHUNK = 500  # URLs per IN (...) lookup
_FRONTIER = table_of(FrontierEntryRow)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A URL to put on the frontier, with what discovery knows of it."""

    url: str
    kind: str
    source: str
    lastmod: datetime | None = None
    priority: int = 100
    # A listing page's place in its section's paging (1: first page); None for other pages.
    depth: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"frontier kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.source not in SOURCES:
            raise ValueError(
                f"frontier source must be one of {', '.join(SOURCES)}, got {self.source!r}"
            )
        if self.lastmod is not None and self.lastmod.utcoffset() is None:
            raise ValueError(f"lastmod must be timezone-aware, got {self.lastmod!r} for {self.url}")
        if self.depth is not None and self.depth < 1:
            raise ValueError(f"depth must be 1 or more, got {self.depth} for {self.url}")


@dataclass(frozen=True, slots=True)
class FrontierEntry:
    """A pending URL as the crawl takes it, with the validators for a conditional request."""

    url: str
    kind: str
    source: str
    attempts: int
    lastmod: datetime | None
    etag: str | None
    last_modified: str | None
    # The archived article's age starts here: its published date, or when it was first seen
    # when it has none; None when no article is archived under this URL.
    published_at: datetime | None = None
    # A listing page's place in its section's paging (1: first page); None when not known.
    depth: int | None = None


@dataclass(frozen=True, slots=True)
class BackfillWindow:
    """What a back-fill takes from the frontier: the `sitemaps` it chose, and articles whose
    lastmod is in [start, end) or, listed by a sitemap without one, unknown."""

    start: datetime
    end: datetime
    sitemaps: frozenset[str] = frozenset()


def add_candidates(session: Session, candidates: Iterable[Candidate], now: datetime) -> int:
    """New URLs go in as pending; known ones only learn a newer lastmod, a better priority or a
    shallower depth, and a done entry whose page changed since it was fetched (newer lastmod) is
    pending again."""
    merged: dict[str, Candidate] = {}
    for candidate in candidates:
        seen = merged.get(candidate.url)
        merged[candidate.url] = candidate if seen is None else _merge(seen, candidate)
    added = 0
    connection = session.connection()
    entry = _FRONTIER.c
    for chunk in _chunks(list(merged.values()), _CHUNK):
        urls = [candidate.url for candidate in chunk]
        known = {
            row.url: row
            for row in connection.execute(
                select(
                    entry.id,
                    entry.url,
                    entry.state,
                    entry.priority,
                    entry.lastmod,
                    entry.last_fetched_at,
                    entry.depth,
                ).where(entry.url.in_(urls))
            )
        }
        fresh = [candidate for candidate in chunk if candidate.url not in known]
        insert_or_ignore(
            session,
            FrontierEntryRow,
            [
                {
                    "url": candidate.url,
                    "kind": candidate.kind,
                    "state": PENDING,
                    "source": candidate.source,
                    "priority": candidate.priority,
                    "lastmod": candidate.lastmod,
                    "discovered_at": now,
                    "attempts": 0,
                    "depth": candidate.depth,
                }
                for candidate in fresh
            ],
            key=["url"],
        )
        added += len(fresh)
        learnt_rows = []
        for candidate in chunk:
            row = known.get(candidate.url)
            if row is not None and (learnt := _learn(row, candidate)):
                learnt_rows.append(learnt | {"b_id": row.id})
        update_by_id(connection, _FRONTIER, learnt_rows)
    return added


def _merge(first: Candidate, second: Candidate) -> Candidate:
    """The same URL twice in one batch: the first's kind and source, the best of the hints."""
    lastmods = [m for m in (first.lastmod, second.lastmod) if m is not None]
    depths = [d for d in (first.depth, second.depth) if d is not None]
    return replace(
        first,
        priority=min(first.priority, second.priority),
        lastmod=max(lastmods) if lastmods else None,
        depth=min(depths) if depths else None,
    )


def _learn(row: Any, candidate: Candidate) -> dict[str, Any]:
    """What a known entry (its row as add_candidates reads it) learns from being found again:
    the columns that change."""
    learnt: dict[str, Any] = {}
    lastmod, state = candidate.lastmod, row.state
    if lastmod is not None and (row.lastmod is None or lastmod > row.lastmod):
        learnt["lastmod"] = lastmod
        fetched = row.last_fetched_at
        if state == DONE and fetched is not None and lastmod > fetched:
            learnt.update(_PENDING_AGAIN)
            state = PENDING
    if state == PENDING and candidate.priority < row.priority:
        learnt["priority"] = candidate.priority
    # A listing page reached in fewer steps (or first given its place) is that deep.
    if candidate.depth is not None and (row.depth is None or candidate.depth < row.depth):
        learnt["depth"] = candidate.depth
    return learnt


# A new visit: attempts count the tries of this visit (requeue_failed gives up on them).
_PENDING_AGAIN: dict[str, Any] = {"state": PENDING, "attempts": 0, "last_error": None}


def reschedule(
    session: Session, urls: Iterable[str], fetched_before: datetime | None = None
) -> None:
    """These entries become pending again; with `fetched_before`, only those not fetched since
    (crawls sharing an archive leave alone what another one just fetched)."""
    for chunk in _chunks(list(dict.fromkeys(urls)), _CHUNK):
        for row in session.scalars(
            select(FrontierEntryRow).where(
                FrontierEntryRow.url.in_(chunk),
                FrontierEntryRow.state != PENDING,
                *_not_fetched_since(fetched_before),
            )
        ):
            for name, value in _PENDING_AGAIN.items():
                setattr(row, name, value)


def _not_fetched_since(moment: datetime | None) -> list[ColumnElement[bool]]:
    if moment is None:
        return []
    fetched = FrontierEntryRow.last_fetched_at
    return [or_(fetched.is_(None), fetched < moment)]


def next_batch(
    session: Session,
    limit: int,
    window: BackfillWindow | None = None,
    kinds: Sequence[str] | None = None,
) -> list[FrontierEntry]:
    query = (
        select(FrontierEntryRow, ArticleRow.published_at, ArticleRow.first_seen_at)
        .outerjoin(ArticleRow, ArticleRow.url == FrontierEntryRow.url)
        .where(FrontierEntryRow.state == PENDING, *_within(window), *_of_kinds(kinds))
        .order_by(FrontierEntryRow.priority, FrontierEntryRow.id)
        .limit(limit)
    )
    return _entries(session, query)


def _of_kinds(kinds: Sequence[str] | None) -> list[ColumnElement[bool]]:
    return [] if kinds is None else [FrontierEntryRow.kind.in_(kinds)]


def _within(window: BackfillWindow | None) -> list[ColumnElement[bool]]:
    """What a back-fill of `window` takes; everything without one."""
    if window is None:
        return []
    entry = FrontierEntryRow
    in_window = and_(entry.lastmod >= window.start, entry.lastmod < window.end)
    undated = and_(entry.lastmod.is_(None), entry.source == "sitemap")
    chosen = and_(entry.kind == "sitemap", entry.url.in_(sorted(window.sitemaps)))
    return [or_(chosen, and_(entry.kind == "article", or_(in_window, undated)))]


# -- leases: several crawls on one archive --------------------------------------------------


def _unleased(now: datetime) -> ColumnElement[bool]:
    """Nobody holds it, or its holder let the lease run out (died, or stalled)."""
    until = FrontierEntryRow.lease_until
    return or_(until.is_(None), until < now)


def lease_batch(
    session: Session,
    worker: int,
    limit: int,
    now: datetime,
    until: datetime,
    window: BackfillWindow | None = None,
    kinds: Sequence[str] | None = None,
) -> list[FrontierEntry]:
    """Like next_batch, but only entries no other crawl holds, and they are leased to `worker`
    until `until`. Rows another crawl is leasing at this moment are skipped, not waited for."""
    entry = FrontierEntryRow
    ids = list(
        session.scalars(
            select(entry.id)
            .where(entry.state == PENDING, _unleased(now), *_within(window), *_of_kinds(kinds))
            .order_by(entry.priority, entry.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return []
    session.execute(
        update(entry)
        .where(entry.id.in_(ids))
        .values(leased_by=worker, lease_until=until)
        .execution_options(synchronize_session=False)
    )
    query = (
        select(entry, ArticleRow.published_at, ArticleRow.first_seen_at)
        .outerjoin(ArticleRow, ArticleRow.url == entry.url)
        .where(entry.id.in_(ids))
        .order_by(entry.priority, entry.id)
    )
    return _entries(session, query)


def renew_leases(session: Session, worker: int, until: datetime) -> int:
    """`worker` still lives: its leases hold until `until`; how many it holds."""
    result = session.execute(
        update(FrontierEntryRow)
        .where(FrontierEntryRow.leased_by == worker, FrontierEntryRow.state == PENDING)
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


def release_leases(session: Session, worker: int) -> int:
    """`worker` gives up what it holds (a stop): others may take it at once; how many."""
    result = session.execute(
        update(FrontierEntryRow)
        .where(FrontierEntryRow.leased_by == worker)
        .values(leased_by=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


def leased_elsewhere(
    session: Session, worker: int, now: datetime, window: BackfillWindow | None = None
) -> int:
    """Pending entries other crawls hold now: what they fetch may bring more work."""
    entry = FrontierEntryRow
    count = session.scalar(
        select(func.count())
        .select_from(entry)
        .where(
            entry.state == PENDING,
            entry.lease_until >= now,
            entry.leased_by != worker,
            *_within(window),
        )
    )
    return int(count or 0)


def _entries(
    session: Session, query: Select[FrontierEntryRow, str | None, datetime]
) -> list[FrontierEntry]:
    return [
        FrontierEntry(
            url=row.url,
            kind=row.kind,
            source=row.source,
            attempts=row.attempts,
            lastmod=row.lastmod,
            etag=row.etag,
            last_modified=row.last_modified,
            published_at=_age_start(published, first_seen),
            depth=row.depth,
        )
        for row, published, first_seen in session.execute(query)
    ]


def _age_start(published: str | None, first_seen: datetime | None) -> datetime | None:
    if published:
        try:
            return datetime.fromisoformat(published)
        except ValueError:  # not ours to repair here: the article's age starts when first seen
            pass
    return first_seen


def schedule_due(
    session: Session, now: datetime, priority: int, fetched_before: datetime | None = None
) -> int:
    """Done entries whose next visit is due by `now` become pending, articles at `priority`
    (other kinds keep theirs); with `fetched_before`, not those fetched since; how many."""
    return _revisit(
        session,
        and_(
            FrontierEntryRow.next_visit_at.is_not(None),
            FrontierEntryRow.next_visit_at <= now,
            *_not_fetched_since(fetched_before),
        ),
        priority,
    )


def recheck(session: Session, priority: int) -> int:
    """Every done entry with an archived article becomes pending, at `priority`; how many."""
    archived = select(ArticleRow.url).where(ArticleRow.url == FrontierEntryRow.url).exists()
    return _revisit(session, archived, priority)


def _revisit(session: Session, condition: ColumnElement[bool], priority: int) -> int:
    result = session.execute(
        update(FrontierEntryRow)
        .where(FrontierEntryRow.state == DONE, condition)
        .values(
            state=PENDING,
            attempts=0,
            last_error=None,
            priority=case(
                (FrontierEntryRow.kind.in_(("article", "page")), priority),
                else_=FrontierEntryRow.priority,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


def pending_count(session: Session) -> int:
    count = session.scalar(
        select(func.count()).select_from(FrontierEntryRow).where(FrontierEntryRow.state == PENDING)
    )
    return int(count or 0)


def requeue_failed(
    session: Session, max_attempts: int, fetched_before: datetime | None = None
) -> int:
    result = session.execute(
        update(FrontierEntryRow)
        .where(
            FrontierEntryRow.state == FAILED,
            FrontierEntryRow.attempts < max_attempts,
            *_not_fetched_since(fetched_before),
        )
        .values(state=PENDING)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


@dataclass(frozen=True, slots=True)
class Visit:
    """A fetch of `raw.url` to note on the frontier: failed (a failed fetch, or `failure` says
    why the answer was no page: blocked, challenge, empty), else done and due again at
    `next_visit_at`. `guessed_kind` is the kind of an entry made for a URL not on it."""

    raw: RawPage
    guessed_kind: str
    next_visit_at: datetime | None = None
    failure: str | None = None


def mark_fetched(session: Session, visits: Sequence[Visit]) -> None:
    """Note fetches (of distinct URLs) on their entries."""
    connection = session.connection()
    entry = _FRONTIER.c
    urls = [visit.raw.url for visit in visits]
    if len(set(urls)) < len(urls):
        raise ValueError("mark_fetched takes each URL at most once")
    known = {
        row.url: row
        for row in connection.execute(
            select(entry.id, entry.url, entry.attempts, entry.etag, entry.last_modified).where(
                entry.url.in_(urls)
            )
        )
    }
    fresh, seen = [], []
    for visit in visits:
        raw = visit.raw
        row = known.get(raw.url)
        attempts, etag, last_modified = (0, None, None) if row is None else row[2:]
        values: dict[str, Any] = {
            "attempts": attempts + 1,
            "last_fetched_at": raw.fetched_at,
            "leased_by": None,
            "lease_until": None,
        }
        if raw.outcome == "failed" or visit.failure is not None:
            values.update(state=FAILED, last_error=visit.failure or raw.error or "failed")
        else:
            if raw.outcome == "ok":
                etag, last_modified = raw.header("etag"), raw.header("last-modified")
            elif raw.outcome == "not_modified":  # a 304 may repeat the validators, or not
                etag = raw.header("etag") or etag
                last_modified = raw.header("last-modified") or last_modified
            values.update(
                state=DONE,
                last_error=None,
                next_visit_at=visit.next_visit_at,
                etag=etag,
                last_modified=last_modified,
            )
        if row is None:  # fetched without being on the frontier (a one-off fetch): put it there
            values.update(
                url=raw.url,
                kind=visit.guessed_kind,
                source="seed",
                priority=100,
                discovered_at=raw.fetched_at,
            )
            fresh.append(values)
        else:
            seen.append(values | {"b_id": row.id})
    insert_rows(connection, _FRONTIER, fresh)
    update_by_id(connection, _FRONTIER, seen)


T = TypeVar("T")


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
