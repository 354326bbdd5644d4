"""A listing page read as one: where its next page is, by the links it gives (whatever their URL
form), and which links are its teasers. The cues are the site's (`site.paging`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..derived.fold import fold
from ..site import paging
from ..site.urls import NON_ARTICLE_PREFIXES, link_url, url_kind

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_PAGING = re.compile(
    r"(?:^|[-_])(?:" + "|".join(map(re.escape, paging.PAGING_CUES)) + r")(?:$|[-_])"
)
_PAGING_SELECTOR = ", ".join(
    f'[{attribute}*="{cue}"]' for cue in paging.PAGING_CUES for attribute in ("class", "id")
)
_CHROME = re.compile(
    r"(?:^|[-_])(?:" + "|".join(map(re.escape, paging.CHROME_CUES)) + r")(?:$|[-_])"
)
_NodeTest = Callable[[LexborNode], bool]
_TEASER_LINKS = ", ".join(
    [f"{h} a[href]" for h in sorted(_HEADINGS)]
    + [f"a[href] {h}" for h in sorted(_HEADINGS)]
    + ["a[href] img"]
)
_ITEM_LEVELS = 6  # how far above a teaser link its repeated item may lie
_HEADING_LEVELS = 3  # how far above a link its heading may lie (`h3 > span > a`)


@dataclass(frozen=True, slots=True)
class ListingLinks:
    """What a listing page says of itself: its next page (None when it names none that stays in
    its section), and the URLs its teasers link to, in page order, once each."""

    next_page: str | None
    teasers: tuple[str, ...]


def read_listing(tree: LexborHTMLParser, page_url: str) -> ListingLinks:
    """The next page and teasers of the listing at site URL `page_url`. A tag or search page
    has no teasers worth a guess (its links of known forms are read anyway)."""
    teasers = () if url_kind(page_url) in ("tag", "search") else _teasers(tree, page_url)
    return ListingLinks(_next_page(tree, page_url, set(teasers)), teasers)


def continues(url: str, listing: str) -> bool:
    """Whether `url` may be the next page of `listing`: on its host, in its section (the same
    first path segment; the home's next pages stay at the root, `/?page=2`, `/trang-2.html`),
    not the section's first page, not an article."""
    there, here = urlsplit(url), urlsplit(listing)
    if there.hostname != here.hostname or (there.path, there.query) == (here.path, here.query):
        return False
    if paging.HOME_PAGING_PATH.fullmatch(here.path):  # the home, or one of its next pages
        home_paging = paging.HOME_PAGING_PATH.fullmatch(there.path) is not None
        return home_paging and (there.path != "/" or bool(there.query))
    section = _section(here.path)
    if _section(there.path) != section:
        return False
    if there.path.rstrip("/") == f"/{section}" and not there.query:
        return False  # the section's first page
    return url_kind(url) not in ("article", "tag", "search") or url_kind(url) == url_kind(listing)


def unknown_form(url: str, listing: str) -> bool:
    """Whether a teaser's link on `listing` is of no known form and could be a page to ask:
    same host, no article, listing, tag or search form, no directory, a page's file name."""
    parts = urlsplit(url)
    if parts.hostname != urlsplit(listing).hostname or url_kind(url) != "other":
        return False
    path = parts.path
    if path.endswith("/") or path.startswith(NON_ARTICLE_PREFIXES):
        return False
    name = path.rsplit("/", 1)[-1]
    return "." not in name or name.lower().endswith(paging.PAGE_SUFFIXES)


# -- the next page ---------------------------------------------------------------------------


def _next_page(tree: LexborHTMLParser, page_url: str, teasers: set[str]) -> str | None:
    """The first link that the page marks as its next, and that stays in its section: by
    `rel=next`, then the link after the active page of a paging block, then a "next" label."""
    for href in _next_hrefs(tree):
        url = link_url(href, base=page_url)
        if url is not None and url not in teasers and continues(url, page_url):
            return url
    return None


def _next_hrefs(tree: LexborHTMLParser) -> Iterator[str]:
    for node in tree.css("link[rel~=next][href], a[rel~=next][href]"):
        yield node.attributes.get("href") or ""
    blocks = [node for node in tree.css(_PAGING_SELECTOR) if _is_paging(node)]
    for block in blocks:
        after = _after_active(block)
        if after is not None:
            yield after.attributes.get("href") or ""
    for anchor in tree.css("a[href]"):
        if not _label(anchor):
            continue
        if _inside_paging(anchor) or not (_in_chrome(anchor) or _in_teaser(anchor)):
            yield anchor.attributes.get("href") or ""


def _after_active(block: LexborNode) -> LexborNode | None:
    """The link after the active page of a paging block (`.paging a.active + a`); None when no
    page is marked active (numbered links alone say nothing of which comes next), or when what
    follows it is no page ("Trang cuối")."""
    nodes = list(block.traverse(include_text=False))[1:]
    numbered = any(node.tag == "a" and _number(node) is not None for node in nodes)
    for i, node in enumerate(nodes):
        if _is_active(node, numbered):
            inner = sum(1 for _ in node.traverse(include_text=False))
            following = (n for n in nodes[i + inner :] if n.tag == "a" and n.attributes.get("href"))
            after = next(following, None)
            return after if after is not None and _leads_on(after, _number(node)) else None
    return None


def _is_active(node: LexborNode, numbered: bool) -> bool:
    attributes = node.attributes
    if _words(attributes.get("class")) & paging.ACTIVE_CLASSES:
        return True
    if "aria-current" in attributes and (attributes["aria-current"] or "").lower() != "false":
        return True
    return (
        numbered
        and node.tag in paging.UNLINKED_PAGE_TAGS
        and _number(node) is not None
        and node.css_first("a") is None
        and not _has_ancestor(node, lambda n: n.tag == "a", levels=3)
    )


def _leads_on(anchor: LexborNode, active: int | None) -> bool:
    """A page number past the active one, a "next" label, or a link marked next."""
    number = _number(anchor)
    if number is not None:
        return active is None or number > active
    if _label(anchor):
        return True
    marks = _words(anchor.attributes.get("class")) | _words(anchor.attributes.get("rel"))
    return bool(marks & paging.NEXT_CLASSES) or "next" in marks


def _label(anchor: LexborNode) -> bool:
    """Whether the link's text (or, without text, its title or aria-label) is a "next" label."""
    attributes = anchor.attributes
    text = (
        anchor.text(deep=True).strip()
        or attributes.get("aria-label")
        or attributes.get("title")
        or ""
    )
    folded = " ".join(fold(text).split())
    return folded in paging.NEXT_LABELS or folded.strip(paging.LABEL_ARROWS) in paging.NEXT_LABELS


def _number(node: LexborNode) -> int | None:
    text = node.text(deep=True).strip()
    return int(text) if text.isdecimal() and len(text) < 6 else None


def _is_paging(node: LexborNode) -> bool:
    attributes = node.attributes
    names = _words(attributes.get("class")) | _words(attributes.get("id"))
    return any(_PAGING.search(name) for name in names)


def _inside_paging(node: LexborNode) -> bool:
    return _has_ancestor(node, _is_paging)


# -- teasers ---------------------------------------------------------------------------------


def _teasers(tree: LexborHTMLParser, page_url: str) -> tuple[str, ...]:
    """The URLs linked by the items of the page's lists: a link in (or holding) a heading, or
    one linked both from an image and from a text, inside an item repeated among its siblings
    (`.story` after `.story`), outside the page's chrome and paging."""
    body = tree.body
    if body is None:
        return ()
    titled: dict[str, None] = {}
    pictured: set[str] = set()
    worded: set[str] = set()
    order: dict[str, None] = {}
    for anchor in body.css("a[href]"):
        url = link_url(anchor.attributes.get("href") or "", base=page_url)
        if url is None or url == page_url:
            continue
        in_heading = anchor.css_first("h1, h2, h3, h4, h5, h6") is not None or _has_ancestor(
            anchor, lambda n: n.tag in _HEADINGS, levels=_HEADING_LEVELS
        )
        has_image = anchor.css_first("img, picture") is not None
        has_text = bool(anchor.text(deep=True).strip())
        if not (in_heading or has_image or has_text):
            continue
        if _in_chrome(anchor) or _inside_paging(anchor) or _item_of(anchor) is None:
            continue
        order.setdefault(url)
        if in_heading:
            titled.setdefault(url)
        if has_image:
            pictured.add(url)
        elif has_text:
            worded.add(url)
    chosen = set(titled) | (pictured & worded)
    return tuple(url for url in order if url in chosen)


def _item_of(anchor: LexborNode) -> LexborNode | None:
    """The item of a list the link lies in: an element, a few levels up at most, whose parent
    holds another element of its tag and first class; None outside any."""
    node = anchor
    for _ in range(_ITEM_LEVELS):
        parent = node.parent
        if parent is None or parent.tag in ("body", "html"):
            return None
        mark = _signature(node)
        if sum(1 for sibling in parent.iter() if _signature(sibling) == mark) >= 2:
            return node
        node = parent
    return None


def _in_teaser(anchor: LexborNode) -> bool:
    """Whether the link lies in a teaser (an item holding a heading link or an image link): a
    "Xem thêm" there reads the article on, it does not page the list."""
    item = _item_of(anchor)
    return item is not None and item.css_first(_TEASER_LINKS) is not None


def _signature(node: LexborNode) -> tuple[str, str]:
    classes = (node.attributes.get("class") or "").split()
    return node.tag or "", classes[0] if classes else ""


def _in_chrome(node: LexborNode) -> bool:
    """In the header, footer, navigation, a sidebar, a menu or a breadcrumb."""

    def chrome(n: LexborNode) -> bool:
        if n.tag in paging.CHROME_TAGS:
            return True
        names = _words(n.attributes.get("class")) | _words(n.attributes.get("id"))
        return any(_CHROME.search(name) for name in names)

    return _has_ancestor(node, chrome)


# -- shared ----------------------------------------------------------------------------------


def _has_ancestor(node: LexborNode, test: _NodeTest, levels: int | None = None) -> bool:
    """Whether `node` or an element above it (at most `levels` up) passes `test`."""
    current: LexborNode | None = node
    climbed = 0
    while current is not None and current.tag not in ("body", "html"):
        if test(current):
            return True
        current = current.parent
        climbed += 1
        if levels is not None and climbed > levels:
            return False
    return False


def _words(value: str | None) -> set[str]:
    return set(value.lower().split()) if value else set()


def _section(path: str) -> str:
    """The first segment of a path: `kinh-te` of `/kinh-te/trang-2/`."""
    return path.lstrip("/").split("/", 1)[0]
