"""Full-text search over articles with SQLite FTS5, insensitive to Vietnamese diacritics.

`article_fts` holds a folded copy (see `fold`) of each article's title, sapo, body and captions,
rowid = article id, written in the same transaction as the article. Queries are folded the same
way. Matches are marked by FTS5 in the folded text and shown in the original text: folding keeps
every character in its place.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, TextClause, bindparam, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from newsarchive.derived.fold import MATCH_END, MATCH_START
from newsarchive.derived.prepared import SEARCH_COLUMNS as COLUMNS
from newsarchive.derived.prepared import Texts

from . import ranking
from .filters import ALL_ARTICLES, ArticleFilter, chosen_id_sets
from .models import ArticleCaptionRow
from .query import fts5, parse_query
from .reasons import StoreError, one_line

# Which column the snippet prefers when several match equally often.
SNIPPET_PREFERENCE = ("body", "sapo", "captions", "title")
SNIPPET_WORDS = 30
WORDS_BEFORE_MATCH = 10
MARK_START, MARK_END = "[", "]"

_MARKERS = re.compile(f"([{MATCH_START}{MATCH_END}])")


@dataclass(frozen=True, slots=True)
class SearchHit:
    url: str
    title: str
    published_at: str | None
    snippet: str  # original text around the first match, matches in [brackets]
    score: float  # higher is better (`ranking`)


def index_articles(connection: Connection, indexed: Sequence[tuple[int, Texts]]) -> None:
    """(Re)index articles by id, with their searchable texts folded (`prepare.folded_texts`):
    these replace whatever was indexed for them. One statement for all of them: statements, not
    rows, are what cost on this path."""
    if not indexed:
        return
    connection.execute(_UNINDEX, {"ids": [article_id for article_id, _ in indexed]})
    # At the driver: SQLAlchemy's handling of each row's parameters cost more than the insert.
    connection.exec_driver_sql(_INDEX, [(article_id, *texts) for article_id, texts in indexed])


_UNINDEX = text("DELETE FROM article_fts WHERE rowid IN :ids").bindparams(
    bindparam("ids", expanding=True)
)
_INDEX = f"INSERT INTO article_fts (rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?)"


def search(
    session: Session, query: str, limit: int, chosen: ArticleFilter = ALL_ARTICLES
) -> list[SearchHit]:
    parsed = parse_query(query)
    if parsed is None:
        return []
    match = fts5(parsed)
    id_sets, bounds = chosen_id_sets(chosen)
    newest = _newest(id_sets, expand_categories="categories" in bounds)

    def matching(ids: list[int]) -> set[int]:
        folded = session.execute(_FOLDED, {"ids": ids}).all()
        return {
            row[0]
            for row in folded
            if ranking.matches(parsed, dict(zip(COLUMNS, row[1:], strict=True)))
        }

    def newest_matches(count: int, known: set[int]) -> list[int]:
        found = session.execute(newest, {"query": match, "count": count + len(known), **bounds})
        return [article_id for article_id in found.scalars() if article_id not in known][:count]

    engine = ranking.Engine(
        ranking.listed_best(session, chosen),
        ranking.listed_weights(session),
        matching,
        newest_matches,
    )
    try:
        rank = dict(ranking.rank(engine, parsed, limit))
        found = session.execute(
            _SHOWN,
            {"query": match, "start": MATCH_START, "end": MATCH_END, "ids": list(rank)},
        ).all()
    except OperationalError as exc:
        raise StoreError(f"search failed: {one_line(exc.orig)}") from exc
    place = {article_id: at for at, article_id in enumerate(rank)}  # best first
    rows = sorted(found, key=lambda row: place[row.id])
    captions = captions_of(session, [row.id for row in rows])
    hits = []
    for row in rows:
        originals = originals_of(row, captions)
        marked = {name: getattr(row, f"marked_{name}") or "" for name in COLUMNS}
        hits.append(
            SearchHit(
                url=row.url,
                title=row.title,
                published_at=row.published_at,
                snippet=snippet(originals, marked),
                score=rank[row.id],
            )
        )
    return hits


# Articles' folded texts, from the index's own copy of them (FTS5's content table, a column for
# each indexed column, in order): read through the virtual table they cost three times as much.
_FOLDED = text("SELECT id, c0, c1, c2, c3 FROM article_fts_content WHERE id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


def count(session: Session, query: str, chosen: ArticleFilter = ALL_ARTICLES) -> int:
    """How many articles match `query` among those `chosen`."""
    parsed = parse_query(query)
    if parsed is None:
        return 0
    id_sets, bounds = chosen_id_sets(chosen)
    counted = _counted(id_sets, expand_categories="categories" in bounds)
    try:
        return int(session.execute(counted, {"query": fts5(parsed), **bounds}).scalar_one())
    except OperationalError as exc:
        raise StoreError(f"search failed: {one_line(exc.orig)}") from exc


# Rank first, then mark up only the rows shown: highlight() over every match before the LIMIT
# cost three times as much on a large archive (bench/results.md, search).
_SHOWN = text(
    "SELECT a.id, a.url, a.title, a.sapo, a.body_text, a.published_at, "
    + ", ".join(
        f"highlight(article_fts, {i}, :start, :end) AS marked_{name}"
        for i, name in enumerate(COLUMNS)
    )
    + " FROM article_fts JOIN article AS a ON a.id = article_fts.rowid "
    "WHERE article_fts MATCH :query AND article_fts.rowid IN :ids"
).bindparams(bindparam("ids", expanding=True))


@cache
def _newest(id_sets: tuple[str, ...], *, expand_categories: bool) -> TextClause:
    """The newest `:count` matches' ids, among the articles in all `id_sets` (queries): FTS5
    reads its index backwards and stops there. Built once per shape of filter: text() parses
    its SQL for parameters each time it is made."""
    return _among(
        "SELECT article_fts.rowid FROM article_fts WHERE article_fts MATCH :query{within} "
        "ORDER BY article_fts.rowid DESC LIMIT :count",
        id_sets,
        expand_categories=expand_categories,
    )


@cache
def _counted(id_sets: tuple[str, ...], *, expand_categories: bool) -> TextClause:
    """How many match, among the articles in all `id_sets`."""
    return _among(
        "SELECT count(*) FROM article_fts WHERE article_fts MATCH :query{within}",
        id_sets,
        expand_categories=expand_categories,
    )


def _among(sql: str, id_sets: tuple[str, ...], *, expand_categories: bool) -> TextClause:
    # Each set is gathered once, from an index, and each match looked up in it: joining
    # `article` instead read every matching row (kilobytes of text each) for its date and
    # category. The `+` keeps FTS5 from being offered the set as rowids to look up: it would
    # run the whole MATCH again for every id in it.
    within = "".join(f" AND +article_fts.rowid IN ({ids})" for ids in id_sets)
    statement = text(sql.format(within=within))
    if expand_categories:
        statement = statement.bindparams(bindparam("categories", expanding=True))
    return statement


_CAPTIONS = (
    select(ArticleCaptionRow.article_id, ArticleCaptionRow.text)
    .where(ArticleCaptionRow.article_id.in_(bindparam("ids", expanding=True)))
    .order_by(ArticleCaptionRow.article_id, ArticleCaptionRow.position)
)


def captions_of(session: Session, article_ids: list[int]) -> dict[int, list[str]]:
    """The captions of the articles shown, in order: the fourth searched column."""
    captions: dict[int, list[str]] = defaultdict(list)
    for article_id, caption in session.execute(_CAPTIONS, {"ids": article_ids}):
        captions[article_id].append(caption)
    return captions


def originals_of(row: Any, captions: dict[int, list[str]]) -> dict[str, str]:
    """A shown article's searched columns as stored, for its snippet."""
    return {
        "title": row.title,
        "sapo": row.sapo or "",
        "body": row.body_text,
        "captions": "\n".join(captions[row.id]),
    }


def snippet(originals: dict[str, str], marked: dict[str, str]) -> str:
    """About SNIPPET_WORDS words of original text around the first match of the column that
    matched most, matches marked."""
    found = {name: _matches(marked[name]) for name in COLUMNS}
    name = max(SNIPPET_PREFERENCE, key=lambda n: (len(found[n][1]), -SNIPPET_PREFERENCE.index(n)))
    folded, spans = found[name]
    original = unicodedata.normalize("NFC", originals[name])
    # The index holds the folding of the stored text, so lengths agree; if they ever do not
    # (text stored before a change of folding), the folded text is still a faithful snippet.
    shown = original if len(original) == len(folded) else folded
    if not spans:
        shown = originals["sapo"] or originals["body"] or originals["title"]
    return _cut(shown, spans)


def _matches(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """The folded text without markers, and the marked spans in it (touching ones merged)."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    start = length = 0
    for piece in _MARKERS.split(marked):  # by runs of text, not character by character
        if piece == MATCH_START:
            start = length
        elif piece == MATCH_END:
            spans.append((start, length))
        else:
            plain.append(piece)
            length += len(piece)
    folded = "".join(plain)
    merged: list[tuple[int, int]] = []
    for begin, end in spans:
        if merged and not folded[merged[-1][1] : begin].strip():
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((begin, end))
    return folded, merged


def _cut(shown: str, spans: list[tuple[int, int]]) -> str:
    words = [match.span() for match in re.finditer(r"\S+", shown)]
    if not words:
        return ""
    first = spans[0][0] if spans else 0
    at = next((i for i, (_, end) in enumerate(words) if end > first), 0)
    lo = max(0, at - WORDS_BEFORE_MATCH)
    hi = min(len(words), lo + SNIPPET_WORDS)
    begin, end = words[lo][0], words[hi - 1][1]
    pieces: list[str] = []
    position = begin
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, begin), min(span_end, end)
        if span_start >= span_end:
            continue
        pieces += [shown[position:span_start], MARK_START, shown[span_start:span_end], MARK_END]
        position = span_end
    pieces.append(shown[position:end])
    cut = " ".join("".join(pieces).split())
    return ("… " if lo > 0 else "") + cut + (" …" if hi < len(words) else "")
