"""Standard metadata read first: JSON-LD, Open Graph, `article:*`, `link[rel=canonical]`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from selectolax.lexbor import LexborHTMLParser

# `json.loads(text, strict=False)` without making a decoder for every script.
_JSON = json.JSONDecoder(strict=False)
_ARTICLE_TYPES = frozenset(
    {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting"}
)


_COLLECTION_TYPES = frozenset({"CollectionPage", "ItemList", "SearchResultsPage"})
_MICRODATA_ARTICLE = ", ".join(
    f'[itemtype$="schema.org/{kind}"]' for kind in sorted(_ARTICLE_TYPES)
)


@dataclass(frozen=True)
class Metadata:
    canonical: str | None = None
    meta: dict[str, str] = field(default_factory=dict)  # property/name (lower-case) → content
    article: dict[str, Any] = field(default_factory=dict)  # the JSON-LD article object
    breadcrumb: tuple[str, ...] = ()  # JSON-LD BreadcrumbList names, in order
    is_article: bool = False  # JSON-LD or og:type says so
    collection: bool = (
        False  # JSON-LD says a list of pages (CollectionPage, ItemList) and no article
    )

    def get(self, *names: str) -> str | None:
        for name in names:
            value = self.meta.get(name)
            if value and value.strip():
                return value
        return None

    def ld_text(self, key: str) -> str | None:
        value = self.article.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        return value.strip() or None if isinstance(value, str) else None

    def ld_people(self) -> list[str]:
        """JSON-LD authors that are people: a Person, or a plain string (checked by the caller)."""
        authors = self.article.get("author")
        if authors is None:
            return []
        if not isinstance(authors, list):
            authors = [authors]
        names: list[str] = []
        for author in authors:
            if isinstance(author, str):
                names.append(author)
            elif isinstance(author, dict) and _types(author) & {"Person"}:
                name = author.get("name")
                if isinstance(name, str):
                    names.append(name)
        return names


def read_metadata(tree: LexborHTMLParser) -> Metadata:
    meta: dict[str, str] = {}
    # One query for both kinds, told apart here: `[content]` costs Lexbor a third of
    # `meta[content], [itemprop][content]`. `attributes` builds a dict on every access.
    metas: list[dict[str, str | None]] = []
    itemprops: list[dict[str, str | None]] = []
    for node in tree.css("[content]"):
        attributes = node.attributes
        if node.tag == "meta":
            metas.append(attributes)
        if "itemprop" in attributes:
            itemprops.append(attributes)
    for attributes in metas:
        key = attributes.get("property") or attributes.get("name")
        content = attributes.get("content")
        if key and content is not None:
            meta.setdefault(key.strip().lower(), content)
    for attributes in itemprops:
        key = attributes.get("itemprop")
        content = attributes.get("content")
        if key and content is not None:
            meta.setdefault(f"itemprop:{key.strip()}", content)
    canonical = None
    link = tree.css_first('link[rel="canonical"][href]')
    if link is not None:
        canonical = (link.attributes.get("href") or "").strip() or None

    article: dict[str, Any] = {}
    breadcrumb: list[str] = []
    collection = False
    for obj in _json_ld_objects(tree):
        types = _types(obj)
        collection |= bool(types & _COLLECTION_TYPES)
        if not article and types & _ARTICLE_TYPES:
            article = obj
        elif not breadcrumb and "BreadcrumbList" in types:
            breadcrumb = _breadcrumb_names(obj)
    is_article = bool(article) or meta.get("og:type", "").lower() == "article"
    collection = collection and not article
    return Metadata(canonical, meta, article, tuple(breadcrumb), is_article, collection)


def one_article(tree: LexborHTMLParser, meta: Metadata) -> bool:
    """Whether metadata written for this page alone says it is one article: a JSON-LD article,
    or one element with an article's microdata type (a listing marks each teaser so; og:type
    some sites give every page)."""
    return bool(meta.article) or len(tree.css(_MICRODATA_ARTICLE)) == 1


def _json_ld_objects(tree: LexborHTMLParser) -> Iterator[dict[str, Any]]:
    for script in tree.css('script[type="application/ld+json"]'):
        try:
            data = _JSON.decode(script.text(deep=True))
        except ValueError:
            continue  # broken JSON-LD is common; the page's other sources remain
        yield from _flatten(data)


def _flatten(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _flatten(data["@graph"])


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {k for k in kind if isinstance(k, str)}
    return set()


def _breadcrumb_names(obj: dict[str, Any]) -> list[str]:
    items = obj.get("itemListElement")
    if not isinstance(items, list):
        return []

    def position(item: Any) -> int:
        pos = item.get("position") if isinstance(item, dict) else None
        return pos if isinstance(pos, int) else 0

    names: list[str] = []
    for item in sorted(items, key=position):
        if not isinstance(item, dict):
            continue
        name = item.get("name")
        inner = item.get("item")
        if not isinstance(name, str) and isinstance(inner, dict):
            name = inner.get("name")
        if isinstance(name, str):
            names.append(name)
    return names
