"""What the archive derives from a fetch without a database: the body compressed and hashed,
the article's content hash and its searchable text folded.

This is most of the store's CPU per page that is not SQL (bench/results.md, store), so a crawl
works it out where the page is read, in the reading worker, off the crawl's own busy process;
the store works it out itself for a fetch that comes without it. Nothing here imports the store
(and SQLAlchemy with it): the worker stays small.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass

from .fold import fold
from .record import Article, PickledByFields

# Raw bodies: level 1 took 30% less CPU than 6 for 11% more bytes on the fixtures.
BODY_COMPRESSION = 1

# The searchable texts of an article, in the full-text index's column order.
SEARCH_COLUMNS = ("title", "sapo", "body", "captions")
Texts = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class PackedBody(PickledByFields):
    """A raw body as the archive keeps it: stored once per sha256, compressed."""

    sha256: str
    data: bytes  # zlib
    size: int


@dataclass(frozen=True, slots=True)
class Prepared(PickledByFields):
    """A fetch made ready for the store: its body packed (None: no body); for an article, its
    content hash and its searchable texts folded (None: no article)."""

    body: PackedBody | None
    content_hash: str | None = None
    folded: Texts | None = None


def prepare(body: bytes, article: Article | None) -> Prepared:
    if article is None:
        return Prepared(pack_body(body))
    return Prepared(pack_body(body), content_hash(article), folded_texts(article))


def pack_body(body: bytes) -> PackedBody | None:
    """An empty body is no body."""
    if not body:
        return None
    return PackedBody(
        hashlib.sha256(body).hexdigest(), zlib.compress(body, BODY_COMPRESSION), len(body)
    )


def content_hash(article: Article) -> str:
    """sha256 over the record's content: every field but `parser_version`, in ARTICLE.md order."""
    content = article.to_dict()
    del content["parser_version"]
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def searchable_texts(article: Article) -> Texts:
    return article.title, article.sapo or "", article.body_text, "\n".join(article.captions)


def folded_texts(article: Article) -> Texts:
    title, sapo, body, captions = searchable_texts(article)
    return fold(title), fold(sapo), fold(body), fold(captions)
