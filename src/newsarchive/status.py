"""The exit statuses of CLI.md, shared by the commands and by the crawl that records its own.

A status that an error stands for is that error's own (errors.py); the others end a run that
finished but has something to say.
"""

from .errors import CrawlLocked, NewsarchiveError, NotAnArticle, UsageError

OK = 0
FAILED = NewsarchiveError.exit_status
USAGE = UsageError.exit_status
NOT_ARTICLE = NotAnArticle.exit_status
ALARM = 4  # crawl/check: a health alarm
STOPPED = 5  # crawl: the site kept refusing or failing
LOCKED = CrawlLocked.exit_status
