"""RSS and Atom feeds, read by feedparser (every dialect, broken encodings, odd dates)."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

import feedparser

from ..site.urls import link_url, url_kind
from .found import Found


def links_in_feed(data: bytes) -> list[Found]:
    parsed = feedparser.parse(data)
    found: list[Found] = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        url = link_url(link)
        if url is None or url_kind(url) != "article":
            continue
        # dict.get: feedparser's own get() maps a missing "updated" to "published" with a warning.
        stamp = dict.get(entry, "updated_parsed") or dict.get(entry, "published_parsed")
        lastmod = datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None
        found.append(Found(url, "article", "feed", lastmod))
    return found
