"""Kinhtedothi's addresses: hosts, URL patterns, canonical form, and what kind of page a URL is."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

from .layouts import LAYOUTS

MAIN_HOST = "kinhtedothi.vn"
SITE_ROOT = f"https://{MAIN_HOST}"

# Where a crawl starts. Sitemaps lead for back-fill; RSS and categories for what is new.
SITEMAP_PATHS: tuple[str, ...] = ("/sitemap.xml",)
FEED_PATHS: tuple[str, ...] = ("/rss/home.rss",)
CATEGORY_PATHS: tuple[str, ...] = (
    "/kinh-te/",
    "/do-thi/",
    "/chinh-tri/",
    "/xa-hoi/",
    "/phap-luat/",
    "/van-hoa/",
    "/the-thao/",
    "/quoc-te/",
    "/bat-dong-san/",
)
HOME_PATH = "/"
# The sitemap index lists one url set per month: `/sitemaps/2025-01.xml`.
SITEMAP_MONTH = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})\.xml(\.gz)?$")

# The layouts' article URL forms, those with an id first: a layout-B slug may end in digits
# ("...-thang-9-2022.html"), which the id forms must claim first.
ARTICLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (layout.name, re.compile(layout.url_form))
    for layout in sorted(LAYOUTS, key=lambda layout: "(?P<id>" not in layout.url_form)
    if layout.url_form
)
# Site sections that are not articles even though they look like `/<slug>.html`.
NON_ARTICLE_PREFIXES: tuple[str, ...] = ("/tag/", "/tim-kiem", "/search", "/rss/", "/api/")
TAG_PATH = re.compile(r"^/tag/")
SEARCH_PATH = re.compile(r"^/(tim-kiem|search)")
# A section's page known by its address alone (`/kinh-te/`, the modelled `/kinh-te/trang-2.html`);
# next pages in other forms are known by the link that led to them (discover/listing.py).
LISTING_PAGE = re.compile(r"^/(?P<section>[a-z0-9-]+)/(trang-(?P<page>\d+)\.html)?$")

TRACKING_PARAMS = frozenset({"fbclid", "gclid", "zarsrc", "_ga"})

UrlKind = Literal["article", "listing", "tag", "search", "other"]


def is_site_host(host: str | None, extra_hosts: tuple[str, ...] = ()) -> bool:
    """The main host, with or without `www.`, or one of the configured sister subdomains."""
    if not host:
        return False
    host = host.lower().rstrip(".")
    return host in (MAIN_HOST, f"www.{MAIN_HOST}") or host in extra_hosts


def allowed_hosts(extra_hosts: tuple[str, ...] = (), mirror: str | None = None) -> set[str]:
    """The netlocs a run may request: the site's and its configured sister subdomains, or a
    mirror alone. A run reading a mirror maps every site URL onto it, so a redirect from the
    mirror to the live site is refused rather than followed out of the mirror."""
    if mirror:
        return {urlsplit(mirror).netloc.lower()}
    return {MAIN_HOST, f"www.{MAIN_HOST}", *extra_hosts}


def names_another_site(url: str) -> bool:
    """Whether an address is another site's: a domain name not the site's. A mirror's loopback
    or IP address (`http://127.0.0.1:8765/...`) names no site."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    if not host or host == "localhost" or is_site_host(host):
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return True
    return False


def is_main_host(host: str | None) -> bool:
    return is_site_host(host)


def canonical_url(url: str, base: str | None = None) -> str:
    """ARTICLE.md's canonical form: https, lower-case host without `www.`, no fragment, no
    tracking parameters; path and the other query parameters kept exactly as written."""
    if base is not None:
        url = urljoin(base, url)
    if url.startswith("//"):
        url = "https:" + url
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    netloc = host if parts.port in (None, 80, 443) else f"{host}:{parts.port}"
    # Filter the raw pairs rather than decode and re-encode: the rest stays exactly as written.
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and not _is_tracking(pair.split("=")[0])
    )
    scheme = "https" if parts.scheme in ("http", "https", "") else parts.scheme
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def link_url(href: str, base: str | None = None) -> str | None:
    """The canonical form of a link found in a page, feed or sitemap; None when it is no address
    to follow: unreadable (a broken IPv6 host, a port out of range), not http(s), or carrying
    credentials (a hostile page's way of making us send them somewhere)."""
    href = href.strip()
    try:
        absolute = join_url(href, base) if base is not None else href
    except ValueError:
        return None
    return _followable(absolute)


def join_url(href: str, base: str) -> str:
    """`urljoin(base, href)`, the common addresses joined by hand at a fraction of its cost: one
    as written (absolute), or a path from the root after the base's origin. ValueError as
    `urljoin` raises it."""
    origin = _origin(base)
    if origin:
        if _PLAIN_PATH.fullmatch(href):
            return origin + href
        if _PLAIN_URL.fullmatch(href):
            return href
    return urljoin(base, href)


# Addresses remembered by each cache below. Pages link the same menus and lists over and over:
# a few thousand addresses catch those, and a bounded cache keeps a long crawl's memory flat.
_CACHED_URLS = 1 << 12

# Addresses `urljoin` leaves as written (absolute) or puts after the base's origin (a path from
# the root): no dot segment, parameters, query, fragment or character `urlsplit` removes.
_PLAIN_URL = re.compile(
    r"(?P<origin>https?://(?P<host>[A-Za-z0-9.-]+)(?P<port>:[0-9]+)?)(?P<path>/[A-Za-z0-9_.~%/-]*)?"
)
_PLAIN_PATH = re.compile(r"/|(?:/[A-Za-z0-9_~-][A-Za-z0-9_.~-]*)+/?")


@lru_cache(maxsize=256)
def _origin(url: str) -> str:
    """The origin ("https://host") of a web page URL; "" when `urljoin` joins otherwise. Cached:
    a page asks it of its own URL for every link."""
    plain = _PLAIN_URL.fullmatch(url)
    if plain:  # `urlsplit` would give these parts as written
        return plain["origin"]
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


# Pages link the same addresses over and over (menus, boxes): the work after the join is cached.
@lru_cache(maxsize=_CACHED_URLS)
def _followable(absolute: str) -> str | None:
    plain = _PLAIN_URL.fullmatch(absolute)
    if plain and not plain["port"]:
        # `canonical_url` by hand, for the common address: https, the host in lower case and
        # without `www.`, the path as written.
        host = plain["host"].lower().removeprefix("www.")
        return f"https://{host}{plain['path'] or '/'}" if host else None
    try:
        if absolute.startswith("//"):
            absolute = "https:" + absolute
        parts = urlsplit(absolute)
        if parts.scheme.lower() not in ("http", "https") or "@" in parts.netloc:
            return None
        if not parts.hostname:  # "http:///x"
            return None
        url = canonical_url(absolute)
        # What is kept must read back: "http:////[" canonicalises to an unreadable "https://[".
        return url if urlsplit(url).hostname else None
    except ValueError:
        return None


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key.startswith("utm_") or key in TRACKING_PARAMS


@lru_cache(maxsize=_CACHED_URLS)  # asked of every link: pages link the same articles over and over
def article_match(url: str) -> tuple[str, str | None] | None:
    """(layout guessed from the URL, site id or None) for an article URL of the main host."""
    parts = urlsplit(url)
    if not is_main_host(parts.hostname):
        return None
    path = parts.path
    if path.startswith(NON_ARTICLE_PREFIXES):
        return None
    for layout, pattern in ARTICLE_PATTERNS:
        match = pattern.match(path)
        if match:
            return layout, match.groupdict().get("id")
    return None


# An article's address on a template no pattern knows: a long hyphenated slug, or an id.
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+){2,}|.*\d{5,}", re.IGNORECASE)


def looks_like_article(url: str) -> bool:
    """Whether an address of a page no pattern knows is likely an article's: its last path
    segment is a long slug or carries an id, and it lies in no section known to hold none."""
    path = urlsplit(url).path
    if path.startswith(NON_ARTICLE_PREFIXES) or url_kind(url) in ("listing", "tag", "search"):
        return False
    last = path.rstrip("/").rsplit("/", 1)[-1]
    stem = last.split(".", 1)[0] if "." in last else last
    return bool(stem) and _SLUG.fullmatch(stem) is not None


# The id a template no pattern knows writes at the end of its slug: `...-812407.htm`.
_TRAILING_ID = re.compile(r"(?:^|[-_.a-z])(?P<id>\d{5,})$", re.IGNORECASE)


def site_id(url: str) -> str | None:
    """The article id in a site URL: the pattern's, else a trailing id of 5+ digits on an
    address of a form no pattern knows (a layout-B address carries none)."""
    match = article_match(url)
    if match:
        return match[1]
    if not is_main_host(urlsplit(url).hostname) or not looks_like_article(url):
        return None
    last = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1].split(".", 1)[0]
    trailing = _TRAILING_ID.search(last)
    return trailing["id"] if trailing else None


@lru_cache(maxsize=_CACHED_URLS)
def url_kind(url: str) -> UrlKind:
    """What a URL of the site most likely is, from its address alone."""
    parts = urlsplit(url)
    if not is_main_host(parts.hostname):
        return "other"
    if TAG_PATH.match(parts.path):
        return "tag"
    if SEARCH_PATH.match(parts.path):
        return "search"
    if article_match(url):
        return "article"
    if parts.path == HOME_PATH or LISTING_PAGE.match(parts.path):
        return "listing"
    return "other"


def sitemap_month(url: str) -> tuple[int, int] | None:
    """(year, month) of a monthly url set, from its address; None when it names no month."""
    match = SITEMAP_MONTH.search(urlsplit(url).path)
    if not match or not 1 <= int(match["month"]) <= 12:
        return None
    return int(match["year"]), int(match["month"])


def to_fetch_url(canonical: str, base_url: str | None) -> str:
    """Where to fetch a canonical site URL from: itself, or the same path on a mirror."""
    if not base_url:
        return canonical
    parts = urlsplit(canonical)
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))


def from_fetch_url(fetched: str, base_url: str | None) -> str:
    """The site URL of a page fetched from a mirror (inverse of `to_fetch_url`)."""
    if not base_url:
        return canonical_url(fetched)
    parts = urlsplit(fetched)
    base = urlsplit(base_url)
    if parts.netloc.lower() == base.netloc.lower():
        return canonical_url(urlunsplit(("https", MAIN_HOST, parts.path, parts.query, "")))
    return canonical_url(fetched)
