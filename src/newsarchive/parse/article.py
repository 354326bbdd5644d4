"""Bytes and a URL in; an `Article` out, or `NotAnArticle` saying what the page is instead.

Each field reads like its row in ARTICLE.md: metadata first, then the layout's selectors from
`site.layouts`, then the generic cues; shared helpers do the work.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..errors import NotAnArticle
from ..record import FIELDS, Article, Provenance, Related, RelatedKind
from ..site import layouts as site
from ..site.urls import (
    article_match,
    canonical_url,
    is_site_host,
    join_url,
    link_url,
    looks_like_article,
    names_another_site,
    site_id,
    url_kind,
)
from .blocks import Block, Body, BodyReader, related_links
from .dates import parse_iso, parse_visible
from .decode import decode_page
from .marks import Marks, ancestry, has_descendant, holders, in_any, lies_in, select, within
from .metadata import Metadata, one_article, read_metadata
from .structure import guess_body, in_teaser, teaser_summaries
from .text import clean, folded_key

# Bump whenever the extraction of any field changes: stored articles are re-parsed by it.
PARSER_VERSION = "2"

PageKind = str  # "listing", "tag", "search", "not_found", "empty", "challenge" (ARTICLE.md)

_DATELINE = re.compile(site.DATELINE, re.IGNORECASE)
_AUTHOR_ROLES = re.compile(site.AUTHOR_ROLES, re.IGNORECASE)
_NAME_SPLIT = re.compile(r"\s*,\s*|\s+[-–]\s+|\s+và\s+")
_SENTENCE_PUNCTUATION = re.compile(r"[.!?;…]$|[!?;]")
_TITLE_SUFFIX = re.compile(site.TITLE_SUFFIX, re.IGNORECASE)
# On a page no layout knows, a field is read anywhere but in the chrome and the asides: class
# names of teasers are too common in article markup ("story", "item") to trust there.
_GENERIC_TEASERS = site.GENERIC.not_body
_MIN_BODY_META = 80  # characters of prose, for a page whose metadata says it is an article
_MIN_SAPO = 40  # characters: a shorter lead-classed text on a generic page is a label
_LOGO_BOX = 100  # characters a logo box holds besides the heading (a slogan, a date)
_NEAR_TEXTS = 12  # texts after the title looked at for its date
_MAX_DATE_LINE = 60  # characters: a line no longer than this holding a date is a date line
_LIST_LABEL = 40  # characters of a link list's own text besides its links ("Từ khóa:")
PROVENANCE_FIELDS = tuple(f for f in FIELDS if f not in ("body_text", "layout", "parser_version"))
_MAX_LABEL = 60  # characters; a label is a few words
# An ASCII text folds to an ASCII key: none is a label while every label has a non-ASCII letter.
_NO_ASCII_LABEL = not any(key.isascii() for key in (*site.RELATED_LABELS, *site.SPONSORED_LABELS))
# Between the texts of a subtree read in one call: no text node holds a NUL (the HTML parser
# drops or replaces it), so none is cut in two.
_APART = "\x00"
_SNIFF = 8192  # characters looked at for a NUL, as git and grep tell binary files


def parse_article(
    html: str | bytes,
    url: str,
    *,
    tree: LexborHTMLParser | None = None,
    layouts: Sequence[site.Layout] | None = None,
) -> Article:
    """The ARTICLE.md record of one page; raises `NotAnArticle` for any other page. `tree`, if
    given, is `LexborHTMLParser(html)` made by the caller (for `links_in_page` too); it is used
    only where this would parse `html` exactly as given, and is only read, never changed.
    `layouts` are the layouts tried (all of `site.LAYOUTS` by default); `()` reads every page
    with the generic reader alone."""
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
    return _Page(tree, url, layouts).article()


def declared_url(html: str | bytes) -> str | None:
    """The absolute address a page gives for itself (`link[rel=canonical]`, else `og:url`), for
    a saved page whose address is not known otherwise."""
    text = decode_page(html)[0] if isinstance(html, bytes) else html
    meta = read_metadata(LexborHTMLParser(text))
    for candidate in (meta.canonical, meta.get("og:url")):
        if candidate and urlsplit(candidate.strip()).scheme in ("http", "https"):
            return candidate.strip()
    return None


@dataclass
class _Found:
    layout: site.Layout
    body: LexborNode
    generic: bool
    rule: str  # how the body was found: "layout:<selector>" or "generic:<how>"


class _Page:
    def __init__(
        self, tree: LexborHTMLParser, url: str, layouts: Sequence[site.Layout] | None
    ) -> None:
        self.tree = tree
        self.meta: Metadata = read_metadata(tree)
        root = tree.root
        if root is None:
            raise NotAnArticle("empty")
        self.root = root
        self._marks = Marks(root)
        self.url, self._url_rule = self._canonical(url)
        if layouts is None:
            # The layouts are this site's templates: another site's page is read generically.
            layouts = () if names_another_site(self.url) else site.LAYOUTS
        self.layouts = tuple(layouts)
        self._links: dict[str, str | None] = {}
        self.sources: dict[str, str] = {}
        self._used: set[int] = set()  # nodes read for a field, left out of a generic body
        self._loose = False  # links to pages of unknown address forms count (a generic body)
        self._title_node: LexborNode | None = None

    # -- what the page is ------------------------------------------------------------------

    def article(self) -> Article:
        found = self._layout_body()
        title_node, title = self._title(found)
        self._title_node = title_node
        if found is None:
            found = self._generic_body(title_node)
        if found is None or not title:
            raise NotAnArticle(self._kind_of_non_article())
        self._loose = found.generic
        sapo = self._sapo(found)
        published = self._published(found, title_node)
        authors_from_page = self._authors(found)
        category = self._category(found, title)
        tags = self._tags(found)
        skip = self._skipped_in_body(found, title_node)
        reader = BodyReader(
            found.body,
            found.layout,
            self._absolute_image,
            self._article_link,
            skip=skip,
            drop=self._not_body if found.generic else frozenset(),
            page_link=self._page_link if found.generic else None,
        )
        body = reader.read()
        if found.generic:
            body.blocks = _without_leading_dates(body.blocks)
        paragraphs, byline = _split_byline(body, sapo)
        authors = authors_from_page
        if not authors and byline:
            authors = byline
            self.sources["authors"] = f"{'generic' if found.generic else 'layout'}:byline paragraph"
        self.sources["paragraphs"] = found.rule if paragraphs else "none"
        self.sources["captions"] = found.rule if body.captions else "none"
        self.sources["images"] = found.rule if body.images else "none"
        related = self._related(found, body)
        self.sources["related"] = "generic:boxes" if related else "none"
        article_id = self._site_id()
        updated = self._updated()
        return Article(
            url=self.url,
            site_id=article_id,
            title=title,
            sapo=sapo,
            paragraphs=tuple(paragraphs),
            captions=tuple(body.captions),
            images=tuple(body.images),
            published_at=published,
            updated_at=updated,
            authors=tuple(authors),
            category=category,
            tags=tuple(tags),
            related=tuple(related),
            layout="generic" if found.generic else found.layout.name,
            parser_version=PARSER_VERSION,
            provenance=self._provenance(found, article_id, len(paragraphs)),
        )

    def _provenance(self, found: _Found, site_id: str | None, paragraphs: int) -> Provenance:
        sources = {"url": self._url_rule, "site_id": "url" if site_id else "none"}
        sources |= self.sources
        ordered = tuple((name, sources.get(name, "none")) for name in PROVENANCE_FIELDS)
        return Provenance(ordered, _confidence(found, sources, paragraphs))

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

    @functools.cached_property
    def _chrome_nodes(self) -> list[LexborNode]:
        """The site's chrome: menus, and headers and footers outside the article."""
        outside = [node for node in self.tree.css(site.PAGE_CHROME) if not _in_article_region(node)]
        return self._marks.nodes(", ".join(site.CHROME)) + outside

    @functools.cached_property
    def _chrome(self) -> frozenset[int]:
        """Ids of `_chrome_nodes`."""
        return frozenset(node.mem_id for node in self._chrome_nodes)

    def _in_chrome(self, node: LexborNode) -> bool:
        return in_any(node, self._chrome)

    def _layout_body(self) -> _Found | None:
        for layout in self.layouts:
            for selector in layout.body:
                node = self.tree.css_first(selector)
                if node is not None:
                    return _Found(layout, node, generic=False, rule=f"layout:{selector}")
        return None

    def _generic_body(self, title: LexborNode | None) -> _Found | None:
        """The body of a page no layout knows: `itemprop=articleBody` where it holds prose, else
        the block of the page's structure holding most of its prose. None for a listing."""
        if url_kind(self.url) == "listing":
            return None  # a section's or the home's address is never an article's
        if title is None and not self.meta.is_article:
            return None  # no headline shown and no metadata saying article: no article to read
        guess = guess_body(self.tree, self._not_body, title, self._order, self.url)
        if guess is None:
            return None
        # A list of teasers is a listing even where `og:type` says article (some sites say it of
        # every page); only metadata written for this one page outweighs it.
        if guess.is_listing(said=self.meta.collection) and not one_article(self.tree, self.meta):
            return None
        if not guess.is_body and not (self.meta.is_article and guess.prose >= _MIN_BODY_META):
            return None
        marked = self.tree.css_first(", ".join(site.GENERIC.body))
        if marked is not None and (within(guess.node, marked) or within(marked, guess.node)):
            return _Found(site.GENERIC, marked, generic=True, rule="generic:itemprop articleBody")
        return _Found(site.GENERIC, guess.node, generic=True, rule="generic:structure")

    @functools.cached_property
    def _not_body(self) -> frozenset[int]:
        """What is never the body: chrome, widgets, noise; but never what holds the title (an
        ASP.NET page wraps itself whole in one `<form>`)."""
        excluded = self._marks.ids(", ".join(site.GENERIC.not_body + site.GENERIC.noise))
        title = self._title_node
        return excluded - ancestry(title) if title is not None else excluded

    @functools.cached_property
    def _order(self) -> dict[int, int]:
        """Every node's position in the page, for "near the title" and "after the title"."""
        root = self.tree.root
        return {node.mem_id: i for i, node in enumerate(root.traverse())} if root else {}

    def _skipped_in_body(self, found: _Found, title: LexborNode | None) -> frozenset[int]:
        """What a generic body must not read: the nodes read for other fields, and what comes
        before the title when the body holds it (kicker, breadcrumb, share bar)."""
        if not found.generic:
            return frozenset()
        skip = set(self._used) | teaser_summaries(found.body, self._not_body, self.url)
        if title is not None and within(title, found.body):
            skip.add(title.mem_id)
            line: LexborNode | None = title
            while line is not None and line.mem_id != found.body.mem_id:
                sibling = line.prev
                while sibling is not None:
                    skip.add(sibling.mem_id)
                    sibling = sibling.prev
                line = line.parent
        return frozenset(skip)

    # -- identity --------------------------------------------------------------------------

    def _canonical(self, fetched: str) -> tuple[str, str]:
        """`link[rel=canonical]`, else `og:url`, else the URL fetched; only the site's hosts count
        (a canonical to `m.` or an AMP host is ignored). On another site's page, its own host."""
        own = urlsplit(fetched).hostname
        for candidate, rule in (
            (self.meta.canonical, "metadata:canonical"),
            (self.meta.get("og:url"), "metadata:og:url"),
        ):
            if candidate:
                absolute = link_url(candidate, base=fetched)
                host = urlsplit(absolute).hostname if absolute is not None else None
                if absolute is not None and (is_site_host(host) or _same_host(host, own)):
                    return absolute, rule
        return canonical_url(fetched), "url"

    def _site_id(self) -> str | None:
        return site_id(self.url)

    # -- fields ----------------------------------------------------------------------------

    def _title(self, found: _Found | None) -> tuple[LexborNode | None, str]:
        """The headline as shown: the layout's title, else the heading the page's metadata names
        (JSON-LD `headline`, `og:title` without the site's name), else the article's `h1`; the
        metadata's headline itself where the page shows none."""
        if found is not None:
            for node, rule in self._candidates(found.layout.title, found, "layout"):
                text = clean(node.text(deep=True))
                if text:
                    self.sources["title"] = rule
                    return node, text
        headlines = self._headlines()
        headings: list[LexborNode] = []
        seen: set[int] = set()
        for node, _ in self._candidates(site.GENERIC.title, found, "generic", teasers=False):
            text = clean(node.text(deep=True)) if node.mem_id not in seen else ""
            seen.add(node.mem_id)
            if not text:
                continue
            if any(_same_text(text, h) for h, _ in headlines) and not self._is_logo(node):
                return self._title_from(node, "generic:headline named by metadata")
            headings.append(node)
        for node in headings:
            is_headline = node.tag == "h1" or node.attributes.get("itemprop") == "headline"
            if is_headline and not self._is_logo(node):
                return self._title_from(node, f"generic:{node.tag}")
        # A heading that links to another page is a teaser's title, not this page's.
        elsewhere = [
            node
            for node, _ in self._candidates((site.GENERIC_TITLE_ELSEWHERE,), found, "generic")
            if not any(self._links_away(a) for a in node.css("a[href]"))
        ]
        for headline, _rule in headlines:
            for node in elsewhere:
                if _same_text(clean(node.text(deep=True)), headline) and not self._is_logo(node):
                    return self._title_from(node, "generic:heading named by metadata")
        if headlines:
            self.sources["title"] = headlines[0][1]
            return None, headlines[0][0]
        return None, ""

    def _title_from(self, node: LexborNode, rule: str) -> tuple[LexborNode, str]:
        self.sources["title"] = rule
        self._used.add(node.mem_id)
        return node, clean(node.text(deep=True))

    def _headlines(self) -> list[tuple[str, str]]:
        """The headline as the page's metadata gives it, best first, each with its rule."""
        found: list[tuple[str, str]] = []
        for value, rule in (
            (self.meta.ld_text("headline"), "metadata:json-ld headline"),
            (self.meta.get("og:title"), "metadata:og:title"),
            (self.meta.get("twitter:title"), "metadata:twitter:title"),
        ):
            if value:
                text = _strip_site_name(clean(value), self.meta.get("og:site_name"))
                if text:
                    found.append((text, rule))
        return found

    def _links_away(self, anchor: LexborNode) -> bool:
        target = link_url(anchor.attributes.get("href") or "", self.url)
        return target is not None and target != self.url

    def _is_logo(self, node: LexborNode) -> bool:
        """An h1 that names the site: in a logo box, or holding nothing but a link home."""
        text = clean(node.text(deep=True))
        if self._in_logo_box(node, len(text)):
            return True
        if folded_key(text) in site.PUBLISHER_NAMES:
            return True
        anchor = node.css_first("a[href]")
        return (
            anchor is not None
            and clean(anchor.text(deep=True)) == text
            and urlsplit(link_url(anchor.attributes.get("href") or "", self.url) or "").path
            in ("", "/")
        )

    def _in_logo_box(self, node: LexborNode, own: int) -> bool:
        """Whether a small box around the node is marked as the logo or brand (a page whose
        `<body>` carries `wp-custom-logo` is no logo box)."""
        if not lies_in(node, site.GENERIC.logo):  # a query of the node's own subtree: cheap
            return False
        logos = self._marks.ids(", ".join(site.GENERIC.logo))
        current: LexborNode | None = node
        while current is not None and current.tag not in ("body", "html"):
            if current.mem_id in logos:
                return len(clean(current.text(deep=True))) <= own + _LOGO_BOX
            current = current.parent
        return False

    def _sapo(self, found: _Found) -> str | None:
        for node, rule in self._field_nodes("sapo", found):
            text = clean(node.text(deep=True))
            if text and (not found.generic or len(text) >= _MIN_SAPO):
                self.sources["sapo"] = rule
                self._used.add(node.mem_id)
                return _strip_dateline(text)
        for name in ("og:description", "description", "twitter:description"):
            description = self.meta.get(name)
            if description:
                self.sources["sapo"] = f"metadata:{name}"
                return _strip_dateline(clean(description))
        return None

    def _published(self, found: _Found, title: LexborNode | None) -> str | None:
        for value, rule in (
            (self.meta.ld_text("datePublished"), "metadata:json-ld datePublished"),
            (self.meta.get("article:published_time"), "metadata:article:published_time"),
            (self.meta.get("itemprop:datePublished"), "metadata:itemprop datePublished"),
        ):
            parsed = parse_iso(value) if value else None
            if parsed:
                self.sources["published_at"] = rule
                return parsed
        nodes: Iterable[tuple[LexborNode, str]] = self._field_nodes("date", found)
        if found.generic and title is not None:
            # On a page no layout knows, the generic cues go by distance to the title: teasers
            # and headers carry dates too.
            nodes = sorted(nodes, key=lambda pair: self._distance(pair[0], title))
        for node, rule in nodes:
            parsed = _date_of(node)
            if parsed:
                self.sources["published_at"] = rule
                self._used.add(node.mem_id)
                return parsed
        if title is not None:
            near = self._date_near(title, found)
            if near:
                return near
        return None

    def _date_near(self, title: LexborNode, found: _Found) -> str | None:
        """A visible date in the few texts just after the title, as pages show it beside the
        headline without a class saying so (never inside a layout's body)."""
        for step, node in enumerate(_following_texts(title)):
            if step >= _NEAR_TEXTS or (not found.generic and within(node, found.body)):
                break
            parsed = parse_visible(clean(node.text_content or ""))
            if parsed and node.parent is not None:
                self.sources["published_at"] = "generic:date beside the title"
                self._used.add(node.parent.mem_id)
                return parsed
        return None

    def _distance(self, node: LexborNode, title: LexborNode) -> int:
        return abs(self._order.get(node.mem_id, 0) - self._order.get(title.mem_id, 0))

    def _updated(self) -> str | None:
        for value, rule in (
            (self.meta.ld_text("dateModified"), "metadata:json-ld dateModified"),
            (self.meta.get("article:modified_time"), "metadata:article:modified_time"),
            (self.meta.get("itemprop:dateModified"), "metadata:itemprop dateModified"),
            (self.meta.get("og:updated_time"), "metadata:og:updated_time"),
        ):
            parsed = parse_iso(value) if value else None
            if parsed:
                self.sources["updated_at"] = rule
                return parsed
        return None

    def _authors(self, found: _Found) -> list[str]:
        seen: set[int] = set()
        for node, rule in self._field_nodes("author", found):
            if node.mem_id in seen:
                continue
            # A byline box holds names, a date, share buttons: its innermost matches name.
            parts = [node]
            if found.generic:
                inner = [n for n in node.css(rule.split(":", 1)[1]) if n.mem_id != node.mem_id]
                seen.update(n.mem_id for n in inner)
                innermost = [n for n in inner if not has_descendant(n, rule.split(":", 1)[1])]
                parts = [n for n in innermost if not _byline_extra(n)] or parts
            names = [
                name for part in parts for name in _names(_without_dates(part.text(deep=True)))
            ]
            if names and all(_is_name(name) for name in names):
                self.sources["authors"] = rule
                self._used.add(node.mem_id)
                return list(dict.fromkeys(names))
        people = [
            name
            for name in (clean(n) for n in self.meta.ld_people())
            if name and name.casefold() not in site.PUBLISHER_NAMES
        ]
        names = [n for person in people for n in _names(person)]
        if names:
            self.sources["authors"] = "metadata:json-ld author"
        return names

    def _category(self, found: _Found, title: str) -> str | None:
        nodes, rule = self._first_match(
            (() if found.generic else found.layout.breadcrumb, "layout"),
            (site.GENERIC.breadcrumb, "generic"),
        )
        named = ((node, clean(node.text(deep=True))) for node in nodes)
        crumbs = [(node, name) for node, name in named if _is_section(name, title)]
        names = [name for node, name in crumbs if _is_active(node)] or [n for _, n in crumbs]
        if names:
            self.sources["category"] = rule
            self._used.update(node.mem_id for node in nodes)
            return names[-1]
        sections = [name for name in (clean(n) for n in self.meta.breadcrumb)]
        sections = [name for name in sections if _is_section(name, title)]
        if sections:
            self.sources["category"] = "metadata:json-ld BreadcrumbList"
            return sections[-1]
        for value, rule in (
            (self.meta.get("article:section"), "metadata:article:section"),
            (self.meta.ld_text("articleSection"), "metadata:json-ld articleSection"),
        ):
            if value and clean(value):
                self.sources["category"] = rule
                return clean(value)
        return None

    def _tags(self, found: _Found) -> list[str]:
        seen: dict[str, None] = {}
        # The layout's selectors, then the generic ones: these once when they are the same.
        groups = ((found.layout.tags, "layout"), (site.GENERIC.tags, "generic"))
        for selectors, kind in groups:
            if kind == "layout" and (found.generic or not selectors):
                continue
            for selector in selectors:
                nodes = [
                    node
                    for node in select(self.root, selector)
                    if not self._in_chrome(node)
                    and (found.generic or not within(node, found.body))
                    and not (found.generic and self._in_article_wide_box(node, found))
                ]
                for node in nodes:
                    tag = clean(node.text(deep=True)).lstrip("#").strip()
                    if tag:
                        seen.setdefault(tag, None)
                        self._used.add(node.mem_id)
                if seen:
                    self.sources["tags"] = f"{kind}:{selector}"
                    if found.generic:
                        self._used.update(_list_of(nodes))
                    return list(seen)
        return []

    def _in_article_wide_box(self, link: LexborNode, found: _Found) -> bool:
        """Whether the nearest tag-classed box around a link wraps the body or the title: a
        template that marks the whole article with its tags (`article.tag-cau`) holds no list
        of tags there."""
        boxes = self._marks.ids(site.TAG_BOXES)
        current = link.parent
        while current is not None and current.mem_id not in boxes:
            current = current.parent
        if current is None:
            return False
        title = self._title_node
        return within(found.body, current) or (title is not None and within(title, current))

    def _related(self, found: _Found, body: Body) -> list[Related]:
        links: list[Related] = []
        seen: set[tuple[str, str]] = set()

        def add(url: str, title: str, kind: RelatedKind) -> None:
            # Boxes of another site's page are left out of its text, but only the site's own
            # articles are related (ARTICLE.md); a layout's links are all the site's already.
            if (url, kind) in seen or (self._loose and not is_site_host(urlsplit(url).hostname)):
                return
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
            box = _box_of(label, lines, self._holds_article_link, found.body)
            if box is not None:
                boxes.append((box, kind))
        labelled = len(boxes)
        for node in _all(self.tree, site.RELATED_BOX_CLASSES):
            if within(node, found.body) or within(found.body, node) or self._in_chrome(node):
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
        if root is None or within(root, found.body) or self._in_chrome(root):
            return
        for text, label in _label_texts(root, [*self._chrome_nodes, found.body]):
            node = text.parent
            if node is not None:
                yield node, site.RELATED_LABELS.get(label)  # type: ignore[misc]

    # -- helpers over the tree -------------------------------------------------------------

    def _candidates(
        self,
        selectors: Iterable[str],
        found: _Found | None,
        kind: str,
        *,
        teasers: bool = True,
    ) -> Iterator[tuple[LexborNode, str]]:
        """Nodes for a field, in selector order, each with its rule: outside the site chrome,
        teaser lists (`teasers`) and a layout's body (a generic body may hold them: they are
        then left out of its text)."""
        body = found.body if found else None
        generic = found is None or found.generic
        for selector in selectors:
            for node in _css_lazily(self.root, selector):
                if body is not None and (
                    within(body, node) or (not generic and within(node, body))
                ):
                    continue
                if self._in_chrome(node):
                    continue
                if teasers and self._marks.inside(
                    node, _GENERIC_TEASERS if generic else site.GENERIC.teasers
                ):
                    continue
                yield node, f"{kind}:{selector}"

    def _field_nodes(self, name: str, found: _Found) -> Iterator[tuple[LexborNode, str]]:
        """The layout's nodes for a field, then the generic cues'; a generic body's own nodes
        for the field are never inside a figure (a caption is no sapo or date)."""
        if not found.generic:
            yield from self._candidates(getattr(found.layout, name), found, "layout")
        root = self.tree.body
        for node, rule in self._candidates(getattr(site.GENERIC, name), found, "generic"):
            if found.generic and (
                lies_in(node, site.GENERIC.image_block[:1] + site.GENERIC.caption[:1])
                or (root is not None and in_teaser(node, root, self.url))
            ):
                continue
            yield node, rule

    def _first_match(self, *groups: tuple[tuple[str, ...], str]) -> tuple[list[LexborNode], str]:
        """The nodes of the first selector that matches any, with its rule."""
        for selectors, kind in groups:
            for selector in selectors:
                nodes = select(self.root, selector)
                if nodes:
                    return nodes, f"{kind}:{selector}"
        return [], "none"

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

    def _page_link(self, href: str) -> str | None:
        """The canonical URL of a link to another page of this site or of the page's own host
        (none of its listings, tags or searches): what a box of links in a body points to."""
        stripped = href.strip()
        if not stripped or stripped.startswith(("#", "javascript:", "mailto:")):
            return None
        url = link_url(stripped, base=self.url)
        if url is None or url == self.url or url_kind(url) in ("listing", "tag", "search"):
            return None
        host = urlsplit(url).hostname
        own = is_site_host(host) or _same_host(host, urlsplit(self.url).hostname)
        return url if own and urlsplit(url).path not in ("", "/") else None

    def _own_page(self, url: str) -> bool:
        """A page of this site (or of the site whose page this is) that looks like an article."""
        host = urlsplit(url).hostname
        return (is_site_host(host) or _same_host(host, urlsplit(self.url).hostname)) and (
            looks_like_article(url)
        )

    def _article_link(self, href: str) -> str | None:
        """The canonical URL of a link to another article of the site, else None. On a page no
        layout knows, a link whose address no pattern knows counts when it looks like an
        article's (its template's URLs are new too). Teasers link each article twice or more
        (image, title), so answers are kept for the page."""
        if href in self._links:
            return self._links[href]
        url: str | None = None
        stripped = href.strip()
        if stripped and not stripped.startswith(("#", "javascript:", "mailto:")):
            url = link_url(stripped, base=self.url)
            known = url is not None and article_match(url) is not None
            if (
                url is None
                or url == self.url
                or not (known or (self._loose and self._own_page(url)))
            ):
                url = None
        self._links[href] = url
        return url


def _in_article_region(node: LexborNode) -> bool:
    """Whether an ancestor is the page's article or main region (tags only: asking each
    ancestor for its attributes would cost more than the rest of this)."""
    current = node.parent
    while current is not None:
        if current.tag in site.ARTICLE_REGION:
            return True
        current = current.parent
    return False


def _byline_extra(node: LexborNode) -> bool:
    """A part of a byline box that names nobody: its date, avatar, share buttons."""
    names = (node.attributes.get("class") or "").lower()
    text = clean(node.text(deep=True))
    return (
        node.tag == "time"
        or not text
        or any(cue in names for cue in site.BYLINE_EXTRAS)
        or parse_visible(text) is not None
    )


def _without_leading_dates(blocks: list[Block]) -> list[Block]:
    """A generic body's blocks without the date lines above its text (the article's meta line
    falls inside a body found by its structure)."""
    kept: list[Block] = []
    for block in blocks:
        if not kept and len(block.text) <= _MAX_DATE_LINE and parse_visible(block.text):
            continue
        kept.append(block)
    return kept


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


def _css_lazily(root: LexborNode, selector: str) -> Iterator[LexborNode]:
    """`root.css(selector)`, its first node found alone first: a field mostly reads the first
    node of its selector, which lies near the top of the page, where Lexbor's search for the
    first one stops."""
    first = root.css_first(selector)
    if first is not None:
        yield first
        yield from select(root, selector)[1:]


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
    body: LexborNode,
) -> LexborNode | None:
    """The smallest ancestor of a label that holds article links but no other label (`lines`:
    each label's id and `ancestry`), nor the article's body."""
    box = label.parent
    while box is not None and box.tag not in ("body", "html"):
        if any(mem_id != label.mem_id and box.mem_id in line for mem_id, line in lines):
            return None
        if within(body, box):
            return None
        if holds_links(box, label):
            return box
        box = box.parent
    return None


def _label(raw: str) -> str | None:
    """The list label, related or sponsored, a text is (folded: "tin mới"); None for any other."""
    return _short_label(raw) if len(raw) <= _MAX_LABEL else None


# The short texts a page is searched for labels in recur on every page (labels, names, links).
@lru_cache(maxsize=1 << 12)
def _short_label(raw: str) -> str | None:
    """`_label` of a text no longer than a label."""
    if raw.isspace() or (raw.isascii() and _NO_ASCII_LABEL):
        return None
    key = folded_key(raw)
    return key if key in site.RELATED_LABELS or key in site.SPONSORED_LABELS else None


def _holds_label(node: LexborNode) -> bool:
    """Whether a text node under `node` is a label: its texts read in one call, the long ones
    (most) set aside before any is looked at."""
    texts = node.text(separator=_APART, skip_empty=True).split(_APART)
    return any(_short_label(text) for text in texts if len(text) <= _MAX_LABEL)


def _label_texts(root: LexborNode, skip: Sequence[LexborNode]) -> Iterator[tuple[LexborNode, str]]:
    """The text nodes under `root` that are labels, with their labels, in page order, leaving
    out what lies under the elements `skip`. Only the elements holding one of `skip` are walked
    node by node; any other subtree is walked only when it holds a label (most subtrees of a
    page hold none). Sibling links and a stack of open elements, not recursion: hostile pages
    nest thousands deep."""
    skipped = frozenset(node.mem_id for node in skip)
    holding = holders(root, skip)
    opened: list[LexborNode] = []
    node = root.first_child
    while node is not None or opened:
        if node is None:
            node = opened.pop().next
            continue
        if node.is_element_node:
            if node.mem_id in holding:  # a skipped element, or one holding one
                first = node.first_child if node.mem_id not in skipped else None
                if first is not None:
                    opened.append(node)
                    node = first
                    continue
            elif _holds_label(node):
                for inner in node.traverse(include_text=True, skip_empty=True):
                    if inner.is_text_node and (label := _label(inner.text_content or "")):
                        yield inner, label
        elif node.is_text_node and (label := _label(node.text_content or "")):
            yield node, label
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


def _same_text(a: str, b: str) -> bool:
    """Whether two headlines are one: equal once folded, or one the other with a prefix or
    suffix added (a kicker, the site's name)."""
    fa, fb = a.casefold(), b.casefold()
    if fa == fb:
        return True
    short, long = sorted((fa, fb), key=len)
    return len(short) >= 0.6 * len(long) and short in long


def _strip_site_name(title: str, site_name: str | None) -> str:
    """A metadata title without the site's name after a separator (` - Báo Kinh tế & Đô thị`,
    ` | VnExpress`)."""
    title = _TITLE_SUFFIX.sub("", title)
    if site_name:
        name = clean(site_name).casefold()
        for separator in (" - ", " | ", " – ", " — ", " :: "):
            head, sep, tail = title.rpartition(separator)
            if sep and head and name and (name in tail.casefold() or tail.casefold() in name):
                return head.strip()
    return title


def _date_of(node: LexborNode) -> str | None:
    for attr in ("datetime", "content"):
        value = node.attributes.get(attr)
        if value and (parsed := parse_iso(value)):
            return parsed
    return parse_visible(clean(node.text(deep=True)))


def _following_texts(node: LexborNode) -> Iterator[LexborNode]:
    """The non-blank text nodes after `node`'s subtree, in page order."""
    current: LexborNode | None = node
    while current is not None:
        sibling = current.next
        while sibling is not None:
            if sibling.is_text_node:
                if not sibling.is_empty_text_node:
                    yield sibling
            elif sibling.is_element_node:
                for inner in sibling.traverse(include_text=True):
                    if inner.is_text_node and not inner.is_empty_text_node:
                        yield inner
            sibling = sibling.next
        current = current.parent


_DATE_LIKE = re.compile(
    r"\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}|\d{1,2}\s*[:hH]\s*\d{2}|\(?GMT\s*[+-]\s*\d+\)?|[|•]"
)


def _without_dates(text: str) -> str:
    """A byline's text without the date and time it often shares a line with."""
    return _DATE_LIKE.sub(" ", text)


def _is_name(text: str) -> bool:
    return (
        0 < len(text.split()) <= 6
        and not _SENTENCE_PUNCTUATION.search(text)
        and not any(ch.isdigit() for ch in text)
    )


def _same_host(host: str | None, other: str | None) -> bool:
    def bare(h: str | None) -> str:
        return (h or "").lower().removeprefix("www.")

    return bool(host) and bare(host) == bare(other)


def _confidence(found: _Found, sources: dict[str, str], paragraphs: int) -> float:
    """How sure the parser is of the page: a layout that found every required field is sure;
    the generic reader is surer where the page's metadata says it is an article and gives the
    title and date, and less sure of whatever came out empty."""
    required = ("title", "paragraphs", "published_at")
    missing = sum(1 for name in required if sources.get(name, "none") == "none")
    if not found.generic:
        return max(0.0, 1.0 - 0.25 * missing)
    score = 0.5
    score += 0.15 if sources.get("title", "").startswith(("generic:headline", "metadata")) else 0
    score += 0.15 if sources.get("published_at", "").startswith("metadata") else 0
    score += 0.1 if paragraphs >= 3 else 0
    return max(0.0, min(0.9, score) - 0.25 * missing)


def _list_of(links: list[LexborNode]) -> set[int]:
    """The block holding a list of links and little else (its label, separators): a generic
    body leaves it out with them."""
    block = links[0].parent if links else None
    while block is not None and block.tag in ("span", "li", "ul", "ol", "em", "strong", "b"):
        if all(within(link, block) for link in links) and block.tag in ("ul", "ol"):
            break
        block = block.parent
    if block is None or not all(within(link, block) for link in links):
        return set()
    rest = len(clean(block.text(deep=True))) - sum(len(clean(a.text(deep=True))) for a in links)
    return {block.mem_id} if rest <= _LIST_LABEL else set()
