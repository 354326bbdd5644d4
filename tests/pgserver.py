"""The PostgreSQL server the tests use: a database of their own on it, one schema per archive.

`NEWSARCHIVE_TEST_PG_URL` names the server (default: the build machines' one on 127.0.0.1:5432,
trust authentication, database `test`). The tests make a database `newsarchive_test_<random>`
through that connection, give each archive a fresh schema in it (the URL sets `search_path`, so
every process opening the URL sees that archive), and drop the database at the end.
"""

from __future__ import annotations

import os
import socket
import uuid
from itertools import count

from sqlalchemy import Engine, create_engine, make_url, text

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    return os.environ.get("NEWSARCHIVE_TEST_PG_URL", DEFAULT_URL)


def no_server_answers(url: str) -> str | None:
    """Why nothing answers at the server's address (refused, unreachable, timed out), or None
    when something does."""
    address = make_url(url)
    try:
        socket.create_connection((address.host or "127.0.0.1", address.port or 5432), 5).close()
    except OSError as exc:
        return " ".join(str(exc).split()) or type(exc).__name__
    return None


class PgServer:
    """A database made for this test session; `archive_url()` a fresh, empty archive in it."""

    def __init__(self, url: str) -> None:
        # A server that does not answer must not hang the run: it is told in seconds.
        self._admin = create_engine(
            url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
        )
        self.name = f"newsarchive_test_{uuid.uuid4().hex[:10]}"
        self.url = make_url(url).set(database=self.name)
        self._schemas = count(1)
        self._engine: Engine | None = None

    def start(self) -> PgServer:
        """Make the database; an error saying why the server cannot be used if not."""
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        self._engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        return self

    def archive_url(self) -> str:
        """The URL of a new, empty archive: a schema of its own in the test database."""
        assert self._engine is not None
        schema = f"archive_{next(self._schemas)}"
        with self._engine.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        url = self.url.update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def execute(self, archive_url: str, sql: str, **parameters: object) -> list[tuple[object, ...]]:
        """Run one statement in the archive at `archive_url`; its rows (none for DML)."""
        engine = create_engine(archive_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                result = connection.execute(text(sql), parameters)
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            engine.dispose()

    def stop(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        with self._admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()
