"""Which nodes of one page match a selector, computed once per selector.

selectolax's `css_matches` asks whether anything *under* a node matches; the parser needs
"is this node one of them", asked often. A set of node ids per selector answers it cheaply.
Marks made for one container (the article body) query only that part of the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

from selectolax.lexbor import LexborNode

# Nodes asked about one selector list by queries of their own subtrees (`lies_in`) before the
# page is queried for it whole: a field asks of a node or two, a page of teasers of hundreds.
_FEW_ASKED = 16


class Marks:
    def __init__(self, root: LexborNode) -> None:
        self.root = root
        self._nodes: dict[str, list[LexborNode]] = {}
        self._ids: dict[str, frozenset[int]] = {}
        self._holding: dict[str, frozenset[int]] = {}
        self._under: dict[tuple[int, str], list[LexborNode]] = {}
        self._asked: dict[str, int] = {}

    def nodes(self, selector: str) -> list[LexborNode]:
        found = self._nodes.get(selector)
        if found is None:
            found = self._nodes[selector] = self.root.css(selector) if selector else []
        return found

    def ids(self, selector: str) -> frozenset[int]:
        found = self._ids.get(selector)
        if found is None:
            found = self._ids[selector] = frozenset([n.mem_id for n in self.nodes(selector)])
        return found

    def holding(self, selector: str) -> frozenset[int]:
        """Ids of the nodes that match or hold a match: `node.css(selector)` is empty for any
        node under the root whose id is not in it."""
        found = self._holding.get(selector)
        if found is None:
            found = holders(self.root, self.root.css(selector))
            self._holding[selector] = found
        return found

    def under(self, node: LexborNode, selector: str) -> list[LexborNode]:
        """`node.css(selector)`, queried once: a box is asked for its links more than once."""
        key = (node.mem_id, selector)
        found = self._under.get(key)
        if found is None:
            found = self._under[key] = node.css(selector)
        return found

    def matches(self, node: LexborNode, selector: str) -> bool:
        return node.mem_id in self.ids(selector)

    def inside(self, node: LexborNode, selectors: tuple[str, ...]) -> bool:
        """Whether the node or one of its ancestors matches one of `selectors`. A query of the
        whole page costs more than the rest of a field: the first few nodes asked about are
        queried alone (`lies_in`), and the page only once many are."""
        selector = ", ".join(selectors)
        if selector not in self._ids:
            asked = self._asked[selector] = self._asked.get(selector, 0) + 1
            if asked <= _FEW_ASKED:
                return lies_in(node, selectors)
        return in_any(node, self.ids(selector))


def in_any(node: LexborNode, ids: frozenset[int]) -> bool:
    """Whether the node or one of its ancestors is one of `ids`."""
    current: LexborNode | None = node
    while current is not None:
        if current.mem_id in ids:
            return True
        current = current.parent
    return False


def ancestry(node: LexborNode) -> set[int]:
    """Ids of the node and of its ancestors: one walk up answers every "is it inside" question
    about the node."""
    line: set[int] = set()
    current: LexborNode | None = node
    while current is not None:
        line.add(current.mem_id)
        current = current.parent
    return line


def lies_in(node: LexborNode, selectors: tuple[str, ...]) -> bool:
    """`Marks.inside` for selectors asked of a node or two a page: a query of the node's own
    subtree, not of the whole page. Its first match is the node itself exactly when the node or
    an ancestor matches, as a node comes first in its subtree. (`:is(…) *` would be shorter,
    but Lexbor matches it for children only.)"""
    query = ", ".join((*selectors, *(f"{selector} *" for selector in selectors)))
    first = node.css_first(query)
    return first is not None and first.mem_id == node.mem_id


def within(node: LexborNode, container: LexborNode) -> bool:
    """Whether `node` is `container` or lies under it."""
    current: LexborNode | None = node
    while current is not None:
        if current.mem_id == container.mem_id:
            return True
        current = current.parent
    return False


def holders(root: LexborNode, nodes: Iterable[LexborNode]) -> frozenset[int]:
    """Ids of `nodes` and of their ancestors up to `root`: the nodes under `root` that are or
    hold one of them. One query and a walk up beat a query per node asking the same."""
    found: set[int] = set()
    stop = root.mem_id
    for node in nodes:
        current: LexborNode | None = node
        # An id already in the set had its ancestors added with it.
        while current is not None and current.mem_id not in found:
            found.add(current.mem_id)
            if current.mem_id == stop:
                break
            current = current.parent
    return frozenset(found)


def has_descendant(node: LexborNode, selector: str) -> bool:
    """Whether something under the node (not the node itself: selectolax includes it) matches."""
    return any(found.mem_id != node.mem_id for found in node.css(selector))


def select(root: LexborNode, selector: str) -> list[LexborNode]:
    """`root.css(selector)`; a selector `X Y` (or a list of them sharing X) found from its X
    down. Lexbor matches from the right end, climbing from every Y (on these, every link of the
    page) to the top, where a page holds a few X with a few Y each."""
    split = _descendant_split(selector)
    if split is None:
        return root.css(selector)
    outer, inner = split
    found: list[LexborNode] = []
    last: LexborNode | None = None
    for container in root.css(outer):
        if last is not None and within(container, last):
            continue  # its matches are among those of the one around it
        last = container
        found += [node for node in container.css(inner) if node.mem_id != container.mem_id]
    return found


@lru_cache(maxsize=256)  # the selectors are the site's, a few dozen
def _descendant_split(selector: str) -> tuple[str, str] | None:
    """(X, Y) of a selector `X Y` whose Y has no combinator; for a list of them sharing X, X
    with the Ys listed; else None. (Lexbor lists a node once per item of a list it matches:
    the Ys listed under one X do the same, several Xs over one Y would not.)"""
    if "\\" in selector:
        return None
    outers: set[str] = set()
    inners: list[str] = []
    start = 0
    for end in [*(i for i, ch in _top_level(selector) if ch == ","), len(selector)]:
        item = selector[start:end].strip()
        start = end + 1
        steps = [i for i, ch in _top_level(item) if ch in " >+~"]
        if not steps or any(item[i] != " " for i in steps):
            return None  # no descendant step, or another combinator
        outers.add(item[: steps[-1]].strip())
        inners.append(item[steps[-1] + 1 :])
    return (outers.pop(), ", ".join(inners)) if len(outers) == 1 else None


def _top_level(selector: str) -> Iterator[tuple[int, str]]:
    """Each character of `selector` outside brackets, parentheses and quotes, with its index."""
    depth = 0
    quote = ""
    for i, ch in enumerate(selector):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif depth == 0:
            yield i, ch
