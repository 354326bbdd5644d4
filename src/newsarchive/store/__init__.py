"""Keeping the archive in a database (SQLite or PostgreSQL): everything a run stores or reads.

Schema and migrations, frontier, raw pages, articles, revisions, search, stats. The only room
that speaks SQL; it takes and gives plain values (`newsarchive.record.Article`).
"""

from ..errors import CrawlLocked, SearchSyntaxError, StoreError, TargetNotEmpty
from .archive import Archive, Fetched, StoreOutcome
from .coverage import UrlCoverage
from .filters import ArticleFilter
from .frontier import BackfillWindow, Candidate, FrontierEntry
from .history import REVISED_FIELDS, Version
from .lock import CrawlLease, LockHolder
from .raw_pages import PageCapture, RawPage
from .search import SearchHit
from .stats import ArchiveStats, GenericReads, LastCrawl
from .transfer import CopiedTable, copy_archive

__all__ = [
    "REVISED_FIELDS",
    "Archive",
    "ArchiveStats",
    "ArticleFilter",
    "BackfillWindow",
    "Candidate",
    "CopiedTable",
    "CrawlLease",
    "CrawlLocked",
    "Fetched",
    "FrontierEntry",
    "GenericReads",
    "LastCrawl",
    "LockHolder",
    "PageCapture",
    "RawPage",
    "SearchHit",
    "SearchSyntaxError",
    "StoreError",
    "StoreOutcome",
    "TargetNotEmpty",
    "UrlCoverage",
    "Version",
    "copy_archive",
]
