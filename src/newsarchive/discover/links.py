"""Links in a fetched page: articles (teasers, related boxes) and a listing's next pages."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from ..site.urls import link_url, listing_page_number, url_kind
from .found import Found


def links_in_page(
    html: str | bytes,
    page_url: str,
    *,
    max_listing_page: int,
    tree: LexborHTMLParser | None = None,
) -> list[Found]:
    """Article URLs linked from the page, and listing pages up to `max_listing_page`, in page
    order and once each. `page_url` is the page's site URL, so relative links resolve to it.
    `tree`, if given, is `LexborHTMLParser(html)` made by the caller, who reads the page with
    `parse_article` too: one parse serves both. The tree is only read here, never changed."""
    if tree is None:
        tree = LexborHTMLParser(html)
    seen: set[str] = set()
    found: list[Found] = []
    for anchor in tree.css("a[href], link[rel=next][href]"):
        href = (anchor.attributes.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = link_url(href, base=page_url)
        if url is None or url in seen or url == page_url:
            continue
        kind = url_kind(url)
        if kind == "article":
            found.append(Found(url, "article", "link"))
        elif kind == "listing" and 1 < listing_page_number(url) <= max_listing_page:
            found.append(Found(url, "listing", "listing"))
        else:
            continue
        seen.add(url)
    return found
