"""Links in a fetched page: articles (teasers, related boxes) and, on a listing, its next page
and its teasers of no known URL form."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from ..site.urls import link_url, url_kind
from .found import Found
from .listing import read_listing, unknown_form


def links_in_page(
    html: str | bytes,
    page_url: str,
    *,
    max_listing_page: int,
    tree: LexborHTMLParser | None = None,
    depth: int | None = None,
) -> list[Found]:
    """Article URLs linked from the page, in page order and once each. `page_url` is the page's
    site URL, so relative links resolve to it. `tree`, if given, is `LexborHTMLParser(html)` made
    by the caller, who reads the page with `parse_article` too: one parse serves both. The tree
    is only read here, never changed.

    A page read as a listing at `depth` (1: a section's first page) also gives the links of its
    teasers whose URL has no known form (kind "page": fetched, the page says what it is), and
    its next page as page `depth + 1`, while that is no deeper than `max_listing_page`."""
    if tree is None:
        tree = LexborHTMLParser(html)
    seen: set[str] = set()
    found: list[Found] = []
    for anchor in tree.css("a[href]"):
        href = (anchor.attributes.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = link_url(href, base=page_url)
        if url is None or url in seen or url == page_url:
            continue
        if url_kind(url) == "article":
            found.append(Found(url, "article", "link"))
            seen.add(url)
    if depth is None:
        return found
    listing = read_listing(tree, page_url)
    for url in listing.teasers:
        if url not in seen and unknown_form(url, page_url):
            found.append(Found(url, "page", "listing"))
            seen.add(url)
    following = listing.next_page
    if following is not None and following not in seen and depth < max_listing_page:
        found.append(Found(following, "listing", "listing", depth=depth + 1))
    return found
