"""What differs between database engines, in one place: SQLite connection settings and
transactions, insert-or-ignore, and whether full-text search is available."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

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


def has_full_text_search(engine: Engine) -> bool:
    """Search uses SQLite's FTS5; other engines get it later."""
    return engine.dialect.name == "sqlite"


def insert_or_ignore(
    session: Session,
    model: type[DeclarativeBase],
    rows: Sequence[Mapping[str, Any]],
    key: Sequence[str],
) -> None:
    """Insert `rows`, silently skipping those whose `key` columns are already taken."""
    if not rows:
        return
    name = session.get_bind().dialect.name
    if name == "sqlite":
        session.execute(
            sqlite.insert(model).on_conflict_do_nothing(index_elements=list(key)), list(rows)
        )
    elif name == "postgresql":
        session.execute(
            postgresql.insert(model).on_conflict_do_nothing(index_elements=list(key)), list(rows)
        )
    else:
        raise NotImplementedError(f"insert-or-ignore is not written for {name}")
