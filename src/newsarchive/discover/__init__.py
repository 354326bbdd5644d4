"""Finding what to fetch: sitemaps, feeds and pages → candidate URLs with hints.

Knows nothing of storage.
"""

from .feed import links_in_feed
from .found import Found
from .links import links_in_page
from .sitemap import links_in_sitemap
from .window import DateWindow

__all__ = ["DateWindow", "Found", "links_in_feed", "links_in_page", "links_in_sitemap"]
