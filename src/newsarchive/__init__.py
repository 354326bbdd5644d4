"""newsarchive: archive kinhtedothi.vn completely and faithfully.

The Python API: `parse_article(html, url)` returns the ARTICLE.md record as an `Article`
(`.to_dict()` gives its JSON form) and raises `NotAnArticle` (with `.kind`) for other pages;
`open_archive(url)` reads an archive: its articles, one by its URL or id, search, and an Arrow
table of them (`newsarchive.api`).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .parse import PARSER_VERSION, NotAnArticle, parse_article
from .record import Article, Image, Related

if TYPE_CHECKING:
    from .api import ArchiveReader, SearchResult, open_archive
    from .store import SearchSyntaxError, StoreError

__version__ = "0.1.0"

# Loaded on first use: the store brings SQLAlchemy, half a second that a program only parsing
# pages (the crawl's reading workers among them) would pay for nothing.
_READING = {
    "ArchiveReader": ".api",
    "SearchResult": ".api",
    "open_archive": ".api",
    "SearchSyntaxError": ".store",
    "StoreError": ".store",
}


def __getattr__(name: str) -> Any:
    if name in _READING:
        return getattr(import_module(_READING[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PARSER_VERSION",
    "ArchiveReader",
    "Article",
    "Image",
    "NotAnArticle",
    "Related",
    "SearchResult",
    "SearchSyntaxError",
    "StoreError",
    "__version__",
    "open_archive",
    "parse_article",
]
