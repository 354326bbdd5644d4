"""Reading an archive from Python: `open_archive(url)` and what it gives.

    from newsarchive import open_archive

    with open_archive("sqlite:///demo.db") as archive:
        for article in archive.articles(since="2025-01-01", category="kinh te"):
            print(article.published_at, article.title)

Records are the `Article` values `parse_article` returns; the store does the work, this module
only turns a user's keys (a URL in any form, the site's id, the archive's id) and filters into
the store's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from types import TracebackType
from typing import TYPE_CHECKING

from .export import arrow_table
from .record import Article
from .site.urls import SITE_ROOT, canonical_url
from .store import Archive, ArticleFilter

if TYPE_CHECKING:
    import pyarrow as pa

Day = date | str  # a Hanoi calendar day, or the same as YYYY-MM-DD


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One match of `ArchiveReader.search`: the article, its snippet with the matches in
    [brackets], and its score (higher is better)."""

    article: Article
    snippet: str
    score: float


class ArchiveReader:
    """An archive opened for reading (`open_archive`); close it, or use it in a `with`."""

    def __init__(self, archive: Archive) -> None:
        self._archive = archive

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._archive.close()

    def articles(
        self, *, since: Day | None = None, until: Day | None = None, category: str | None = None
    ) -> Iterator[Article]:
        """The articles published from `since` to `until` (Hanoi days, both included; with
        either, undated articles are left out) in `category` (case and diacritics ignored),
        oldest first, undated last; read a few at a time, so any archive fits in memory."""
        return self._archive.iter_articles(self._filter(since, until, category))

    def get(self, url_or_id: str | int) -> Article | None:
        """One article by URL (any form `show` takes: with or without scheme, `www.`, tracking
        parameters, or a bare path), by the site's id (the number in its URL), or by the
        archive's id (`article.id`); None when the archive has no such article."""
        return self._archive.get_article(resolve(self._archive, url_or_id))

    def search(self, query: str, *, limit: int = 10) -> list[SearchResult]:
        """The best `limit` articles for `query` (the `search` command's syntax), best first;
        `SearchSyntaxError` for a query that cannot be read."""
        results = []
        for hit in self._archive.search(query, limit=limit):
            article = self._archive.get_article(hit.url)
            if article is not None:  # removed between the two reads: nothing to show
                results.append(SearchResult(article, hit.snippet, hit.score))
        return results

    def to_arrow(
        self, *, since: Day | None = None, until: Day | None = None, category: str | None = None
    ) -> pa.Table:
        """The chosen articles (as `articles` chooses them) as a `pyarrow.Table` with the columns
        of `export --format parquet`: `pandas` via `.to_pandas()`, DuckDB reads it by name."""
        return arrow_table(self.articles(since=since, until=until, category=category))

    def _filter(self, since: Day | None, until: Day | None, category: str | None) -> ArticleFilter:
        categories = None if category is None else self._archive.categories_like(category)
        return ArticleFilter(since=_day(since), until=_day(until), categories=categories)


def open_archive(url: str) -> ArchiveReader:
    """The archive at `url` (a SQLAlchemy URL: `sqlite:///archive.db`,
    `postgresql+psycopg://user@host/db`), for reading; StoreError if there is none."""
    return ArchiveReader(Archive.open(url, create=False))


def article_key(text: str) -> str | int:
    """What a person typed for an article: digits are an id, anything else a URL in canonical
    form (a bare path or host is on the site)."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if "://" in text:
        return canonical_url(text)
    return canonical_url(text if text.startswith("/") else f"//{text}", SITE_ROOT)


def resolve(archive: Archive, url_or_id: str | int) -> str | int:
    """The archive's key for an article: its canonical URL, or the archive's id. A number is
    the site's id when an article carries it (what people copy from the address), else the
    archive's own."""
    key = article_key(url_or_id) if isinstance(url_or_id, str) else url_or_id
    if isinstance(key, int):
        return archive.url_of_site_id(str(key)) or key
    return key


def _day(value: Day | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)
