"""The archive: everything the crawl and the commands keep, behind one object."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar

from sqlalchemy import ColumnElement, Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from newsarchive.derived.prepared import Prepared, given, prepare
from newsarchive.record import Article

from . import (
    articles,
    coverage,
    crawl_runs,
    filters,
    frontier,
    fulltext,
    history,
    lock,
    pace,
    raw_pages,
    rereads,
    stats,
)
from .coverage import UrlCoverage
from .dialect import WRITE_OPTION, has_full_text_search, is_transient
from .engine import open_engine
from .filters import ALL_ARTICLES, ArticleFilter
from .frontier import BackfillWindow, Candidate, FrontierEntry
from .history import Version
from .lock import CrawlLease
from .models import ArticleRow
from .raw_pages import PageCapture, RawPage
from .reasons import SearchSyntaxError, StoreError, reason
from .rereads import ArticleCapture, ReadAgain, ReparseState, Reread
from .search import SearchHit
from .stats import ArchiveStats, GenericReads

StoreOutcome = Literal["new", "updated", "unchanged", "not_article", "failed"]


@dataclass(frozen=True, slots=True)
class Fetched:
    """One fetch to archive: the page as it came back, the article read from it (if any), its
    kind, and the links found on it.

    `failure` says why an answer is no page (blocked, challenge, empty): the entry is failed,
    to be tried again by a later run. A done entry is due again at `next_visit_at`.
    `prepared` is `prepare(raw.body, article)` where the caller worked it out already (the
    crawl's reading worker does); the store does it otherwise."""

    raw: RawPage
    article: Article | None = None
    page_kind: str | None = None
    run_id: int | None = None
    discovered: tuple[Candidate, ...] = ()
    next_visit_at: datetime | None = None
    failure: str | None = None
    prepared: Prepared | None = None

    @property
    def failed(self) -> bool:
        return self.raw.outcome == "failed" or self.failure is not None

    def check(self) -> None:
        if self.failed and self.article is not None:
            raise ValueError(f"an article cannot come from a failed fetch of {self.raw.url}")


_ARTICLES_PER_READ = 200
# Tries of a transaction that lost a race with another crawl (a deadlock, a row inserted meanwhile).
_TRANSACTION_TRIES = 5
# How long a crawl's lease on a frontier entry lasts unless renewed (it renews every half minute).
LEASE_FOR = timedelta(minutes=2)

T = TypeVar("T")


class Archive:
    """An open archive. `Archive.open(url)` creates or upgrades it; close it when done."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._reading = sessionmaker(engine, expire_on_commit=False)
        self._writing = sessionmaker(
            engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )
        self._searchable = has_full_text_search(engine)

    @classmethod
    def open(cls, url: str, *, create: bool = True) -> Archive:
        """The archive at `url`, made or upgraded as needed; `create=False` for commands that
        only read, so a mistyped path fails instead of making an empty archive."""
        return cls(open_engine(url, create=create))

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """One transaction: all of it is written, or (on any error, or a kill) none of it."""
        try:
            with self._writing.begin() as session:
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot write to the archive: {reason(exc)}") from exc

    def _transact(self, work: Callable[[Session], T]) -> T:
        """`work` in one write transaction, run again (from scratch) when it lost a race with
        another crawl sharing the archive, such as a deadlock PostgreSQL broke by aborting it."""
        for attempt in range(1, _TRANSACTION_TRIES + 1):
            try:
                with self._writing.begin() as session:
                    return work(session)
            except SQLAlchemyError as exc:
                if attempt < _TRANSACTION_TRIES and is_transient(exc):
                    continue
                raise StoreError(f"cannot write to the archive: {reason(exc)}") from exc
        raise AssertionError("unreachable")

    @contextmanager
    def _read(self) -> Iterator[Session]:
        try:
            with self._reading() as session:
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the archive: {reason(exc)}") from exc

    # -- frontier --------------------------------------------------------------------------

    @property
    def shared(self) -> bool:
        """Whether several crawls may work on this archive at once (PostgreSQL: they lease
        frontier entries and book their turns at each host here); on SQLite one crawl holds it."""
        return self._engine.dialect.name != "sqlite"

    def add_candidates(self, candidates: Iterable[Candidate]) -> int:
        """Put new URLs on the frontier as pending; how many were new."""
        chosen = list(candidates)
        return self._transact(lambda session: frontier.add_candidates(session, chosen, _now()))

    def reschedule(self, urls: Iterable[str], *, fetched_before: datetime | None = None) -> None:
        """Make these (known) entries pending again; unknown URLs are ignored. With
        `fetched_before`, those fetched since are left as they are."""
        chosen = list(urls)
        self._transact(lambda session: frontier.reschedule(session, chosen, fetched_before))

    def next_batch(
        self,
        limit: int,
        *,
        window: BackfillWindow | None = None,
        kinds: Sequence[str] | None = None,
    ) -> list[FrontierEntry]:
        """Pending entries, lowest priority first, then in discovery order; states unchanged.
        With `window`, only what a back-fill of that period takes (see BackfillWindow); with
        `kinds`, only entries of those kinds."""
        with self._read() as session:
            return frontier.next_batch(session, limit, window, kinds)

    def schedule_due(
        self, now: datetime, priority: int, *, fetched_before: datetime | None = None
    ) -> int:
        """Done entries due for a revisit by `now` become pending at `priority`; how many.
        With `fetched_before`, those fetched since are left as they are."""
        return self._transact(
            lambda session: frontier.schedule_due(session, now, priority, fetched_before)
        )

    def recheck(self, priority: int) -> int:
        """Every page an article was archived from becomes pending at `priority`; how many."""
        with self._write() as session:
            return frontier.recheck(session, priority)

    def pending_count(self) -> int:
        with self._read() as session:
            return frontier.pending_count(session)

    def requeue_failed(self, max_attempts: int, *, fetched_before: datetime | None = None) -> int:
        """Failed entries tried fewer than `max_attempts` times become pending; how many.
        With `fetched_before`, those that failed since are left as they are."""
        return self._transact(
            lambda session: frontier.requeue_failed(session, max_attempts, fetched_before)
        )

    # -- several crawls at once (PostgreSQL) -------------------------------------------------

    def lease_batch(
        self,
        worker: int,
        limit: int,
        *,
        window: BackfillWindow | None = None,
        kinds: Sequence[str] | None = None,
        now: datetime | None = None,
        lease_for: timedelta = LEASE_FOR,
    ) -> list[FrontierEntry]:
        """Pending entries that no other crawl holds, as next_batch chooses and orders them,
        leased to the crawl run `worker` for `lease_for`; a lease run out (its crawl died) is
        taken over."""
        moment = now or _now()
        return self._transact(
            lambda session: frontier.lease_batch(
                session, worker, limit, moment, moment + lease_for, window, kinds
            )
        )

    def renew_leases(
        self, worker: int, *, now: datetime | None = None, lease_for: timedelta = LEASE_FOR
    ) -> int:
        """The crawl run `worker` still lives: its leases last `lease_for` more; how many."""
        until = (now or _now()) + lease_for
        return self._transact(lambda session: frontier.renew_leases(session, worker, until))

    def release_leases(self, worker: int) -> int:
        """The crawl run `worker` stops: what it held is free for others at once; how many."""
        return self._transact(lambda session: frontier.release_leases(session, worker))

    def leased_elsewhere(
        self, worker: int, *, window: BackfillWindow | None = None, now: datetime | None = None
    ) -> int:
        """Pending entries other crawls hold now (what they fetch may bring more work)."""
        with self._read() as session:
            return frontier.leased_elsewhere(session, worker, now or _now(), window)

    def claim_turn(self, host: str, spacing: float) -> float:
        """Claim the turn to send one request to `host` now, the next `spacing` seconds later,
        across every crawl sharing the archive: 0 when claimed, else seconds to wait before
        asking again."""
        if not self.shared:
            raise StoreError("turns are claimed only on a shared (PostgreSQL) archive")
        return self._transact(lambda session: pace.claim_turn(session, host, spacing))

    def push_turn(self, host: str, spacing: float) -> None:
        """A request to `host` left late after its claim: the next turn is `spacing` from now."""
        self._transact(lambda session: pace.push_turn(session, host, spacing))

    # -- one fetched page ------------------------------------------------------------------

    def record_fetch(
        self,
        raw: RawPage,
        *,
        article: Article | None,
        page_kind: str | None,
        run_id: int | None = None,
        discovered: Iterable[Candidate] = (),
        next_visit_at: datetime | None = None,
        failure: str | None = None,
    ) -> StoreOutcome:
        """Archive one fetch in its own transaction (see `Fetched` and `record_fetches`)."""
        fetched = Fetched(
            raw, article, page_kind, run_id, tuple(discovered), next_visit_at, failure
        )
        return self.record_fetches([fetched])[0]

    def record_fetches(self, fetches: Sequence[Fetched]) -> list[StoreOutcome]:
        """Archive fetches in order, in one transaction: each fetch, the article read from it,
        the frontier's note of it and the links found on it. A kill loses all of them or none,
        never a page without its links; their entries stay pending until it commits. One
        transaction for many pages is also what makes a crawl's writes cheap: a commit costs
        more than a page's rows (bench/results.md, store)."""
        for fetched in fetches:
            fetched.check()

        def work(session: Session) -> list[StoreOutcome]:
            return [outcome for run in _runs(fetches) for outcome in self._record(session, run)]

        return self._transact(work) if fetches else []

    def _record(self, session: Session, fetches: Sequence[Fetched]) -> list[StoreOutcome]:
        """One run of fetches (see `_runs`), each kind of row in one statement for all."""
        ready = [f.prepared or prepare(f.raw.body, f.article) for f in fetches]
        pages = raw_pages.add_raw_pages(
            session,
            [(f.raw, r.body, f.page_kind, f.run_id) for f, r in zip(fetches, ready, strict=True)],
        )
        outcomes: list[StoreOutcome] = ["failed" if f.failed else "not_article" for f in fetches]
        read = [(i, f.article) for i, f in enumerate(fetches) if f.article is not None]
        sightings = [
            articles.Sighting(
                article,
                given(ready[i].content_hash),
                pages[i].page_id,
                has_body=pages[i].body_sha256 is not None,
                seen_at=fetches[i].raw.fetched_at,
            )
            for i, article in read
        ]
        indexed, weights = [], []
        for (i, _), (outcome, article_id) in zip(
            read, articles.upsert_articles(session, sightings), strict=True
        ):
            outcomes[i] = outcome
            if outcome != "unchanged":
                indexed.append((article_id, given(ready[i].folded)))
                weights.append(given(ready[i].weights))
        if self._searchable:
            fulltext.index_articles(session, indexed, weights)
        not_modified = [
            i
            for i, f in enumerate(fetches)
            if f.article is None and not f.failed and f.raw.outcome == "not_modified"
        ]
        if not_modified:
            seen = [(fetches[i].raw.url, fetches[i].raw.fetched_at) for i in not_modified]
            archived = articles.touch_articles(session, seen)
            for i in not_modified:
                if fetches[i].raw.url in archived:
                    outcomes[i] = "unchanged"
        _note_on_frontier(session, fetches)
        return outcomes

    # -- reading ---------------------------------------------------------------------------

    def get_article(self, url_or_id: str | int) -> Article | None:
        """The record as stored, by canonical URL or article id."""
        with self._read() as session:
            row = session.scalars(select(ArticleRow).where(_key(url_or_id))).one_or_none()
            return None if row is None else articles.load_articles(session, [row])[0]

    def article_count(self) -> int:
        with self._read() as session:
            return int(session.scalar(select(func.count()).select_from(ArticleRow)) or 0)

    def iter_articles(self, chosen: ArticleFilter = ALL_ARTICLES) -> Iterator[Article]:
        """The articles `chosen` selects, oldest publication first (undated last), read a few
        at a time from one snapshot of the archive."""
        with self._read() as session:
            for rows in articles.chunks_of_rows(session, chosen, _ARTICLES_PER_READ):
                yield from articles.load_articles(session, rows)
                session.expunge_all()

    def categories(self) -> list[str]:
        with self._read() as session:
            return filters.categories(session)

    def categories_like(self, name: str) -> tuple[str, ...]:
        """The stored categories that are `name` up to case and diacritics."""
        with self._read() as session:
            return filters.categories_like(session, name)

    def history(self, url_or_id: str | int) -> list[Version] | None:
        """Every version of an article, oldest first, the stored one last; None if unknown."""
        with self._read() as session:
            row = session.scalars(select(ArticleRow).where(_key(url_or_id))).one_or_none()
            if row is None:
                return None
            [current] = articles.load_articles(session, [row])
            latest = Version(
                article=current,
                content_hash=row.content_hash,
                first_seen_at=history.version_since(session, row),
                last_seen_at=row.last_seen_at,
                raw_page_id=row.raw_page_id,
            )
            return [*history.revisions(session, row.id), latest]

    def stats(self) -> ArchiveStats:
        with self._read() as session:
            return stats.archive_stats(session, self._file_bytes())

    def generic_reads(self, below: float, latest: int) -> GenericReads:
        """Articles read by the generic reader (or with a confidence under `below`), of all,
        and which of the `latest` stored last were."""
        with self._read() as session:
            return stats.generic_reads(session, below, latest)

    def _file_bytes(self) -> int | None:
        """The SQLite file and its write-ahead log, as they are on disk."""
        database = self._engine.url.database
        if self._engine.dialect.name != "sqlite" or not database or database == ":memory:":
            return None
        files = (Path(database), Path(f"{database}-wal"))
        return sum(path.stat().st_size for path in files if path.exists())

    def search(
        self, query: str, *, limit: int = 10, chosen: ArticleFilter = ALL_ARTICLES
    ) -> list[SearchHit]:
        """Articles matching a query (its words, and the search syntax written on purpose:
        `store.query`) on either engine, diacritics ignored, best first."""
        self._check_searchable()
        with self._read() as session:
            return fulltext.find(session, query, limit, chosen)

    def count_matches(self, query: str, *, chosen: ArticleFilter = ALL_ARTICLES) -> int:
        """How many articles `search` would find with no limit."""
        self._check_searchable()
        with self._read() as session:
            return fulltext.count(session, query, chosen)

    def _check_searchable(self) -> None:
        if not self._searchable:
            raise StoreError(
                "search needs full-text search (SQLite or PostgreSQL), "
                f"not available on {self._engine.dialect.name}"
            )

    def raw_body(self, raw_page_id: int) -> bytes:
        with self._read() as session:
            return raw_pages.raw_body(session, raw_page_id)

    def capture_at(self, url: str, at: datetime | None = None) -> PageCapture | None:
        """The last fetch of `url` (canonical) that brought a body, at or before `at`."""
        with self._read() as session:
            return raw_pages.capture_at(session, url, at)

    def url_of_site_id(self, site_id: str) -> str | None:
        """The URL of the article the site numbers `site_id` (the id in its address)."""
        with self._read() as session:
            return session.scalar(
                select(ArticleRow.url)
                .where(ArticleRow.site_id == site_id)
                .order_by(ArticleRow.id)
                .limit(1)
            )

    def page_capture(self, raw_page_id: int) -> PageCapture:
        """One fetch: when, its body's hash, its WARC record if written."""
        with self._read() as session:
            return raw_pages.page_capture(session, raw_page_id)

    def article_capture(self, url_or_id: str | int) -> PageCapture | None:
        """The capture the stored version of an article was last read from, if any."""
        with self._read() as session:
            found = session.scalar(select(ArticleRow.raw_page_id).where(_key(url_or_id)))
            return None if found is None else raw_pages.page_capture(session, found)

    def latest_capture(
        self, urls: Sequence[str], since: datetime, until: datetime
    ) -> PageCapture | None:
        """The last fetch with a body of any of `urls` from `since` to `until`."""
        with self._read() as session:
            return raw_pages.latest_capture(session, urls, since, until)

    def captures_of(self, urls: Sequence[str]) -> list[PageCapture]:
        """Every fetch of these URLs, oldest first."""
        with self._read() as session:
            return raw_pages.captures_of(session, urls)

    def article_ids(self, urls: Iterable[str]) -> dict[str, int]:
        """The ids of the articles archived at these URLs (those not archived left out)."""
        wanted = list(urls)
        with self._read() as session:
            rows = session.execute(
                select(ArticleRow.url, ArticleRow.id).where(ArticleRow.url.in_(wanted))
            )
            return {url: article_id for url, article_id in rows}

    def captures_with_body(self, sha256_prefix: str) -> list[PageCapture]:
        """The fetches whose body's sha256 begins so (lower-case hex), oldest first."""
        with self._read() as session:
            return raw_pages.captures_with_body(session, sha256_prefix)

    def packed_bodies(self, raw_page_ids: Sequence[int]) -> dict[int, bytes]:
        """Bodies as stored (zlib), by raw page id, read in one query: for readers that
        decompress them on their own core (`reparse`)."""
        with self._read() as session:
            return raw_pages.packed_bodies(session, raw_page_ids)

    @property
    def url(self) -> str:
        """The database URL this archive was opened with, password included: for the worker
        processes that open it again."""
        return self._engine.url.render_as_string(hide_password=False)

    # -- captures read again: reparse, WARC imports ----------------------------------------

    def article_captures(
        self, *, layout: str | None = None, since: date | None = None, after: int = 0
    ) -> list[ArticleCapture]:
        """Articles with the capture each was read from, by id, past the id `after`; `since` a
        Hanoi day of publication (undated articles left out)."""
        with self._read() as session:
            return rereads.article_captures(session, layout=layout, since=since, after=after)

    def reread_sources(
        self, chunk: Sequence[ArticleCapture]
    ) -> tuple[dict[int, bytes], dict[int, Article]]:
        """What reading `chunk` again takes, read together: the bodies as stored (zlib), by raw
        page id, for the reader to decompress on its own core; the records as stored, by id."""
        with self._read() as session:
            return rereads.sources(session, chunk)

    def begin_reparse(self, options: dict[str, Any], parser_version: str) -> ReparseState:
        """The re-parse with these options and parser version that stopped part way (to resume),
        or a new one."""
        with self._write() as session:
            return rereads.begin_reparse(session, options, parser_version)

    def reread_articles(
        self,
        read: Sequence[ReadAgain],
        *,
        run_id: int,
        done_through: int,
        report: Callable[[list[Reread]], dict[str, Any]],
        done: bool = False,
    ) -> None:
        """Records read again from their captures (`rereads.reread_articles`), written in one
        transaction with how far their re-parse got: every chosen article up to `done_through`
        read, and what it found (`report`, told what happened to each of `read`)."""
        with self._write() as session:
            found = report(rereads.reread_articles(session, read, searchable=self._searchable))
            rereads.note_reparse(session, run_id, done_through, found, done=done)

    def article_last_seen(self, url: str) -> datetime | None:
        """When the article at `url` was last seen by a fetch or an import; None if unknown."""
        with self._read() as session:
            return session.scalar(select(ArticleRow.last_seen_at).where(ArticleRow.url == url))

    # -- runs ------------------------------------------------------------------------------

    def start_run(self) -> int:
        with self._write() as session:
            return crawl_runs.start_run(session, _now())

    def finish_run(
        self,
        run_id: int,
        counts: Mapping[str, int],
        exit_status: int,
        *,
        outcomes: Mapping[str, int] | None = None,
        note: str | None = None,
    ) -> None:
        """Record how a run ended: its counts, fetches by outcome, exit status and a note."""
        with self._write() as session:
            crawl_runs.finish_run(
                session, run_id, _now(), counts, exit_status, outcomes=outcomes, note=note
            )

    # -- coverage --------------------------------------------------------------------------

    def coverage(self, urls: Iterable[str]) -> dict[str, UrlCoverage]:
        """For each site URL: archived or not, its frontier state, how its last fetch went."""
        with self._read() as session:
            return coverage.coverage(session, urls)

    def articles_per_day(self, since: date, until: date) -> dict[date, int]:
        """Articles by Hanoi day of publication, `since` to `until` included; empty days absent."""
        with self._read() as session:
            return coverage.articles_per_day(session, since, until)

    # -- one crawl at a time ---------------------------------------------------------------

    def take_crawl_lock(self, now: datetime | None = None) -> CrawlLease | None:
        """The archive's crawl lock for this process (SQLite only; None elsewhere, where crawls
        share the frontier); CrawlLocked naming the holder if a live crawl has it."""
        if self._engine.dialect.name != "sqlite":
            return None
        with self._write() as session:
            return lock.take(session, now or _now())

    def renew_crawl_lock(self, lease: CrawlLease) -> bool:
        """Keep the lock fresh; False if another crawl took it over meanwhile."""
        with self._write() as session:
            return lock.renew(session, lease, _now())

    def release_crawl_lock(self, lease: CrawlLease) -> None:
        with self._write() as session:
            lock.release(session, lease)


def _note_on_frontier(session: Session, fetches: Sequence[Fetched]) -> None:
    """The fetches of a run noted on their entries, and the links found joining the frontier
    as if each page's were added right after it: those to a page fetched later in the run
    before the fetches are noted, the others after."""
    fetched_at = {f.raw.url: i for i, f in enumerate(fetches)}
    before: list[Candidate] = []
    after: list[Candidate] = []
    for i, f in enumerate(fetches):
        for candidate in f.discovered:
            (before if fetched_at.get(candidate.url, -1) > i else after).append(candidate)
    frontier.add_candidates(session, before, _now())
    frontier.mark_fetched(
        session,
        [
            frontier.Visit(
                f.raw,
                guessed_kind="article" if f.article is not None else "listing",
                next_visit_at=f.next_visit_at,
                failure=f.failure,
            )
            for f in fetches
        ],
    )
    frontier.add_candidates(session, after, _now())


def _runs(fetches: Sequence[Fetched]) -> Iterator[Sequence[Fetched]]:
    """The fetches in order, cut into runs where no URL is fetched twice: a page fetched twice
    in one batch is written as two steps, the second seeing the first."""
    start, seen = 0, set[str]()
    for i, item in enumerate(fetches):
        urls = {item.raw.url} | ({item.article.url} if item.article else set())
        if urls & seen:
            yield fetches[start:i]
            start, seen = i, set()
        seen |= urls
    if start < len(fetches):
        yield fetches[start:]


def _key(url_or_id: str | int) -> ColumnElement[bool]:
    return ArticleRow.url == url_or_id if isinstance(url_or_id, str) else ArticleRow.id == url_or_id


def _now() -> datetime:
    return datetime.now(UTC)


__all__ = ["Archive", "Fetched", "SearchSyntaxError", "StoreError", "StoreOutcome"]
