"""Opening an archive: the engine for a database URL, and its schema brought to the newest
revision with the Alembic migrations shipped inside this package."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import URL, Engine, create_engine, make_url, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from . import dialect
from .reasons import StoreError, one_line, reason

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def open_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for the archive at `url`, its schema at head; StoreError saying why if not.
    With `create=False` a SQLite file that does not exist is an error, not a new archive."""
    parsed = _parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_file(url, parsed, create=create)
    shown = parsed.render_as_string(hide_password=True)  # error messages never show a password
    try:
        engine = create_engine(parsed)
    except NoSuchModuleError as exc:
        raise StoreError(f"cannot open archive {shown}: {one_line(exc)}") from exc
    except ImportError as exc:
        raise StoreError(
            f"cannot open archive {shown}: {one_line(exc)}{_driver_hint(parsed)}"
        ) from exc
    except ArgumentError as exc:
        raise StoreError(f"cannot open archive {shown}: {one_line(exc)}") from exc
    dialect.configure(engine)
    try:
        upgrade(engine)
    except StoreError:
        engine.dispose()
        raise
    except (SQLAlchemyError, OSError) as exc:
        engine.dispose()
        raise StoreError(f"cannot open archive {shown}: {reason(exc)}") from exc
    return engine


def _driver_hint(parsed: URL) -> str:
    if parsed.get_backend_name() == "postgresql":
        return " (install the driver: pip install 'newsarchive[postgresql]')"
    return ""


def migration_config() -> Config:
    """Alembic's configuration, built in code: no `alembic.ini` needed."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest revision shipped, from the migrations' file names ("0011_reparse_run.py":
    revisions are numbered in order, one after another), without loading Alembic."""
    return max(
        path.name[:4] for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")
    )


def upgrade(engine: Engine) -> None:
    """Create the schema in a new archive, or bring an older one to the newest revision.
    Alembic (a third of a command's start) is loaded only when there is something to do."""
    if _current_revision(engine) == head_revision():
        return
    shown = engine.url.render_as_string(hide_password=True)
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    config = migration_config()
    scripts = ScriptDirectory.from_config(config)
    head = scripts.get_current_head()
    with engine.connect() as connection:
        connection.execution_options(**{dialect.WRITE_OPTION: True})
        with connection.begin():
            dialect.lock_for_migration(connection)
            # Checked again under the write lock: another process may have just done it.
            current = MigrationContext.configure(connection).get_current_revision()
            if current == head:
                return
            known = {script.revision for script in scripts.walk_revisions()}
            if current is not None and current not in known:
                raise StoreError(
                    f"archive {shown} has schema revision {current}, unknown to this "
                    "newsarchive: made by a newer version?"
                )
            config.attributes["connection"] = connection
            try:
                command.upgrade(config, "head")
            except CommandError as exc:
                raise StoreError(f"cannot open archive {shown}: {reason(exc)}") from exc


def _current_revision(engine: Engine) -> str | None:
    """The archive's revision (Alembic's own table, read plainly); None for a new archive."""
    with engine.connect() as connection:
        try:
            found = connection.scalar(text("SELECT version_num FROM alembic_version"))
        except SQLAlchemyError:
            return None
    return None if found is None else str(found)


def _parse_url(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise StoreError(
            f"bad archive URL {url!r}: expected a database URL such as sqlite:///archive.db"
        ) from exc


def _check_sqlite_file(url: str, parsed: URL, *, create: bool) -> None:
    """Say plainly why a SQLite file cannot be used, before SQLite says 'unable to open'."""
    database = parsed.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    folder = path.parent
    problem: str | None
    if not create and not path.exists():
        problem = f"no archive at {path} (check --db, or run `newsarchive crawl` first)"
    elif path.is_dir():
        problem = f"{path} is a directory"
    elif path.exists():
        problem = None if os.access(path, os.R_OK | os.W_OK) else f"{path} is not writable"
    elif not folder.is_dir():
        problem = f"folder {folder} does not exist"
    elif not os.access(folder, os.W_OK | os.X_OK):
        problem = f"folder {folder} is not writable"
    else:
        problem = None
    if problem:
        raise StoreError(f"cannot open archive {url}: {problem}")
