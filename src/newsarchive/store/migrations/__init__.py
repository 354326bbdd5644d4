"""Alembic migrations of the archive schema, run by `newsarchive.store.engine.upgrade`."""
