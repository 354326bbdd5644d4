"""Where the article is on a page no layout knows, read from the page's structure alone.

The body is the block holding most of the page's prose: paragraphs of running text (not link
text) score their parent, and less their grandparents, as readability-style extractors do; a
container's class can nudge its score, never decide it. A page whose prose is mostly teaser
summaries, each beside a link to another page, is a list of articles, not one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..site.layouts import GENERIC
from ..site.urls import link_url
from .blocks import INLINE_TAGS, has_block
from .marks import in_any, within
from .text import clean

# Blocks whose text is prose when long enough; a `div` counts by its own loose text.
_PROSE_TAGS = frozenset("p pre blockquote li dd td h2 h3 h4 h5 h6".split())
_LOOSE_TEXT_TAGS = frozenset("div section article td main".split())
_MIN_PROSE = 25  # characters: shorter blocks are labels, dates, captions
_MAX_LINK_SHARE = 0.5  # a block more link than text is navigation
_LEVEL_WEIGHTS = (1.0, 0.5, 1 / 3, 1 / 4)  # a block's score to its parent and ancestors
_CLASS_WEIGHT = 0.25  # a class cue moves a container's score by this share
_SIBLING_SHARE = 0.2  # a sibling scoring this much of the best joins it (the parent reads both)
_SIBLING_FLOOR = 10.0  # ... and at least this much: a paragraph or two of its own
_NEAR_BEST = 0.75  # containers scoring this much of the best are alternatives to it
_NEAR_BEST_COUNT = 3  # the block holding this many alternatives with the best reads them all
_COMMAS = re.compile(r"[,，、]")
_MIN_BODY = 200  # characters of prose before a container counts as an article body
_TEASER_RATIO = 3  # teasers' prose this many times a short body's: a listing
_TEASER_RATIO_LONG = 8  # ... or this many times a longer one's
_SHORT_BODY = 600  # characters of prose
_MANY_TITLES = 12  # teasers' titles on a page whose text is short: a listing
_TITLE_WORDS = 4  # a link text this long names an article
_ALONE = 0.5  # a link this much of its line stands alone: it names a page
_MAX_TITLE = 250  # characters of a teaser's title
_TEASER_SLACK = 80  # characters of an item beyond its summary and title: a date, a label


@dataclass(frozen=True)
class BodyGuess:
    node: LexborNode
    prose: int  # characters of prose inside, teasers' summaries left out
    teasers: int  # characters of teasers' summaries on the whole page
    titles: int = 0  # links standing alone that name other pages, outside chrome and asides

    def is_listing(self, *, said: bool = False) -> bool:
        """Teasers' summaries outweigh a short best body many times over: a list of articles
        (an article's own teaser lists may outweigh its body, when that is short). Where the
        page's metadata says it is a list of pages (`said`), outweighing it is enough."""
        if self.titles >= _MANY_TITLES and self.prose < _MIN_BODY * 2:
            return True  # a list of titles under a short introduction
        if said:
            return self.teasers > self.prose
        if self.prose < _SHORT_BODY:
            return self.teasers > _TEASER_RATIO * self.prose
        return self.teasers > _TEASER_RATIO_LONG * self.prose

    @property
    def is_body(self) -> bool:
        return self.prose >= _MIN_BODY and not self.is_listing()


def guess_body(
    tree: LexborHTMLParser,
    excluded: frozenset[int],
    title: LexborNode | None,
    order: dict[int, int],
    url: str,
) -> BodyGuess | None:
    """The container most likely to be the article body. `excluded`: ids of nodes whose
    subtrees are no body (chrome, asides, comments); `order`: document positions, to prefer
    what comes after the title."""
    root = tree.body
    if root is None:
        return None
    scores: dict[int, float] = {}
    nodes: dict[int, LexborNode] = {}
    prose = teasers = 0
    for block, length in _prose_blocks(root, excluded):
        # A teaser's summary is prose too, but of another article: it scores nothing.
        if in_teaser(block, root, url):
            teasers += length
            continue
        prose += length
        text = clean(block.text(deep=True)) if block.tag in _PROSE_TAGS else ""
        score = 1 + len(_COMMAS.findall(text)) + min(length // 100, 3)
        ancestor = block.parent if block.tag in _PROSE_TAGS else block
        for weight in _LEVEL_WEIGHTS:
            if ancestor is None or ancestor.tag in ("body", "html"):
                break
            scores[ancestor.mem_id] = scores.get(ancestor.mem_id, 0.0) + score * weight
            nodes[ancestor.mem_id] = ancestor
            ancestor = ancestor.parent
    if not scores:
        return BodyGuess(root, 0, teasers) if teasers else None
    title_at = order.get(title.mem_id, -1) if title is not None else -1
    final: dict[int, float] = {}
    for mem_id, total in scores.items():
        node = nodes[mem_id]
        weighted = total * _class_weight(node) * (1 - _link_share(node))
        if title_at >= 0 and _ends_before(node, title_at, order):
            weighted *= 0.5  # the body follows its title
        final[mem_id] = weighted
    best_id = max(final, key=lambda k: final[k])
    best = nodes[best_id]
    best = _with_siblings(_widened(best, final, nodes), final)
    inside = _loose_length(best) + sum(
        length for block, length in _prose_blocks(best, excluded) if not in_teaser(block, root, url)
    )
    return BodyGuess(best, inside, teasers, _title_links(root, excluded, url))


def _title_links(root: LexborNode, excluded: frozenset[int], url: str) -> int:
    """How many distinct pages the page names by a link standing alone (a teaser's title),
    outside what is never the body (chrome, asides)."""
    named: set[str] = set()
    for anchor in root.css("a[href]"):
        href = anchor.attributes.get("href") or ""
        if href in named or in_any(anchor, excluded):
            continue
        if len(clean(anchor.text(deep=True)).split()) >= _TITLE_WORDS and _stands_alone(
            anchor, url
        ):
            named.add(href)
    return len(named)


def teaser_summaries(container: LexborNode, excluded: frozenset[int], url: str) -> set[int]:
    """Ids of the teasers' summaries inside a body: a related list with summaries is no text of
    the article."""
    return {
        block.mem_id
        for block, _ in _prose_blocks(container, excluded)
        if in_teaser(block, container, url)
    }


def _prose_blocks(root: LexborNode, excluded: frozenset[int]) -> Iterable[tuple[LexborNode, int]]:
    """Blocks of running text under `root` with their length: paragraph-like elements holding
    no other block, and containers' own loose text."""
    stack = [root]
    while stack:
        node = stack.pop()
        for child in node.iter():
            if child.mem_id in excluded:
                continue
            tag = child.tag or ""
            if tag in _PROSE_TAGS and not has_block(child):
                length = _prose_length(child)
                if length:
                    yield child, length
                continue
            if tag in _LOOSE_TEXT_TAGS:
                length = _loose_length(child)
                if length:
                    yield child, length
            stack.append(child)


def _prose_length(node: LexborNode) -> int:
    text = clean(node.text(deep=True))
    if len(text) < _MIN_PROSE:
        return 0
    links = sum(len(clean(a.text(deep=True))) for a in node.css("a"))
    if links / len(text) > _MAX_LINK_SHARE:
        return 0
    return len(text) - links


def _loose_length(node: LexborNode) -> int:
    """Characters of text lying directly in the container or in its inline children."""
    parts: list[str] = []
    links = 0
    for child in node.iter(include_text=True):
        if child.is_text_node:
            parts.append(child.text_content or "")
        elif child.tag in INLINE_TAGS and not has_block(child):
            text = child.text(deep=True)
            parts.append(text)
            if child.tag == "a":
                links += len(clean(text))
    text = clean(" ".join(parts))
    if len(text) < _MIN_PROSE or links / len(text) > _MAX_LINK_SHARE:
        return 0
    return len(text) - links


def _class_weight(node: LexborNode) -> float:
    """A factor for what the container's class and id say: a nudge, never the decision."""
    names = f"{node.attributes.get('class') or ''} {node.attributes.get('id') or ''}".lower()
    if not names.strip():
        return 1.0
    weight = 1.0
    if any(cue in names for cue in GENERIC.body_cues):
        weight *= 1 + _CLASS_WEIGHT
    if any(cue in names for cue in GENERIC.not_body_cues):
        weight *= 1 - _CLASS_WEIGHT
    return weight


def _link_share(node: LexborNode) -> float:
    text = len(clean(node.text(deep=True)))
    if not text:
        return 1.0
    links = sum(len(clean(a.text(deep=True))) for a in node.css("a"))
    return min(links / text, 1.0)


def _ends_before(node: LexborNode, position: int, order: dict[int, int]) -> bool:
    """Whether the whole node lies before `position` in the page."""
    last = node
    while last.last_child is not None:
        last = last.last_child
    return order.get(last.mem_id, 0) < position and order.get(node.mem_id, 0) < position


def _widened(best: LexborNode, final: dict[int, float], nodes: dict[int, LexborNode]) -> LexborNode:
    """The best container, widened to the block that holds it and the near-best ones (paragraphs
    spread over several nested blocks score alike), and past wrappers holding it alone."""
    top = final[best.mem_id]
    near = [nodes[k] for k, v in final.items() if k != best.mem_id and v >= _NEAR_BEST * top]
    near = [node for node in near if not within(node, best) and not within(best, node)]
    if near:
        wanted = min(len(near), _NEAR_BEST_COUNT)
        ancestor = best.parent
        while ancestor is not None and ancestor.tag not in ("body", "html"):
            if sum(1 for node in near if within(node, ancestor)) >= wanted:
                best = ancestor
                break
            ancestor = ancestor.parent
    # An ancestor scoring more than the block below it on the way up holds more of the body.
    last, floor = final[best.mem_id], final[best.mem_id] / 3
    ancestor = best.parent
    while ancestor is not None and ancestor.tag not in ("body", "html"):
        score = final.get(ancestor.mem_id)
        if score is not None:
            if score < floor:
                break
            if score > last:
                best = ancestor
                break
            last = score
        ancestor = ancestor.parent
    parent = best.parent
    while parent is not None and parent.tag not in ("body", "html") and _only_child(best):
        best, parent = parent, parent.parent
    return best


def _only_child(node: LexborNode) -> bool:
    parent = node.parent
    if parent is None:
        return False
    for child in parent.iter(include_text=True):
        if child.mem_id == node.mem_id:
            continue
        if child.is_element_node or (child.is_text_node and (child.text_content or "").strip()):
            return False
    return True


def _with_siblings(best: LexborNode, final: dict[int, float]) -> LexborNode:
    """The best container, or its parent when a sibling holds a good share of the prose too
    (paragraphs split over several blocks)."""
    parent = best.parent
    if parent is None or parent.tag in ("body", "html"):
        return best
    top = final[best.mem_id]
    for sibling in parent.iter():
        if sibling.mem_id == best.mem_id:
            continue
        if final.get(sibling.mem_id, 0.0) >= max(_SIBLING_FLOOR, _SIBLING_SHARE * top):
            return parent
    return best


def in_teaser(block: LexborNode, container: LexborNode, url: str) -> bool:
    """Whether the block is part of a teaser (its summary, its date): a small item of the
    container (up to three levels up, holding little besides the two) also holds a link
    standing alone that names another page (a heading link, or a link that is all its line)."""
    own = len(clean(block.text(deep=True)))
    item = block.parent
    for _ in range(3):
        if item is None or item.mem_id == container.mem_id:
            return False
        size = len(clean(item.text(deep=True)))
        if size > own + _MAX_TITLE + _TEASER_SLACK:
            return False  # too big for a teaser, and so is every item further up
        for anchor in item.css("a[href]"):
            if within(anchor, block) or not _stands_alone(anchor, url):
                continue
            if size <= own + len(clean(anchor.text(deep=True))) + _TEASER_SLACK:
                return True
        item = item.parent
    return False


def _stands_alone(anchor: LexborNode, url: str) -> bool:
    """A link naming another page by itself: in a heading, or the whole text of its block (a
    link to the page itself, its comments or its date, names none)."""
    href = (anchor.attributes.get("href") or "").strip()
    if not href or href.startswith("#") or link_url(href, base=url) == url:
        return False
    text = clean(anchor.text(deep=True))
    if _in_heading(anchor):
        return bool(text)
    if len(text.split()) < _TITLE_WORDS:
        return False
    line = anchor.parent
    while line is not None and line.tag in INLINE_TAGS:
        line = line.parent
    whole = clean(line.text(deep=True)) if line is not None else text
    return len(text) >= _ALONE * len(whole)


def _in_heading(anchor: LexborNode) -> bool:
    node = anchor.parent
    for _ in range(3):
        if node is None:
            return False
        if node.tag in ("h2", "h3", "h4", "h5"):
            return True
        node = node.parent
    return False
