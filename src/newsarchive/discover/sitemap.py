"""Sitemaps: an index of url sets, or a url set; plain or gzipped."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree

from ..site import HANOI
from ..site.urls import is_main_host, link_url, url_kind
from .found import Found

# A gzipped sitemap may not inflate past this (the protocol's own limit is 50 MB).
MAX_SITEMAP_BYTES = 50_000_000


def links_in_sitemap(data: bytes) -> list[Found]:
    """Child sitemaps of an index and article URLs of a url set, with their `lastmod`.
    Malformed XML yields nothing (Python's expat refuses entity bombs)."""
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data)
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return []
    is_index = _local(root.tag) == "sitemapindex"
    found: list[Found] = []
    for entry in root:
        loc = lastmod = None
        for child in entry:
            name = _local(child.tag)
            if name == "loc":
                loc = (child.text or "").strip()
            elif name == "lastmod":
                lastmod = _parse_lastmod(child.text or "")
        if not loc:
            continue
        url = link_url(loc)
        if url is None or not is_main_host(urlsplit(url).hostname):
            continue
        if is_index:
            found.append(Found(url, "sitemap", "sitemap", lastmod))
        elif url_kind(url) == "article":
            found.append(Found(url, "article", "sitemap", lastmod))
    return found


def _gunzip(data: bytes) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, MAX_SITEMAP_BYTES)
    except zlib.error:
        return b""
    return b"" if inflater.unconsumed_tail else out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_lastmod(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=HANOI)  # W3C datetime without a zone: the site's time
    return moment.astimezone(UTC)
