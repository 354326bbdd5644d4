"""The archive's tables. Migrations in `migrations/versions/` create exactly these."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCTimestamp(TypeDecorator[datetime]):
    """A timezone-aware moment stored as ISO 8601 text in UTC, fixed width, so it reads well in
    `sqlite3` and sorts as text: `2024-03-15T09:05:00.000000+00:00`."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"a system timestamp must be timezone-aware, got {value!r}")
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


# Constraint names follow one pattern, so later migrations (and SQLite batch mode) can name them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """A model's table, for Core statements: on the paths run for every fetch, the ORM's unit of
    work costs several times the SQL it sends (bench/results.md, store)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class FrontierEntryRow(Base):
    """A site URL to fetch (or fetched): its kind, where it was found, and how its fetches went."""

    __tablename__ = "frontier"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # article, listing, sitemap, feed
    state: Mapped[str] = mapped_column(String(16))  # pending, done, failed
    source: Mapped[str] = mapped_column(String(16))  # sitemap, feed, listing, link, seed
    priority: Mapped[int] = mapped_column(Integer)  # lower first
    lastmod: Mapped[datetime | None] = mapped_column(UTCTimestamp)
    discovered_at: Mapped[datetime] = mapped_column(UTCTimestamp)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCTimestamp)
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    # When a done entry is due for another (conditional) visit; NULL: only when rediscovered.
    next_visit_at: Mapped[datetime | None] = mapped_column(UTCTimestamp)
    # Crawls sharing a PostgreSQL archive lease the entries they fetch: the crawl_run holding
    # it, and until when (renewed while it lives; then anyone may take the entry over).
    leased_by: Mapped[int | None] = mapped_column(Integer, index=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCTimestamp)
    # A listing page's place in its section's paging (1: the first page, N+1: found by the
    # paging links of page N), so a chain stops at `[crawl] listing_pages`; NULL for the rest.
    depth: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index(None, "state", "priority", "id"),
        Index(None, "state", "next_visit_at"),
    )


class HostPaceRow(Base):
    """When the next request to a host may start, for every crawl sharing the archive: the
    politeness delay holds across them all. Seconds since the epoch by the database's clock,
    the one clock all the crawls' machines share."""

    __tablename__ = "host_pace"

    host: Mapped[str] = mapped_column(Text, primary_key=True)  # netloc, as the fetcher paces it
    next_allowed_at: Mapped[float] = mapped_column(Float)


class RawBodyRow(Base):
    """A response body, zlib-compressed, stored once however many fetches returned it."""

    __tablename__ = "raw_body"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    # Uncompressed. Indexed for `stats`: summed from the index, it is not read past the body.
    size: Mapped[int] = mapped_column(Integer, index=True)


class RawBodySizeRow(Base):
    """A body's size as stored, compressed: `stats` sums it from here, where on SQLite the
    length of every stored body would take a read of a page per body (seconds a million)."""

    __tablename__ = "raw_body_size"

    sha256: Mapped[str] = mapped_column(ForeignKey("raw_body.sha256"), primary_key=True)
    stored: Mapped[int] = mapped_column(Integer, index=True)  # bytes, as in raw_body.body


class CrawlRunRow(Base):
    __tablename__ = "crawl_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCTimestamp)
    finished_at: Mapped[datetime | None] = mapped_column(UTCTimestamp)
    counts: Mapped[str | None] = mapped_column(Text)  # JSON object
    exit_status: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(Text)
    pid: Mapped[int] = mapped_column(Integer)
    outcomes: Mapped[str | None] = mapped_column(Text)  # JSON object: fetches by outcome
    note: Mapped[str | None] = mapped_column(Text)  # why it stopped early, its alarms


class CrawlLockRow(Base):
    """The crawl holding a SQLite archive (at most one row): who, since when, last renewed."""

    __tablename__ = "crawl_lock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    token: Mapped[str] = mapped_column(String(32))  # the holder's own mark, to renew and release
    pid: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCTimestamp)
    renewed_at: Mapped[datetime] = mapped_column(UTCTimestamp)


class RawPageRow(Base):
    """One fetch: what was asked, what came back, and what the parser made of it."""

    __tablename__ = "raw_page"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, index=True)  # canonical site URL asked for
    fetch_url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[str] = mapped_column(Text)  # JSON list of [name, value]
    content_type: Mapped[str | None] = mapped_column(Text)
    body_sha256: Mapped[str | None] = mapped_column(ForeignKey("raw_body.sha256"), index=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCTimestamp)
    page_kind: Mapped[str | None] = mapped_column(String(16))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id"), index=True)
    # Its record in a WARC file, when the crawl wrote one (warclink.WarcLink); else all NULL.
    warc_file: Mapped[str | None] = mapped_column(Text)
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(Integer)
    warc_record_id: Mapped[str | None] = mapped_column(Text)


class ArticleRow(Base):
    """One article record (ARTICLE.md), latest version seen; list fields live in part tables."""

    __tablename__ = "article"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    site_id: Mapped[str | None] = mapped_column(Text, index=True)
    title: Mapped[str] = mapped_column(Text)
    sapo: Mapped[str | None] = mapped_column(Text)
    paragraphs: Mapped[str] = mapped_column(Text)  # JSON list of strings
    body_text: Mapped[str] = mapped_column(Text)
    # Hanoi time, ISO 8601 with +07:00 as in the record: one offset, so text order is time order.
    published_at: Mapped[str | None] = mapped_column(String(32), index=True)
    updated_at: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(Text, index=True)
    layout: Mapped[str] = mapped_column(String(16), index=True)
    parser_version: Mapped[str] = mapped_column(String(64), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(UTCTimestamp)
    last_seen_at: Mapped[datetime] = mapped_column(UTCTimestamp)
    raw_page_id: Mapped[int | None] = mapped_column(ForeignKey("raw_page.id"), index=True)
    # How the parser read the stored version (record.Provenance), outside the record: a JSON
    # object of field → rule (`layout:…`, `metadata:…`, `generic:…`, `url:…`, `none`) and its
    # confidence in the whole page, 0 to 1. NULL for articles stored before parsers said.
    field_sources: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(Float, index=True)

    # Articles with a sapo, with an update time: `stats` counts them from these, not by reading
    # every row (whole texts) of a million.
    # A category's articles newest first, and their ids, read from the index alone (0010).
    __table_args__ = (
        Index(None, "category", "published_at", "id"),
        Index(
            "ix_article_with_sapo",
            "id",
            sqlite_where=text("sapo IS NOT NULL"),
            postgresql_where=text("sapo IS NOT NULL"),
        ),
        Index(
            "ix_article_with_updated_at",
            "id",
            sqlite_where=text("updated_at IS NOT NULL"),
            postgresql_where=text("updated_at IS NOT NULL"),
        ),
    )


class _ArticlePart:
    """Children of an article, kept in the record's order by `position`."""

    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), primary_key=True, sort_order=-2
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)


class ArticleImageRow(_ArticlePart, Base):
    __tablename__ = "article_image"

    url: Mapped[str] = mapped_column(Text)
    caption: Mapped[str | None] = mapped_column(Text)


class ArticleCaptionRow(_ArticlePart, Base):
    __tablename__ = "article_caption"

    text: Mapped[str] = mapped_column(Text)


class ArticleAuthorRow(_ArticlePart, Base):
    __tablename__ = "article_author"

    name: Mapped[str] = mapped_column(Text, index=True)


class ArticleTagRow(_ArticlePart, Base):
    __tablename__ = "article_tag"

    name: Mapped[str] = mapped_column(Text, index=True)


class ArticleLinkRow(_ArticlePart, Base):
    """A `related` entry of the record: a link to another article of the site."""

    __tablename__ = "article_link"

    url: Mapped[str] = mapped_column(Text, index=True)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))  # inline, related, latest, most_read


class ArticleRevisionRow(Base):
    """An earlier version of an article, kept when a later fetch changed its text or dates
    (`history.REVISED_FIELDS`); the article row holds the latest version."""

    __tablename__ = "article_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True
    )
    record: Mapped[str] = mapped_column(Text)  # JSON: that version's ARTICLE.md record
    content_hash: Mapped[str] = mapped_column(String(64))  # that version's article.content_hash
    first_seen_at: Mapped[datetime] = mapped_column(UTCTimestamp)
    last_seen_at: Mapped[datetime] = mapped_column(UTCTimestamp)
    superseded_at: Mapped[datetime] = mapped_column(UTCTimestamp)  # the next version first seen
    raw_page_id: Mapped[int | None] = mapped_column(ForeignKey("raw_page.id"), index=True)


class ReparseRunRow(Base):
    """A re-parse of the archive (`reparse`), kept so that one stopped part way resumes: which
    articles it reads (`options`), with which parser, how far it got and what it found so far.
    Every chosen article with an id up to `done_through` has been read and written."""

    __tablename__ = "reparse_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    options: Mapped[str] = mapped_column(Text)  # JSON object: layout, version_below, since
    parser_version: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCTimestamp)
    finished_at: Mapped[datetime | None] = mapped_column(UTCTimestamp)  # None: stopped, or running
    done_through: Mapped[int] = mapped_column(Integer)  # an article id; 0 before the first
    report: Mapped[str] = mapped_column(Text)  # JSON: the counts of the articles read so far


# The full-text index is made by the migrations but not modelled here: on SQLite an FTS5
# virtual table and its shadow tables, on PostgreSQL a table of tsvectors (search_pg).
FULL_TEXT_TABLES = ("article_fts", "article_search")


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """For Alembic's comparisons of the models with a database: skip the full-text tables."""
    if type_ == "table" and name is not None:
        return not name.startswith(FULL_TEXT_TABLES)
    if type_ == "index" and name is not None:
        return not name.startswith(tuple(f"ix_{table}" for table in FULL_TEXT_TABLES))
    return True
