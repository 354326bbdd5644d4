"""The exit statuses of CLI.md, shared by the commands and by the crawl that records its own."""

OK = 0
FAILED = 1
USAGE = 2
NOT_ARTICLE = 3
ALARM = 4  # crawl/check: a health alarm
STOPPED = 5  # crawl: the site kept refusing or failing
LOCKED = 75  # crawl: another crawl holds the archive
