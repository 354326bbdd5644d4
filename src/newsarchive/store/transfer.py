"""A whole archive copied into another database, SQLite to PostgreSQL or any way round.

Rows are read from one snapshot of the source and written in batches (never the whole archive in
memory), keeping their ids so every reference holds, in one transaction on the target: the copy
is there whole, its row counts checked table by table against the source, or not at all. The
full-text index is rebuilt for the target's engine; what belongs to running crawls (the SQLite
crawl lock, host pacing, frontier leases) stays behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from newsarchive.derived.prepared import folded_texts
from newsarchive.errors import TargetNotEmpty

from . import articles, fulltext
from .dialect import WRITE_OPTION, has_full_text_search
from .engine import open_engine
from .models import (
    ArticleAuthorRow,
    ArticleCaptionRow,
    ArticleImageRow,
    ArticleLinkRow,
    ArticleRevisionRow,
    ArticleRow,
    ArticleTagRow,
    Base,
    CrawlLockRow,
    CrawlRunRow,
    FrontierEntryRow,
    HostPaceRow,
    RawBodyRow,
    RawBodySizeRow,
    RawPageRow,
    ReparseRunRow,
    table_of,
)
from .reasons import StoreError, reason

# Referenced tables before the tables referring to them.
COPIED: tuple[type[Base], ...] = (
    RawBodyRow,
    RawBodySizeRow,
    CrawlRunRow,
    RawPageRow,
    ArticleRow,
    ArticleImageRow,
    ArticleCaptionRow,
    ArticleAuthorRow,
    ArticleTagRow,
    ArticleLinkRow,
    ArticleRevisionRow,
    FrontierEntryRow,
)
# Left behind: the state of crawls and re-parses running on the source, meaningless elsewhere.
NOT_COPIED: tuple[type[Base], ...] = (CrawlLockRow, HostPaceRow, ReparseRunRow)
BATCH = 1000  # rows per read and per insert
_INDEXED_PER_READ = 200


@dataclass(frozen=True, slots=True)
class CopiedTable:
    name: str
    rows: int  # in the source, copied, and found in the target: all three agree


Progress = Callable[[CopiedTable], None]


def copy_archive(
    source_url: str,
    target_url: str,
    *,
    force: bool = False,
    batch: int = BATCH,
    progress: Progress | None = None,
) -> list[CopiedTable]:
    """Copy the archive at `source_url` into `target_url` (made or upgraded as needed); the
    tables copied with their row counts. TargetNotEmpty if the target holds rows and not
    `force` (which replaces them)."""
    if _same_database(source_url, target_url):
        raise StoreError(f"cannot copy an archive onto itself: {source_url}")
    source = open_engine(source_url, create=False)
    try:
        target = open_engine(target_url)
        try:
            return _copy(source, target, force=force, batch=batch, progress=progress)
        finally:
            target.dispose()
    finally:
        source.dispose()


def _copy(
    source: Engine, target: Engine, *, force: bool, batch: int, progress: Progress | None
) -> list[CopiedTable]:
    shown = target.url.render_as_string(hide_password=True)
    copied: list[CopiedTable] = []
    try:
        with source.connect() as reading, target.connect() as writing:
            if source.dialect.name == "postgresql":
                # One snapshot for every table, whatever crawls write meanwhile.
                reading.execution_options(isolation_level="REPEATABLE READ")
            writing.execution_options(**{WRITE_OPTION: True})
            with reading.begin(), writing.begin():
                held = _rows_held(writing)
                if held and not force:
                    raise TargetNotEmpty(
                        f"{shown} already holds an archive ({held}); "
                        "--force replaces it with the copy"
                    )
                if held:
                    _empty(writing)
                for model in COPIED:
                    table = table_of(model)
                    count = _copy_table(reading, writing, table, batch)
                    copied.append(CopiedTable(table.name, count))
                    if progress is not None:
                        progress(copied[-1])
                _continue_sequences(writing)
                if has_full_text_search(target):
                    _index(writing)
    except StoreError:
        raise
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot copy the archive into {shown}: {reason(exc)}") from exc
    return copied


def _count(connection: Connection, table: Table) -> int:
    return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def _rows_held(connection: Connection) -> str:
    """What the target holds, said briefly ("21 article, 54 raw_page"); empty if nothing."""
    counts = [(table_of(m).name, _count(connection, table_of(m))) for m in COPIED]
    return ", ".join(f"{n} {name}" for name, n in counts if n)


def _empty(connection: Connection) -> None:
    for model in (*NOT_COPIED, *reversed(COPIED)):
        connection.execute(delete(table_of(model)))
    if has_full_text_search(connection.engine):
        fulltext.clear(connection)


def _copy_table(reading: Connection, writing: Connection, table: Table, batch: int) -> int:
    """Stream `table` across in primary-key order, `batch` rows at a time; the count, checked."""
    expected = _count(reading, table)
    query = select(table).order_by(*table.primary_key.columns)
    result = reading.execution_options(stream_results=True, yield_per=batch).execute(query)
    copied = 0
    for rows in result.partitions(batch):
        values = [_carried(table, dict(row._mapping)) for row in rows]
        writing.execute(insert(table), values)
        copied += len(values)
    found = _count(writing, table)
    if not expected == copied == found:
        raise StoreError(
            f"copy of table {table.name} does not add up: {expected} rows in the source, "
            f"{copied} copied, {found} in the target; nothing was copied"
        )
    return copied


def _carried(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    if table.name == "frontier":  # leases belong to crawls running on the source
        row["leased_by"] = row["lease_until"] = None
    return row


def _continue_sequences(connection: Connection) -> None:
    """On PostgreSQL, ids given by the copy are taken: new rows must be numbered after them."""
    if connection.dialect.name != "postgresql":
        return
    for model in COPIED:
        table = table_of(model)
        if "id" not in table.primary_key.columns:
            continue
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table.name}"
            )
        )


def _index(connection: Connection) -> None:
    """The target's full-text index, made from the copied articles."""
    session = Session(bind=connection)
    after = 0
    while rows := list(
        session.scalars(
            select(ArticleRow)
            .where(ArticleRow.id > after)
            .order_by(ArticleRow.id)
            .limit(_INDEXED_PER_READ)
        )
    ):
        for row, article in zip(rows, articles.load_articles(session, rows), strict=True):
            fulltext.index_articles(session, [(row.id, folded_texts(article))])
        session.flush()
        after = rows[-1].id
        session.expunge_all()
    session.close()


def _same_database(first: str, second: str) -> bool:
    try:
        a, b = make_url(first), make_url(second)
    except Exception:  # a bad URL is open_engine's to explain
        return False
    if a.get_backend_name() == b.get_backend_name() == "sqlite":
        if not a.database or not b.database:
            return False
        return Path(a.database).resolve() == Path(b.database).resolve()
    return a.set(drivername=a.get_backend_name()) == b.set(drivername=b.get_backend_name())
