"""Alembic's environment for the archive: migrates the connection it is handed.

`newsarchive.store.engine.upgrade` passes an open connection, already inside a write transaction,
as `config.attributes["connection"]`; the migration runs in that transaction.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from newsarchive.store.models import Base, include_object


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError(
        "the archive's migrations run from newsarchive.store (Archive.open), with a connection"
    )
run_migrations(connection)
