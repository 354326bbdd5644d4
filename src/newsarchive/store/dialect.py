"""What differs between database engines, in one place: SQLite connection settings and
transactions, PostgreSQL's migration lock and retryable errors, insert-or-ignore, and whether
full-text search is available; rows chosen by a list of keys (one array on PostgreSQL); and
writing many rows in one statement (inserted, inserted with their ids, updated by id), at the
driver on SQLite."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from itertools import groupby
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Dialect,
    Engine,
    Select,
    Table,
    any_,
    bindparam,
    event,
    insert,
    update,
)
from sqlalchemy.dialects import postgresql
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


def among(
    connection: Connection, column: ColumnElement[Any], values: Sequence[Any]
) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `column = ANY(:array)`: one parameter however many the
    values, so the statement is the same for every list (prepared and planned once per
    connection) and its values are sent as one array, not a bind each."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def binary_rows(
    connection: Connection, statement: Select[*tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """The rows of `statement`, whose columns and parameters need no conversion by SQLAlchemy's
    types (ints, bytes, lists of them). On PostgreSQL they are fetched in binary: as text, a
    bytea comes hex-encoded, twice its bytes for the server to encode and send and for the
    driver to decode (for a chunk of raw bodies, three times the driver's CPU and wall time)."""
    if connection.dialect.name != "postgresql":
        return [tuple(row) for row in connection.execute(statement)]
    compiled = statement.compile(dialect=connection.dialect)
    driver: Any = connection.connection.driver_connection  # psycopg's own connection
    with driver.cursor(binary=True) as cursor:
        cursor.execute(str(compiled), compiled.params)
        return list(cursor.fetchall())


def insert_or_ignore(
    session: Session,
    model: type[Base],
    rows: Sequence[Mapping[str, Any]],
    key: Sequence[str],
) -> None:
    """Insert `rows`, silently skipping those whose `key` columns are already taken."""
    connection = session.connection()
    if connection.dialect.name not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"insert-or-ignore is not written for {connection.dialect.name}")
    # The table, not the model: a Core insert skips the ORM's bulk machinery, which costs more
    # than the insert on the store's hot path.
    insert_rows(connection, table_of(model), rows, ignoring=tuple(key))


def insert_rows(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    ignoring: tuple[str, ...] = (),
) -> None:
    """Insert `rows`, one executemany per set of columns; with `ignoring` (SQLite and
    PostgreSQL), those whose `ignoring` columns are taken are skipped."""
    for names, group in _by_columns(rows):
        if connection.dialect.name == "postgresql" and ignoring:
            skipping = postgresql.insert(table).on_conflict_do_nothing(index_elements=ignoring)
            connection.execute(skipping, group)
        elif connection.dialect.name != "sqlite":
            connection.execute(insert(table), group)
        else:
            statement = f"{_insert_into(connection, table, names)} VALUES {_marks(names)}"
            if ignoring:
                quote = connection.dialect.identifier_preparer.quote
                statement += f" ON CONFLICT ({', '.join(map(quote, ignoring))}) DO NOTHING"
            _at_driver(connection, table, statement, names, group)


def insert_rows_keyed(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], key: str
) -> dict[Any, int]:
    """Insert `rows` (distinct in column `key`); the id of each new row, by its `key`. Matched by
    key: RETURNING in the parameters' order would make SQLite insert row by row."""
    ids: dict[Any, int] = {}
    column = table.c[key]
    for names, group in _by_columns(rows):
        if connection.dialect.name != "sqlite":
            inserted = insert(table).returning(table.c.id, column)
            ids.update((value, row_id) for row_id, value in connection.execute(inserted, group))
            continue
        quote = connection.dialect.identifier_preparer.quote
        head = f"{_insert_into(connection, table, names)} VALUES "
        # Many rows to a statement, within SQLite's limit on parameters (32,766).
        step = max(1, 30_000 // len(names))
        for first in range(0, len(group), step):
            chunk = group[first : first + step]
            many = ", ".join([_marks(names)] * len(chunk))
            statement = f"{head}{many} RETURNING id, {quote(key)}"
            values = [
                value for row in _driver_values(connection, table, names, chunk) for value in row
            ]
            for row_id, value in connection.exec_driver_sql(statement, tuple(values)):
                ids[value] = row_id
    return ids


def update_by_id(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Update rows of `table` by id (`b_id` in each dict; the other keys are the columns to set),
    with one executemany per set of columns."""
    for names, group in _by_columns(rows):
        if connection.dialect.name != "sqlite":
            connection.execute(update(table).where(table.c.id == bindparam("b_id")), group)
            continue
        quote = connection.dialect.identifier_preparer.quote
        chosen = tuple(name for name in names if name != "b_id")
        settings = ", ".join(f"{quote(name)} = ?" for name in chosen)
        statement = f"UPDATE {quote(table.name)} SET {settings} WHERE id = ?"
        _at_driver(connection, table, statement, (*chosen, "b_id"), group)


def _insert_into(connection: Connection, table: Table, names: tuple[str, ...]) -> str:
    quote = connection.dialect.identifier_preparer.quote
    return f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, names))})"


def _marks(names: tuple[str, ...]) -> str:
    return f"({', '.join('?' for _ in names)})"


def _by_columns(
    rows: Sequence[Mapping[str, Any]],
) -> Iterator[tuple[tuple[str, ...], list[Mapping[str, Any]]]]:
    """Runs of rows with the same columns, in order: rows are written in the order given."""
    # Rows made alike list their keys alike: no sorting.
    for names, group in groupby(rows, key=tuple):
        yield names, list(group)


def _at_driver(
    connection: Connection,
    table: Table,
    statement: str,
    names: tuple[str, ...],
    rows: Sequence[Mapping[str, Any]],
) -> None:
    """Run a qmark `statement` once per row, each row's values (in `names` order) through their
    column type's own bind processor, straight at the driver: SQLAlchemy's handling of each
    row's parameters cost more than SQLite's work on it (bench/results.md, store)."""
    connection.exec_driver_sql(statement, _driver_values(connection, table, names, rows))


def _driver_values(
    connection: Connection,
    table: Table,
    names: tuple[str, ...],
    rows: Sequence[Mapping[str, Any]],
) -> list[tuple[Any, ...]]:
    steps = [(name, _processor(connection.dialect, table, name)) for name in names]
    return [
        tuple([row[name] if step is None else step(row[name]) for name, step in steps])
        for row in rows
    ]


@cache
def _processor(dialect: Dialect, table: Table, name: str) -> Callable[[Any], Any] | None:
    column = table.c.id if name == "b_id" else table.c[name]
    return column.type.bind_processor(dialect)
