"""newsarchive: archive kinhtedothi.vn completely and faithfully.

The Python API: `parse_article(html, url)` returns the ARTICLE.md record as an `Article`
(`.to_dict()` gives its JSON form) and raises `NotAnArticle` (with `.kind`) for other pages;
`open_archive(url)` reads an archive: its articles, one by its URL or id, search, and an Arrow
table of them (`newsarchive.api`). Every error raised for a caller is a `NewsarchiveError`.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import NewsarchiveError, NotAnArticle, SearchSyntaxError, StoreError
from .parse import PARSER_VERSION, parse_article
from .record import Article, Image, Related

if TYPE_CHECKING:
    from .api import ArchiveReader, SearchResult, open_archive

__version__ = "0.1.0"

# Loaded on first use: the store brings SQLAlchemy, half a second that a program only parsing
# pages (the crawl's reading workers among them) would pay for nothing.
_READING = {
    "ArchiveReader": ".api",
    "SearchResult": ".api",
    "open_archive": ".api",
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
    "NewsarchiveError",
    "NotAnArticle",
    "Related",
    "SearchResult",
    "SearchSyntaxError",
    "StoreError",
    "__version__",
    "open_archive",
    "parse_article",
]
