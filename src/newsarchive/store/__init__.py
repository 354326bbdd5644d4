"""The archive: schema and migrations, frontier, raw pages, articles, search.

The only room that speaks SQL; it takes and gives plain values (`newsarchive.record.Article`).
"""

from .archive import Archive, StoreOutcome
from .captures import RawPage
from .errors import SearchSyntaxError, StoreError
from .frontier import Candidate, FrontierEntry
from .search import SearchHit

__all__ = [
    "Archive",
    "Candidate",
    "FrontierEntry",
    "RawPage",
    "SearchHit",
    "SearchSyntaxError",
    "StoreError",
    "StoreOutcome",
]
