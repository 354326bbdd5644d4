"""What differs between database engines, in one place: SQLite connection settings and
transactions, PostgreSQL's migration lock and retryable errors, insert-or-ignore, and whether
full-text search is available; and updating many rows by id in one statement, beside it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, event, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import Base, table_of

# Execution option marking connections that will write: on SQLite they take the write lock at
# BEGIN (BEGIN IMMEDIATE), so a busy archive makes them wait (busy_timeout) instead of failing
# half-way when a read transaction cannot be upgraded.
WRITE_OPTION = "newsarchive_write"

SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout=10000",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
)


def configure(engine: Engine) -> None:
    """Install the per-connection settings the archive relies on."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)


def _sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Let SQLAlchemy's "begin" event (below) open transactions, not the sqlite3 module, which
    # would only do it before DML and so leave reads and DDL outside the transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    writes = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


# Any fixed number: the key of the PostgreSQL advisory lock that migrations take.
_MIGRATION_LOCK = 0x6E6577  # "new"


def lock_for_migration(connection: Connection) -> None:
    """Serialise schema upgrades between processes opening one archive at once. SQLite's
    write transaction (BEGIN IMMEDIATE) already does; PostgreSQL takes an advisory lock, held
    until the upgrade's transaction ends."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")


# PostgreSQL's codes for a transaction that lost a race with a concurrent one and is worth running
# again: a deadlock it broke, a serialisation failure, a unique key inserted meanwhile.
_TRANSIENT_STATES = frozenset({"40P01", "40001", "23505"})


def is_transient(exc: BaseException) -> bool:
    """Whether a failed transaction would likely succeed if run again from the start."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in _TRANSIENT_STATES


def has_full_text_search(engine: Engine) -> bool:
    """Search uses SQLite's FTS5 or PostgreSQL's tsvector (`fulltext`); other engines have none."""
    return engine.dialect.name in ("sqlite", "postgresql")


def insert_or_ignore(
    session: Session,
    model: type[Base],
    rows: Sequence[Mapping[str, Any]],
    key: Sequence[str],
) -> None:
    """Insert `rows`, silently skipping those whose `key` columns are already taken."""
    if not rows:
        return
    connection = session.connection()
    name = connection.dialect.name
    # The table, not the model: a Core insert skips the ORM's bulk machinery, which costs more
    # than the insert on the store's hot path.
    table = table_of(model)
    if name == "sqlite":
        statement: Any = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(key))
    elif name == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=list(key))
    else:
        raise NotImplementedError(f"insert-or-ignore is not written for {name}")
    connection.execute(statement, list(rows))


def update_by_id(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Update rows of `table` by id (`b_id` in each dict; the other keys are the columns to set),
    with one executemany per set of columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(row))].append(row)
    for group in groups.values():
        connection.execute(update(table).where(table.c.id == bindparam("b_id")), group)
