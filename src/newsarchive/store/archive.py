"""The archive: everything the crawl and the commands keep, behind one object."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Literal

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from newsarchive.record import Article

from . import articles, captures, frontier, search
from .captures import RawPage
from .dialect import WRITE_OPTION, has_full_text_search
from .engine import open_engine
from .errors import SearchSyntaxError, StoreError, reason
from .frontier import Candidate, FrontierEntry
from .models import ArticleRow, CrawlRunRow
from .search import SearchHit

StoreOutcome = Literal["new", "updated", "unchanged", "not_article", "failed"]

_ARTICLES_PER_READ = 200


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
    def open(cls, url: str) -> Archive:
        return cls(open_engine(url))

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

    @contextmanager
    def _read(self) -> Iterator[Session]:
        try:
            with self._reading() as session:
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the archive: {reason(exc)}") from exc

    # -- frontier --------------------------------------------------------------------------

    def add_candidates(self, candidates: Iterable[Candidate]) -> int:
        """Put new URLs on the frontier as pending; how many were new."""
        with self._write() as session:
            return frontier.add_candidates(session, candidates, _now())

    def reschedule(self, urls: Iterable[str]) -> None:
        """Make these (known) entries pending again; unknown URLs are ignored."""
        with self._write() as session:
            frontier.reschedule(session, urls)

    def next_batch(self, limit: int) -> list[FrontierEntry]:
        """Pending entries, lowest priority first, then in discovery order; states unchanged."""
        with self._read() as session:
            return frontier.next_batch(session, limit)

    def pending_count(self) -> int:
        with self._read() as session:
            return frontier.pending_count(session)

    def requeue_failed(self, max_attempts: int) -> int:
        """Failed entries tried fewer than `max_attempts` times become pending; how many."""
        with self._write() as session:
            return frontier.requeue_failed(session, max_attempts)

    # -- one fetched page ------------------------------------------------------------------

    def record_fetch(
        self,
        raw: RawPage,
        *,
        article: Article | None,
        page_kind: str | None,
        run_id: int | None = None,
        discovered: Iterable[Candidate] = (),
    ) -> StoreOutcome:
        """Archive one fetch, the article read from it (if any), the frontier's note of it and
        the links found on it, in one transaction: a kill can lose the page, never its links."""
        if raw.outcome == "failed" and article is not None:
            raise ValueError(f"an article cannot come from a failed fetch of {raw.url}")
        with self._write() as session:
            page = captures.add_raw_page(session, raw, page_kind=page_kind, run_id=run_id)
            outcome: StoreOutcome
            if article is not None:
                outcome, article_id = articles.upsert_article(
                    session,
                    article,
                    raw_page_id=page.id,
                    has_body=page.body_sha256 is not None,
                    seen_at=raw.fetched_at,
                )
                if self._searchable and outcome != "unchanged":
                    search.index_article(session, article_id, article)
            elif raw.outcome == "failed":
                outcome = "failed"
            elif raw.outcome == "not_modified" and articles.touch_article(
                session, raw.url, raw.fetched_at
            ):
                outcome = "unchanged"
            else:
                outcome = "not_article"
            frontier.mark_fetched(
                session, raw, guessed_kind="article" if article is not None else "listing"
            )
            frontier.add_candidates(session, discovered, _now())
            return outcome

    # -- reading ---------------------------------------------------------------------------

    def get_article(self, url_or_id: str | int) -> Article | None:
        """The record as stored, by canonical URL or article id."""
        key = (
            ArticleRow.url == url_or_id
            if isinstance(url_or_id, str)
            else ArticleRow.id == url_or_id
        )
        with self._read() as session:
            row = session.scalars(select(ArticleRow).where(key)).one_or_none()
            return None if row is None else articles.load_articles(session, [row])[0]

    def article_count(self) -> int:
        with self._read() as session:
            return int(session.scalar(select(func.count()).select_from(ArticleRow)) or 0)

    def iter_articles(self) -> Iterator[Article]:
        """Every article, oldest publication first (undated last), read a few at a time."""
        with self._read() as session:
            ids = list(
                session.scalars(
                    select(ArticleRow.id).order_by(
                        ArticleRow.published_at.asc().nulls_last(), ArticleRow.id
                    )
                )
            )
            for start in range(0, len(ids), _ARTICLES_PER_READ):
                chunk = ids[start : start + _ARTICLES_PER_READ]
                rows = {
                    row.id: row
                    for row in session.scalars(select(ArticleRow).where(ArticleRow.id.in_(chunk)))
                }
                yield from articles.load_articles(session, [rows[i] for i in chunk])
                session.expunge_all()

    def search(self, query: str, *, limit: int = 10) -> list[SearchHit]:
        """Articles matching an FTS5 query, diacritics ignored, best first."""
        if not self._searchable:
            raise StoreError(
                "search needs SQLite full-text search, "
                f"not available on {self._engine.dialect.name}"
            )
        with self._read() as session:
            return search.search(session, query, limit)

    def raw_body(self, raw_page_id: int) -> bytes:
        with self._read() as session:
            return captures.raw_body(session, raw_page_id)

    # -- runs ------------------------------------------------------------------------------

    def start_run(self) -> int:
        with self._write() as session:
            run = CrawlRunRow(started_at=_now(), host=socket.gethostname(), pid=os.getpid())
            session.add(run)
            session.flush()
            return run.id

    def finish_run(self, run_id: int, counts: Mapping[str, int], exit_status: int) -> None:
        with self._write() as session:
            run = session.get(CrawlRunRow, run_id)
            if run is None:
                raise StoreError(f"no crawl run {run_id} in the archive")
            run.finished_at = _now()
            run.counts = json.dumps(dict(counts))
            run.exit_status = exit_status


def _now() -> datetime:
    return datetime.now(UTC)


__all__ = ["Archive", "SearchSyntaxError", "StoreError", "StoreOutcome"]
