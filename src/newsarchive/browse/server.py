"""Datasette serving one SQLite archive, read-only, with the project's metadata, plugin and
templates."""

from __future__ import annotations

import socket
from pathlib import Path

from sqlalchemy.engine import make_url

from .datasette_metadata import MAIN_TABLE, metadata

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Datasette's own settings: no guessing of facets (ours are set), a time limit per query.
SETTINGS = {"suggest_facets": False, "sql_time_limit_ms": 5000, "default_page_size": 50}


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite archive URL; None for another engine or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def address(host: str, port: int, database: Path) -> str:
    """Where the articles are listed."""
    return f"http://{host}:{port}/{database.stem}/{MAIN_TABLE}"


def port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def serve(database: Path, url: str, host: str, port: int) -> None:
    """Serve until interrupted. Datasette opens the file read-only (`mode=ro`) and grants no
    one the right to write."""
    import uvicorn
    from datasette.app import Datasette
    from datasette.plugins import pm

    from . import plugin

    if not pm.is_registered(plugin):
        pm.register(plugin, name=plugin.NAME)
    config = metadata(database.stem)
    config["plugins"] = {plugin.NAME: {"db": url}}
    datasette = Datasette(
        [str(database)], metadata=config, template_dir=str(TEMPLATES), settings=SETTINGS
    )
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")
