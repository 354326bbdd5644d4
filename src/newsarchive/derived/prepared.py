"""What the archive derives from a fetch without a database: the body compressed and hashed,
the article's content hash, its searchable text folded and its words' weights for ranking.

This is most of the store's CPU per page that is not SQL (bench/results.md, store), so a crawl
works it out where the page is read, in the reading worker, off the crawl's own busy process;
the store works it out itself for a fetch that comes without it. Nothing here imports the store
(and SQLAlchemy with it): the worker stays small.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TypeVar

from ..record import Article, PickledByFields
from .fold import fold

T = TypeVar("T")

# Raw bodies: level 1 took 30% less CPU than 6 for 11% more bytes on the fixtures.
BODY_COMPRESSION = 1

# The searchable texts of an article, in the full-text index's column order.
SEARCH_COLUMNS = ("title", "sapo", "body", "captions")
Texts = tuple[str, str, str, str]
# FTS5's unicode61 tokenizer: a word is a run of letters and digits; the rest separates.
WORD = re.compile(r"[^\W_]+")

# An article's words and their weights for ranking (store/ranking.py explains them).
Weights = tuple[tuple[str, int], ...]
COLUMN_WEIGHTS = (10.0, 4.0, 1.0, 2.0)  # bm25's, in SEARCH_COLUMNS order
K1, B = 1.2, 0.75  # FTS5's bm25 parameters
TYPICAL_WORDS = 500  # the length a length is compared with (a news article's words, about)
MIN_OCCURRENCES = 4.0  # weighted occurrences below which a word is not listed
SCALE = 1000  # weights are stored as integers: bm25's term weight (below 2.2) times this


@dataclass(frozen=True, slots=True)
class PackedBody(PickledByFields):
    """A raw body as the archive keeps it: stored once per sha256, compressed."""

    sha256: str
    data: bytes  # zlib
    size: int


@dataclass(frozen=True, slots=True)
class Prepared(PickledByFields):
    """A fetch made ready for the store: its body packed (None: no body); for an article, its
    content hash, its searchable texts folded and its words' weights (None: no article)."""

    body: PackedBody | None
    content_hash: str | None = None
    folded: Texts | None = None
    weights: Weights | None = None


def prepare(body: bytes, article: Article | None) -> Prepared:
    if article is None:
        return Prepared(pack_body(body))
    folded = folded_texts(article)
    return Prepared(pack_body(body), content_hash(article), folded, word_weights(folded))


def given(value: T | None) -> T:
    """What `prepare` works out for every article (`Prepared`'s fields but `body`)."""
    assert value is not None
    return value


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


def word_weights(folded: Texts) -> Weights:
    """An article's listed words and their weights, from its folded texts: bm25's term weight
    of each word, its occurrences counted as FTS5's bm25 counts them (`COLUMN_WEIGHTS`) and
    saturated against the article's length compared with `TYPICAL_WORDS`; a word counted less
    than `MIN_OCCURRENCES` is not listed."""
    words = [WORD.findall(text) for text in folded]
    norm = K1 * (1 - B + B * sum(map(len, words)) / TYPICAL_WORDS)
    occurrences: dict[str, float] = defaultdict(float)
    for weight, found in zip(COLUMN_WEIGHTS, words, strict=True):
        for word, count in Counter(found).items():
            occurrences[word] += weight * count
    return tuple(
        (word, round(SCALE * f * (K1 + 1) / (f + norm)))
        for word, f in occurrences.items()
        if f >= MIN_OCCURRENCES
    )
