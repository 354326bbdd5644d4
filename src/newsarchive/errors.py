"""Every error newsarchive raises for its callers, each carrying the exit status (CLI.md) a command
ends with when it meets it; the message is the one line a user reads.

This module imports nothing of the project's, so any part may raise these without an import
running back up the flow.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Protocol


class NewsarchiveError(Exception):
    """Something newsarchive could not do; the command fails (exit 1) with the message."""

    exit_status: ClassVar[int] = 1


class UsageError(NewsarchiveError):
    """Bad usage or configuration, refused before any work (exit 2)."""

    exit_status = 2


class ConfigError(UsageError, ValueError):
    """A bad setting; the message names the key (or the file) to fix."""


class StoreError(NewsarchiveError):
    """The archive cannot be opened, read or written; the message says which and why."""


class SearchSyntaxError(StoreError):
    """A search query that FTS5 cannot read; the message says what is wrong with it (exit 2)."""

    exit_status = 2


class TargetNotEmpty(StoreError):
    """The target of a copy already holds an archive; replacing it needs `force` (exit 2)."""

    exit_status = 2


class Holder(Protocol):
    """Who holds the crawl lock, as the store tells it (its `LockHolder`)."""

    @property
    def pid(self) -> int: ...
    @property
    def host(self) -> str: ...
    @property
    def started_at(self) -> datetime: ...
    def describe(self) -> str: ...


class CrawlLocked(NewsarchiveError):
    """Another crawl holds the (SQLite) archive; `holder` says which (exit 75)."""

    exit_status = 75

    def __init__(self, holder: Holder) -> None:
        super().__init__(f"another crawl holds the archive: {holder.describe()}; try again later")
        self.holder = holder


class NotAnArticle(NewsarchiveError):
    """The page is no article; `kind` says what it is, `detail` may say more (exit 3)."""

    exit_status = 3

    def __init__(self, kind: str, detail: str | None = None) -> None:
        super().__init__(f"not an article: {kind}")
        self.kind = kind
        self.detail = detail


class BodyTooLarge(NewsarchiveError):
    """A fetched body is, or says it is, over the cap; that page's fetch fails."""


class BodyUndecodable(NewsarchiveError):
    """A fetched body does not decode with its Content-Encoding; that page's fetch fails."""


class WarcError(NewsarchiveError):
    """The WARC directory or a file in it cannot be written; the message names it."""


class CaptureError(NewsarchiveError):
    """The page could not be captured or saved; the message names the URL or the file."""


class FixtureExists(CaptureError):
    """A fixture of that name is already there; `--force` replaces it (exit 2)."""

    exit_status = 2


class NothingToCheck(NewsarchiveError):
    """Neither the feed nor the home page gave an article to check; the message says why."""


class Status:
    """The exit statuses of CLI.md: the errors' own, and those that end a run that finished but
    has something to say (`ALARM`, `STOPPED`)."""

    OK = 0
    FAILED = NewsarchiveError.exit_status
    USAGE = UsageError.exit_status
    NOT_ARTICLE = NotAnArticle.exit_status
    ALARM = 4  # crawl/check: a health alarm
    STOPPED = 5  # crawl: the site kept refusing or failing
    LOCKED = CrawlLocked.exit_status
