"""The article body, read in order: text blocks, images with captions, inline related boxes."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from selectolax.lexbor import LexborNode

from ..record import Image
from ..site.layouts import (
    GENERIC,
    INLINE_RELATED_LABELS,
    LAZY_IMAGE_ATTRS,
    LAZY_PLACEHOLDER,
    RELATED_LABELS,
    Layout,
)
from .marks import Marks, has_descendant
from .text import clean, clean_lines, folded_key

# url, page base → canonical article URL of the site, or None when the link is not one.
LinkResolver = Callable[[str], str | None]

INLINE_TAGS = frozenset(
    "a abbr b bdi bdo cite code data del dfn em font i ins kbd mark q s samp small span strike "
    "strong sub sup time tt u var label".split()
)
_LEAF_BLOCKS = frozenset("p h1 h2 h3 h4 h5 h6 li pre dd dt address figcaption caption".split())
BLOCK_TAGS = frozenset(
    "address article aside blockquote center dd details div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table ul".split()
)
_PLACEHOLDER = re.compile(LAZY_PLACEHOLDER, re.I)
_RIGHT_ALIGNED = re.compile(r"text-align\s*:\s*right", re.I)
_HEADINGS = frozenset("h2 h3 h4 h5 h6".split())
_BOX_LABELS = frozenset((*INLINE_RELATED_LABELS, *RELATED_LABELS))
_MAX_LABEL = 60  # characters: a box's label is a few words
# An image block's own text beyond its caption: a zoom icon at most.
_MAX_IMAGE_BLOCK_TEXT = 40


@dataclass
class Block:
    text: str
    leaf: LexborNode | None = field(default=None, repr=False, compare=False)  # its element
    source: str = field(default="", repr=False, compare=False)  # its text before cleaning

    @functools.cached_property
    def byline_styled(self) -> bool:
        """Right-aligned, or all of it bold or italic. Only the last block is ever asked."""
        return self.leaf is not None and _byline_styled(self.leaf, self.source)


@dataclass
class Body:
    blocks: list[Block] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    inline_related: list[tuple[str, str]] = field(default_factory=list)  # (url, title)


class BodyReader:
    """Walks a body container once, in document order."""

    def __init__(
        self,
        container: LexborNode,
        layout: Layout,
        resolve_image: Callable[[str], str],
        link: LinkResolver,
        *,
        skip: frozenset[int] = frozenset(),
        drop: frozenset[int] = frozenset(),
        page_link: LinkResolver | None = None,
    ) -> None:
        self.container = container
        self.skip = skip  # nodes read for other fields (a generic body's title, date, byline)
        # A generic body's widgets (shares, comments, teaser lists), left out unless they are
        # a related box; and what makes a box of links: a link to another page of the site,
        # whatever its address looks like (its related links are still only `link`'s).
        self.drop = drop
        self.page_link = page_link or link
        self.generic = page_link is not None  # only a generic body is given its own resolver
        # Every question below is about nodes of the body: its selectors query the body alone.
        self.marks = Marks(container)
        self.layout = layout
        self.resolve_image = resolve_image
        self.link = link
        self.noise = ", ".join(layout.noise + GENERIC.noise)
        self.image_blocks = ", ".join(layout.image_block + GENERIC.image_block)
        self.caption_selectors = layout.caption + GENERIC.caption
        self.related_boxes = ", ".join(layout.inline_related + GENERIC.inline_related)
        self.body = Body()
        self._pending: list[str] = []  # loose inline text between blocks
        self._captions: dict[int, str] = {}  # image block id → its caption

    @functools.cached_property
    def _noise(self) -> frozenset[int]:  # asked of every element of the body
        return self.marks.ids(self.noise) | self.skip

    def read(self) -> Body:
        self._walk(self.container)
        self._flush()
        return self.body

    # -- the walk --------------------------------------------------------------------------

    def _walk(self, node: LexborNode) -> None:
        for child in node.iter(include_text=True):
            if child.is_text_node:
                self._pending.append(_source_text(child))
                continue
            if child.is_comment_node:
                continue
            tag = child.tag or ""
            if tag == "br":
                self._pending.append("\n")
            elif child.mem_id in self._noise:
                continue
            elif tag == "img":
                self._add_image(child, None)
            elif self._is_image_block(child):
                self._flush()
                self._image_block(child)
            elif self._is_related_box(child):
                self._flush()
                self._related_links(child)
            elif child.mem_id in self.drop:
                continue
            elif tag == "table":
                self._flush()
                self._table(child)
            elif tag in INLINE_TAGS and not has_block(child):
                self._inline(child)
            elif tag in _LEAF_BLOCKS and not has_block(child):
                self._flush()
                self._leaf(child)
            else:
                self._flush()
                self._walk(child)
                self._flush()

    def _flush(self) -> None:
        if self._pending:
            text = "".join(self._pending)
            self._pending = []
            if not text.isspace():  # the white space between blocks makes none
                self._add_block(text)

    def _inline(self, node: LexborNode) -> None:
        self._pending.append(self._text_with_breaks(node))

    def _leaf(self, node: LexborNode) -> None:
        text = self._text_with_breaks(node)
        if self._is_label_plus_links(node, text):
            self._related_links(node)
            return
        self._add_block(text, leaf=node)

    def _add_block(self, text: str, leaf: LexborNode | None = None) -> None:
        cleaned = clean_lines(text)
        if cleaned:
            self.body.blocks.append(Block(cleaned, leaf, text))

    def _text_with_breaks(self, node: LexborNode) -> str:
        """Text of an inline run; `<br>` becomes a line break; images inside are body images."""
        parts: list[str] = []
        for child in node.iter(include_text=True):
            if child.is_text_node:
                parts.append(_source_text(child))
            elif child.is_comment_node:
                continue
            elif child.tag == "br":
                parts.append("\n")
            elif child.tag == "img":
                self._add_image(child, None)
            elif child.mem_id not in self._noise:
                parts.append(self._text_with_breaks(child))
        return "".join(parts)

    # -- images ----------------------------------------------------------------------------

    def _is_image_block(self, node: LexborNode) -> bool:
        # Only a node holding an image can be one: a body without images needs no block query.
        if node.mem_id not in self.marks.holding("img"):
            return False
        if not self.marks.matches(node, self.image_blocks):
            return False
        own_text = clean(node.text(deep=True))
        caption = self._caption(node)
        if caption:
            own_text = own_text.replace(caption, "", 1).strip()
        return len(own_text) <= _MAX_IMAGE_BLOCK_TEXT

    def _caption(self, block: LexborNode) -> str:
        """The block's caption, cleaned; "" when it has none. Asked twice per block: whether it
        is an image block, then for its caption."""
        if block.mem_id not in self._captions:
            self._captions[block.mem_id] = self._find_caption(block)
        return self._captions[block.mem_id]

    def _find_caption(self, block: LexborNode) -> str:
        for selector in self.caption_selectors:
            found = block.css_first(selector)
            caption = clean(found.text(deep=True)) if found is not None else ""
            if caption:
                return caption
        return ""

    def _image_block(self, block: LexborNode) -> None:
        caption = self._caption(block)
        for img in block.css("img"):
            self._add_image(img, caption or None)

    def _add_image(self, img: LexborNode, caption: str | None) -> None:
        address = image_address(img)
        if not address:
            return
        if caption is None:
            # Some layouts put the caption in an attribute of the image (`title-image`).
            for attr in self.layout.caption_attrs:
                caption = clean(img.attributes.get(attr) or "") or None
                if caption:
                    break
        self.body.images.append(Image(self.resolve_image(address), caption))
        # Images sharing one caption each carry it; `captions` lists it once.
        if caption and caption not in self.body.captions[-1:]:
            self.body.captions.append(caption)

    # -- related boxes inside the body -----------------------------------------------------

    def _is_related_box(self, node: LexborNode) -> bool:
        # Without a link it is none; most bodies then never need their related-box query.
        if node.mem_id not in self.marks.holding("a[href]"):
            return False
        if not self.marks.matches(node, self.related_boxes):
            return False
        anchors = self.marks.under(node, "a[href]")
        return any(self.page_link(a.attributes.get("href") or "") for a in anchors)

    def _is_label_plus_links(self, node: LexborNode, text: str) -> bool:
        """A block holding only links to articles, or a label such as "Xem thêm:" plus links."""
        if node.mem_id not in self.marks.holding("a[href]"):
            return False
        anchors = self.marks.under(node, "a[href]")
        anchors = [a for a in anchors if self.page_link(a.attributes.get("href") or "")]
        if not anchors:
            return False
        rest = clean(text)
        for anchor in anchors:
            rest = rest.replace(clean(anchor.text(deep=True)), " ", 1)
        rest = folded_key(re.sub(r"[\s>»›•|:.\-–—]+", " ", rest))
        return not rest or rest in INLINE_RELATED_LABELS

    def _related_links(self, node: LexborNode) -> None:
        self.body.inline_related.extend(related_links(self.marks.under(node, "a[href]"), self.link))
        # A generic body's box label ("More on this story") goes with its box.
        last = self.body.blocks[-1] if self.body.blocks else None
        if self.generic and last is not None and _is_label(last):
            self.body.blocks.pop()

    # -- tables ----------------------------------------------------------------------------

    def _table(self, table: LexborNode) -> None:
        if not _is_data_table(table):
            for cell in _rows_cells(table):
                self._flush()
                self._walk(cell)
            self._flush()
            return
        for row in table.css("tr"):
            cells = [clean(cell.text(deep=True, separator=" ")) for cell in _cells(row)]
            if any(cells):
                self.body.blocks.append(Block(" | ".join(cells)))


def related_links(anchors: list[LexborNode], link: LinkResolver) -> list[tuple[str, str]]:
    """Article links among a box's `a[href]`, in order, once each; a title from the link text,
    else an alt."""
    titles: dict[str, str] = {}
    for anchor in anchors:
        attributes = anchor.attributes
        url = link(attributes.get("href") or "")
        if url is None or titles.get(url):  # a second link to an article already titled
            continue
        title = clean(anchor.text(deep=True)) or clean(attributes.get("title") or "")
        if not title:
            img = anchor.css_first("img[alt]")
            title = clean(img.attributes.get("alt") or "") if img is not None else ""
        if url not in titles or (not titles[url] and title):
            titles[url] = title
    return [(url, title) for url, title in titles.items() if title]


def image_address(img: LexborNode) -> str | None:
    """A lazy image's real address rather than its placeholder."""
    attributes = img.attributes  # a new dict on every access
    for attr in LAZY_IMAGE_ATTRS:
        value = (attributes.get(attr) or "").strip()
        if attr == "data-srcset" and value:
            value = value.split(",")[0].split()[0]
        if value and not _PLACEHOLDER.search(value):
            return value
    return None


def _is_label(block: Block) -> bool:
    """A heading of a few words, or a box label of the site's ("Tin liên quan")."""
    if len(block.text) > _MAX_LABEL:
        return False
    leaf = block.leaf
    key = folded_key(block.text)
    return (leaf is not None and leaf.tag in _HEADINGS) or key in _BOX_LABELS


def _source_text(node: LexborNode) -> str:
    """A text node's text; a newline in the HTML source is a space (only `<br>` breaks lines)."""
    return (node.text_content or "").replace("\r", " ").replace("\n", " ")


def has_block(node: LexborNode) -> bool:
    # `traverse` yields the node itself too; comparing nodes costs more than a tag lookup.
    return any(child.tag in BLOCK_TAGS and child != node for child in node.traverse())


def _byline_styled(node: LexborNode, text: str) -> bool:
    style = node.attributes.get("style") or ""
    if _RIGHT_ALIGNED.search(style) or (node.attributes.get("align") or "").lower() == "right":
        return True
    if any(_RIGHT_ALIGNED.search(n.attributes.get("style") or "") for n in node.css("[style]")):
        return True
    emphasised = "".join(n.text(deep=True) for n in node.css("strong, b, em, i"))
    return bool(clean(text)) and clean(emphasised) == clean(text)


def _cells(row: LexborNode) -> list[LexborNode]:
    return [c for c in row.iter() if c.tag in ("td", "th")]


def _rows_cells(table: LexborNode) -> list[LexborNode]:
    return [cell for row in table.css("tr") for cell in _cells(row)]


def _is_data_table(table: LexborNode) -> bool:
    """At least two columns; a nested table or `role=presentation` is layout."""
    if (table.attributes.get("role") or "").lower() == "presentation":
        return False
    if has_descendant(table, "table"):
        return False
    parent = table.parent
    while parent is not None:
        if parent.tag == "table":
            return False
        parent = parent.parent
    return max((len(_cells(row)) for row in table.css("tr")), default=0) >= 2
