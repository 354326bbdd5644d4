"""Which nodes of one page match a selector, computed once per selector.

selectolax's `css_matches` asks whether anything *under* a node matches; the parser needs
"is this node one of them", asked often. A set of node ids per selector answers it cheaply.
"""

from __future__ import annotations

from selectolax.lexbor import LexborNode


class Marks:
    def __init__(self, root: LexborNode) -> None:
        self.root = root
        self._ids: dict[str, frozenset[int]] = {}

    def ids(self, selector: str) -> frozenset[int]:
        found = self._ids.get(selector)
        if found is None:
            found = (
                frozenset(n.mem_id for n in self.root.css(selector)) if selector else frozenset()
            )
            self._ids[selector] = found
        return found

    def matches(self, node: LexborNode, selector: str) -> bool:
        return node.mem_id in self.ids(selector)

    def inside(self, node: LexborNode, selector: str) -> bool:
        """Whether the node or one of its ancestors matches."""
        ids = self.ids(selector)
        current: LexborNode | None = node
        while current is not None:
            if current.mem_id in ids:
                return True
            current = current.parent
        return False


def within(node: LexborNode, container: LexborNode) -> bool:
    """Whether `node` is `container` or lies under it."""
    current: LexborNode | None = node
    while current is not None:
        if current.mem_id == container.mem_id:
            return True
        current = current.parent
    return False


def has_descendant(node: LexborNode, selector: str) -> bool:
    """Whether something under the node (not the node itself: selectolax includes it) matches."""
    return any(found.mem_id != node.mem_id for found in node.css(selector))
