"""The Datasette plugin: the folding function in SQL, links from rows to article pages, and
the search and article pages. Registered by `server.serve`; reads the archive named in the
plugin's configuration."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar, cast

from datasette import hookimpl as datasette_hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from ..derived.fold import fold
from ..store import Archive, SearchSyntaxError
from .pages import article_page, search_page

NAME = "newsarchive"
F = TypeVar("F", bound=Callable[..., Any])
SEARCH_LIMIT = 50


def hookimpl(func: F) -> F:
    """Datasette's hook marker, typed."""
    return cast(F, datasette_hookimpl(func))


@cache
def _archive(url: str) -> Archive:
    return Archive.open(url, create=False)


def _archive_of(datasette: Any) -> Archive:
    config = datasette.plugin_config(NAME) or {}
    return _archive(config["db"])


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    # `fold('Hoài Đức')` = 'hoai duc': diacritic-insensitive comparisons in any query.
    conn.create_function("fold", 1, _fold_sql, deterministic=True)


def _fold_sql(value: object) -> str | None:
    return None if value is None else fold(str(value))


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None) -> Markup | None:
    """An `article` column (an article's id) and the main table's titles link to its page."""
    if column == "article" and isinstance(value, int):
        return Markup(f'<a href="/article/{value}">{value}</a>')
    if column == "title" and table == "article_browse" and value is not None:
        return Markup(f'<a href="/article/{row["article"]}">{escape(value)}</a>')
    return None


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/article/(?P<id>\d+)$", _article), (r"^/search$", _search)]


async def _article(datasette: Any, request: Any) -> Response:
    archive = _archive_of(datasette)
    page = await asyncio.to_thread(article_page, archive, int(request.url_vars["id"]))
    if page is None:
        return Response.html("<h1>No such article in the archive</h1>", status=404)
    html = await datasette.render_template("newsarchive_article.html", page, request=request)
    return Response.html(html)


async def _search(datasette: Any, request: Any) -> Response:
    archive = _archive_of(datasette)
    query = request.args.get("q", "")
    error = None
    try:
        hits = await asyncio.to_thread(search_page, archive, query, SEARCH_LIMIT)
    except SearchSyntaxError as exc:
        hits, error = [], str(exc)
    context = {"q": query, "hits": hits, "error": error}
    html = await datasette.render_template("newsarchive_search.html", context, request=request)
    return Response.html(html, status=400 if error else 200)
