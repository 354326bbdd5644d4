"""Bytes and a URL in; an `Article` out, or `NotAnArticle` saying what the page is instead.

Each field reads like its row in ARTICLE.md: metadata first, then the layout's selectors from
`site.layouts`, then the generic cues; shared helpers do the work.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..record import Article, Related, RelatedKind
from ..site import layouts as site
from ..site.urls import article_match, canonical_url, is_site_host, join_url, link_url, url_kind
from .body import Body, BodyReader, related_links
from .dates import parse_iso, parse_visible
from .decode import decode_page
from .marks import Marks, ancestry, lies_in, within
from .metadata import Metadata, read_metadata
from .text import clean, folded_key

# Bump whenever the extraction of any field changes: stored articles are re-parsed by it.
PARSER_VERSION = "1"

PageKind = str  # "listing", "tag", "search", "not_found", "empty", "challenge" (ARTICLE.md)

_DATELINE = re.compile(site.DATELINE, re.IGNORECASE)
_AUTHOR_ROLES = re.compile(site.AUTHOR_ROLES, re.IGNORECASE)
_NAME_SPLIT = re.compile(r"\s*,\s*|\s+[-–]\s+|\s+và\s+")
_SENTENCE_PUNCTUATION = re.compile(r"[.!?;…]$|[!?;]")
_TITLE_SUFFIX = re.compile(r"\s+[-|–]\s+[^-|–]*(kinh tế|kinhtedothi)[^-|–]*$", re.IGNORECASE)
_TEASERS = "aside, [class*=story], [class*=sidebar], [class*=teaser], [class*=item]"
_CHROME = ", ".join(site.CHROME)
_LOGO = ("[class*=logo]", "header")  # an h1 in here names the site, not the article
_MAX_LABEL = 60  # characters; a label is a few words
# The short texts a page is searched for labels in recur on every page (labels, names, links).
_label_key = lru_cache(maxsize=1 << 12)(folded_key)
# An ASCII text folds to an ASCII key: none is a label while every label has a non-ASCII letter.
_NO_ASCII_LABEL = not any(key.isascii() for key in (*site.RELATED_LABELS, *site.SPONSORED_LABELS))
_MIN_GENERIC_BODY = 200  # characters of text before a container counts as an article body
_SNIFF = 8192  # characters looked at for a NUL, as git and grep tell binary files


class NotAnArticle(Exception):
    """The page is no article; `kind` says what it is, `detail` may say more."""

    def __init__(self, kind: PageKind, detail: str | None = None) -> None:
        super().__init__(f"not an article: {kind}")
        self.kind = kind
        self.detail = detail


def parse_article(html: str | bytes, url: str, *, tree: LexborHTMLParser | None = None) -> Article:
    """The ARTICLE.md record of one page; raises `NotAnArticle` for any other page. `tree`, if
    given, is `LexborHTMLParser(html)` made by the caller (for `links_in_page` too); it is used
    only where this would parse `html` exactly as given, and is only read, never changed."""
    source: str | bytes = html
    if isinstance(html, bytes):
        text, as_is = decode_page(html)
        if not as_is:
            source = text
    else:
        text = html
    if not text or text.isspace():
        raise NotAnArticle("empty")
    if text.find("\x00", 0, _SNIFF) >= 0:  # no HTML page holds a NUL; images, PDFs and archives do
        # No HTML text at all: ARTICLE.md's "empty" (its list of kinds is a contract).
        raise NotAnArticle("empty", "binary body, no HTML")
    # Valid UTF-8 goes to Lexbor as bytes: a str would only be encoded back to the same bytes.
    # The caller's tree is of `html`: a page decoded otherwise (a BOM, another charset) is
    # parsed again from its text, as the tree of its raw bytes may read differently.
    if tree is None or source is not html:
        tree = LexborHTMLParser(source)
    return _Page(tree, url).article()


@dataclass
class _Found:
    layout: site.Layout
    body: LexborNode
    generic: bool


class _Page:
    def __init__(self, tree: LexborHTMLParser, url: str) -> None:
        self.tree = tree
        self.meta: Metadata = read_metadata(tree)
        root = tree.root
        if root is None:
            raise NotAnArticle("empty")
        self._marks = Marks(root)
        self.url = self._canonical(url)
        self._links: dict[str, str | None] = {}

    # -- what the page is ------------------------------------------------------------------

    def article(self) -> Article:
        found = self._find_body()
        title = self._title(found)
        if found is None or not title:
            raise NotAnArticle(self._kind_of_non_article())
        reader = BodyReader(found.body, found.layout, self._absolute_image, self._article_link)
        body = reader.read()
        sapo = self._sapo(found)
        authors_from_page = self._authors(found)
        paragraphs, byline = _split_byline(body, sapo)
        authors = authors_from_page or byline
        return Article(
            url=self.url,
            site_id=self._site_id(),
            title=title,
            sapo=sapo,
            paragraphs=tuple(paragraphs),
            captions=tuple(body.captions),
            images=tuple(body.images),
            published_at=self._published(found),
            updated_at=self._updated(),
            authors=tuple(authors),
            category=self._category(found, title),
            tags=tuple(self._tags(found)),
            related=tuple(self._related(found, body)),
            layout="generic" if found.generic else found.layout.name,
            parser_version=PARSER_VERSION,
        )

    def _kind_of_non_article(self) -> PageKind:
        kind = url_kind(self.url)
        if kind in ("tag", "search"):
            return kind
        heading = " ".join(
            clean(n.text(deep=True)).casefold() for n in self.tree.css("title, h1, h2")
        )
        if any(marker in heading for marker in site.NOT_FOUND_TEXTS):
            return "not_found"
        visible = clean(self.tree.body.text(deep=True)) if self.tree.body is not None else ""
        if not visible:
            return "empty"
        if any(marker in visible.casefold() for marker in site.CHALLENGE_TEXTS):
            return "challenge"
        return "listing"

    def _find_body(self) -> _Found | None:
        for layout in site.LAYOUTS:
            node = _first(self.tree, layout.body)
            if node is not None:
                return _Found(layout, node, generic=False)
        for selector in site.GENERIC.body:
            for node in self.tree.css(selector):
                if self._marks.inside(node, _TEASERS) or self._marks.inside(node, _CHROME):
                    continue
                if self._looks_like_body(node):
                    return _Found(site.GENERIC, node, generic=True)
        return None

    def _looks_like_body(self, node: LexborNode) -> bool:
        blocks = [p for p in node.css("p") if len(clean(p.text(deep=True))) > 40]
        long_enough = len(clean(node.text(deep=True))) >= _MIN_GENERIC_BODY
        return long_enough and (len(blocks) >= 2 or self.meta.is_article)

    # -- identity --------------------------------------------------------------------------

    def _canonical(self, fetched: str) -> str:
        """`link[rel=canonical]`, else `og:url`, else the URL fetched; only the site's hosts count
        (a canonical to `m.` or an AMP host is ignored)."""
        for candidate in (self.meta.canonical, self.meta.get("og:url")):
            if candidate:
                absolute = link_url(candidate, base=fetched)
                if absolute is not None and is_site_host(urlsplit(absolute).hostname):
                    return absolute
        return canonical_url(fetched)

    def _site_id(self) -> str | None:
        match = article_match(self.url)
        return match[1] if match else None

    # -- fields ----------------------------------------------------------------------------

    def _title(self, found: _Found | None) -> str:
        layout = found.layout if found else site.GENERIC
        for node in self._candidates(layout.title + site.GENERIC.title, found):
            text = clean(node.text(deep=True))
            if text and not (node.tag == "h1" and lies_in(node, _LOGO)):
                return text
        return ""

    def _sapo(self, found: _Found) -> str | None:
        for node in self._candidates(found.layout.sapo + site.GENERIC.sapo, found):
            text = clean(node.text(deep=True))
            if text:
                return _strip_dateline(text)
        description = self.meta.get("og:description", "description")
        return _strip_dateline(clean(description)) if description else None

    def _published(self, found: _Found) -> str | None:
        for value in (self.meta.ld_text("datePublished"), self.meta.get("article:published_time")):
            parsed = parse_iso(value) if value else None
            if parsed:
                return parsed
        for node in self._candidates(found.layout.date + site.GENERIC.date, found):
            for attr in ("datetime", "content"):
                value = node.attributes.get(attr)
                if value and (parsed := parse_iso(value)):
                    return parsed
            parsed = parse_visible(clean(node.text(deep=True)))
            if parsed:
                return parsed
        return None

    def _updated(self) -> str | None:
        for value in (
            self.meta.ld_text("dateModified"),
            self.meta.get("article:modified_time", "itemprop:dateModified", "og:updated_time"),
        ):
            parsed = parse_iso(value) if value else None
            if parsed:
                return parsed
        return None

    def _authors(self, found: _Found) -> list[str]:
        for node in self._candidates(found.layout.author + site.GENERIC.author, found):
            names = _names(node.text(deep=True))
            if names:
                return names
        people = [
            name
            for name in (clean(n) for n in self.meta.ld_people())
            if name and name.casefold() not in site.PUBLISHER_NAMES
        ]
        return [n for person in people for n in _names(person)]

    def _category(self, found: _Found, title: str) -> str | None:
        nodes = _all(self.tree, found.layout.breadcrumb + site.GENERIC.breadcrumb)
        named = ((node, clean(node.text(deep=True))) for node in nodes)
        crumbs = [(node, name) for node, name in named if _is_section(name, title)]
        names = [name for node, name in crumbs if _is_active(node)] or [n for _, n in crumbs]
        if names:
            return names[-1]
        sections = [name for name in (clean(n) for n in self.meta.breadcrumb)]
        sections = [name for name in sections if _is_section(name, title)]
        if sections:
            return sections[-1]
        value = self.meta.get("article:section") or self.meta.ld_text("articleSection")
        return clean(value) if value else None

    def _tags(self, found: _Found) -> list[str]:
        seen: dict[str, None] = {}
        # The layout's selectors, then the generic ones: these once when they are the same.
        for selectors in dict.fromkeys((found.layout.tags or site.GENERIC.tags, site.GENERIC.tags)):
            for node in _all(self.tree, selectors):
                if self._marks.inside(node, _CHROME) or within(node, found.body):
                    continue
                tag = clean(node.text(deep=True)).lstrip("#").strip()
                if tag:
                    seen.setdefault(tag, None)
            if seen:
                break
        return list(seen)

    def _related(self, found: _Found, body: Body) -> list[Related]:
        links: list[Related] = []
        seen: set[tuple[str, str]] = set()

        def add(url: str, title: str, kind: RelatedKind) -> None:
            if (url, kind) not in seen:
                seen.add((url, kind))
                links.append(Related(url, title, kind))

        for url, title in body.inline_related:
            add(url, title, "inline")
        for kind, box in self._related_boxes(found):
            anchors = self._marks.under(box, "a[href]")
            for url, title in related_links(anchors, self._article_link):
                add(url, title, kind)
        return links

    def _related_boxes(self, found: _Found) -> Iterable[tuple[RelatedKind, LexborNode]]:
        """Labelled lists outside the body, and unlabelled boxes whose class says related."""
        labels = list(self._labels(found))
        # Where each label lies, for "does this box hold another label", asked at every level.
        lines = [(node.mem_id, ancestry(node)) for node, _ in labels]
        boxes: list[tuple[LexborNode, RelatedKind | None]] = []
        for label, kind in labels:
            box = _box_of(label, lines, self._holds_article_link)
            if box is not None:
                boxes.append((box, kind))
        labelled = len(boxes)
        for node in _all(self.tree, site.RELATED_BOX_CLASSES):
            if (
                within(node, found.body)
                or within(found.body, node)
                or self._marks.inside(node, _CHROME)
            ):
                continue
            if not any(within(node, box) or within(box, node) for box, _ in boxes):
                boxes.append((node, "related"))
        # Page order; sponsored boxes (kind None) are kept above only to fence their links off.
        # Boxes never nest, labelled ones come in the order of their labels and the others in
        # page order: only a mix of the two needs sorting.
        if 0 < labelled < len(boxes):
            order = _document_order(self.tree, {box.mem_id for box, _ in boxes})
            boxes.sort(key=lambda pair: order.get(pair[0].mem_id, 0))
        for box, box_kind in boxes:
            if box_kind is not None:
                yield box_kind, box

    def _labels(self, found: _Found) -> Iterable[tuple[LexborNode, RelatedKind | None]]:
        """Elements whose whole text is a list label ("Tin mới", "Tin tài trợ"), found from
        their text nodes. No label in the body or the site chrome counts: those are not walked."""
        root = self.tree.body
        if root is None or within(root, found.body) or self._marks.inside(root, _CHROME):
            return
        skip = self._marks.ids(_CHROME) | {found.body.mem_id}
        for text in _text_nodes(root, skip):
            raw = text.text_content or ""
            if len(raw) > _MAX_LABEL or raw.isspace() or (raw.isascii() and _NO_ASCII_LABEL):
                continue
            key = _label_key(raw)
            kind = site.RELATED_LABELS.get(key)
            node = text.parent
            if (kind is not None or key in site.SPONSORED_LABELS) and node is not None:
                yield node, kind  # type: ignore[misc]

    # -- helpers over the tree -------------------------------------------------------------

    def _candidates(self, selectors: Iterable[str], found: _Found | None) -> Iterable[LexborNode]:
        """Nodes for a field outside the body text and teaser lists, in selector order."""
        body = found.body if found else None
        for selector in selectors:
            for node in self.tree.css(selector):
                if body is not None and (within(node, body) or within(body, node)):
                    continue
                if self._marks.inside(node, _TEASERS) or self._marks.inside(node, _CHROME):
                    continue
                yield node

    def _holds_article_link(self, node: LexborNode, besides: LexborNode) -> bool:
        in_besides = {a.mem_id for a in self._marks.under(besides, "a[href]")}
        return any(
            a.mem_id not in in_besides and self._article_link(a.attributes.get("href") or "")
            for a in self._marks.under(node, "a[href]")
        )

    def _absolute_image(self, address: str) -> str:
        if address.startswith("//"):
            return "https:" + address
        try:
            return join_url(address, self.url)
        except ValueError:  # "http://[broken": kept as the page wrote it
            return address

    def _article_link(self, href: str) -> str | None:
        """The canonical URL of a link to another article of the site, else None. Teasers link
        each article twice or more (image, title), so answers are kept for the page."""
        if href in self._links:
            return self._links[href]
        url: str | None = None
        stripped = href.strip()
        if stripped and not stripped.startswith(("#", "javascript:", "mailto:")):
            url = link_url(stripped, base=self.url)
            if url is None or url == self.url or article_match(url) is None:
                url = None
        self._links[href] = url
        return url


def _split_byline(body: Body, sapo: str | None) -> tuple[list[str], list[str]]:
    """Paragraphs without a repeated sapo and without the closing byline, and its names."""
    blocks = [b for b in body.blocks if not (sapo and b.text == sapo)]
    names: list[str] = []
    # Its wording first: the style is a few queries, and a closing paragraph seldom a byline.
    if blocks and _looks_like_byline(blocks[-1].text) and blocks[-1].byline_styled:
        candidate = _names(blocks[-1].text)
        if candidate:
            names = candidate
            blocks = blocks[:-1]
    return [b.text for b in blocks], names


def _looks_like_byline(text: str) -> bool:
    text = _AUTHOR_ROLES.sub("", clean(text))
    folded = text.casefold()
    if folded.startswith(site.CREDIT_PREFIXES) or "\n" in text:
        return False
    return 0 < len(text.split()) <= 6 and not _SENTENCE_PUNCTUATION.search(text)


def _names(text: str) -> list[str]:
    text = _AUTHOR_ROLES.sub("", clean(text))
    if not text or text.casefold().startswith(site.CREDIT_PREFIXES):
        return []
    names = [clean(n) for n in _NAME_SPLIT.split(text)]
    return [n for n in names if n and n.casefold() not in site.PUBLISHER_NAMES]


def _strip_dateline(text: str) -> str | None:
    return clean(_DATELINE.sub("", text)) or None


def _is_section(text: str, title: str) -> bool:
    return bool(text) and folded_key(text) not in site.HOME_LABELS and text != title


def _is_active(node: LexborNode) -> bool:
    attributes = node.attributes
    classes = (attributes.get("class") or "").split()
    return "active" in classes or attributes.get("aria-current") is not None


def _first(tree: LexborHTMLParser, selectors: Iterable[str]) -> LexborNode | None:
    for selector in selectors:
        node = tree.css_first(selector)
        if node is not None:
            return node
    return None


def _all(tree: LexborHTMLParser, selectors: Iterable[str]) -> list[LexborNode]:
    for selector in selectors:
        nodes = tree.css(selector)
        if nodes:
            return nodes
    return []


def _box_of(
    label: LexborNode,
    lines: list[tuple[int, set[int]]],
    holds_links: Callable[[LexborNode, LexborNode], bool],
) -> LexborNode | None:
    """The smallest ancestor of a label that holds article links but no other label (`lines`:
    each label's id and `ancestry`)."""
    box = label.parent
    while box is not None and box.tag not in ("body", "html"):
        if any(mem_id != label.mem_id and box.mem_id in line for mem_id, line in lines):
            return None
        if holds_links(box, label):
            return box
        box = box.parent
    return None


def _text_nodes(root: LexborNode, skip: frozenset[int]) -> Iterator[LexborNode]:
    """The text nodes under `root` that are not white space alone, in page order, leaving out
    what lies under an element in `skip`. Sibling links and a stack of open elements, not
    recursion: hostile pages nest thousands deep."""
    opened: list[LexborNode] = []
    node = root.first_child
    while node is not None or opened:
        if node is None:
            node = opened.pop().next
            continue
        if node.is_element_node:
            first = node.first_child if node.mem_id not in skip else None
            if first is not None:
                opened.append(node)
                node = first
                continue
        elif node.is_text_node and not node.is_empty_text_node:
            yield node
        node = node.next


def _document_order(tree: LexborHTMLParser, wanted: set[int]) -> dict[int, int]:
    """Positions in one walk of the page, stopping once every wanted node is placed."""
    order: dict[int, int] = {}
    for index, node in enumerate(tree.root.traverse() if tree.root else ()):
        if node.mem_id in wanted:
            order[node.mem_id] = index
            if len(order) == len(wanted):
                break
    return order
