"""Full-text search on PostgreSQL, answering the same queries as SQLite's FTS5 the same way.

`article_search` holds one `tsvector` per article (GIN-indexed), written in the same transaction
as the article. Its words are those SQLite's `unicode61` tokenizer makes of the folded text
(`fold`: `Hoài Đức` and `hoai duc` alike), so both engines find the same articles; each column
carries its own weight (title A, sapo B, captions C, body D) for column filters, and columns
are a position apart so a phrase never runs from one into the next.

Queries are read as on SQLite (`query.parse_query`) and written out as a `tsquery`; matches
are ranked as on SQLite (`ranking`), from the same weights. Matches are marked in Python, in the
folded text, and shown in the original by `search.snippet`, as on SQLite.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from newsarchive.derived.fold import MATCH_END, MATCH_START, fold
from newsarchive.derived.prepared import SEARCH_COLUMNS as COLUMNS
from newsarchive.derived.prepared import WORD, Texts

from . import ranking
from .filters import ALL_ARTICLES, ArticleFilter
from .models import ArticleRow
from .query import ALL_COLUMNS, Near, Phrase, Query, parse_query, phrases
from .reasons import SearchSyntaxError
from .search import SearchHit, captions_of, originals_of, snippet

WEIGHT = {"title": "A", "sapo": "B", "captions": "C", "body": "D"}
# What a tsvector can hold: positions up to 16383, 256 of them per word, words under 2 KiB.
MAX_POSITION = 16383
MAX_POSITIONS = 256
MAX_WORD_BYTES = 2046


def _words(folded: str) -> Iterator[re.Match[str]]:
    return WORD.finditer(folded)


# -- the index ----------------------------------------------------------------------------


def document(folded: Mapping[str, str]) -> str:
    """The tsvector (as text) of an article's columns, folded (`fold`): words, positions,
    weights."""
    positions: dict[str, list[str]] = defaultdict(list)
    position = 0
    for column in COLUMNS:
        weight = WEIGHT[column]
        for match in _words(folded[column]):
            word = match.group()
            position = min(position + 1, MAX_POSITION)
            taken = positions[word]
            if len(word.encode()) <= MAX_WORD_BYTES and len(taken) < MAX_POSITIONS:
                mark = f"{position}{weight}"
                if not taken or taken[-1] != mark:
                    taken.append(mark)
        position = min(position + 1, MAX_POSITION)  # a gap between columns
    return " ".join(f"'{word}':{','.join(marks)}" for word, marks in positions.items() if marks)


def index_articles(session: Session, indexed: Sequence[tuple[int, Texts]]) -> None:
    """(Re)index articles by id, with their searchable texts folded (`prepare.folded_texts`):
    their words replace whatever was indexed for them."""
    if not indexed:
        return
    session.execute(
        text(
            "INSERT INTO article_search (article_id, document) "
            "VALUES (:id, CAST(:document AS tsvector)) "
            "ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document"
        ),
        [
            {"id": article_id, "document": document(dict(zip(COLUMNS, texts, strict=True)))}
            for article_id, texts in indexed
        ],
    )


# -- queries ------------------------------------------------------------------------------


def tsquery(query: Query) -> str:
    """The query (`query.parse_query`) as PostgreSQL's tsquery text; a query matching nothing
    is never asked."""
    assert query is not None
    if isinstance(query, Phrase):
        return _tsphrase(query, query.columns)
    if isinstance(query, Near):
        return _near(query)
    left, right = tsquery(query.left), tsquery(query.right)
    if query.operator == "NOT":
        return f"({left} & !{right})"
    return f"({left} {'&' if query.operator == 'AND' else '|'} {right})"


def _tsphrase(phrase: Phrase, columns: frozenset[str]) -> str:
    weights = "" if columns == ALL_COLUMNS else "".join(sorted(WEIGHT[c] for c in columns))
    terms = [f"'{word}'" + (f":{weights}" if weights else "") for word in phrase.words]
    if phrase.prefix:
        terms[-1] = f"'{phrase.words[-1]}':*{weights}"
    return "(" + " <-> ".join(terms) + ")"


def _near(near: Near) -> str:
    """FTS5's NEAR of two phrases: one after the other, in either order, with at most
    `distance` words between them (tsquery's `<N>` counts from the end of the first)."""
    if len(near.phrases) != 2:
        raise SearchSyntaxError("NEAR(...) of more than two phrases is not supported on PostgreSQL")
    first, second = (_tsphrase(p, near.columns) for p in near.phrases)
    orders = ((first, second), (second, first))
    gaps = range(1, near.distance + 2)
    return "(" + " | ".join(f"({a} <{g}> {b})" for g in gaps for a, b in orders) + ")"


# -- searching ----------------------------------------------------------------------------


def search(
    session: Session, query: str, limit: int, chosen: ArticleFilter = ALL_ARTICLES
) -> list[SearchHit]:
    parsed = parse_query(query)
    if parsed is None:
        return []
    where, bounds = filter_sql(chosen)
    newest = text(_NEWEST.format(where=where))
    if chosen.categories is not None:
        newest = newest.bindparams(bindparam("categories", expanding=True))
    match = tsquery(parsed)

    def matching(ids: list[int]) -> set[int]:
        return set(session.execute(_MATCHING, {"ids": ids, "query": match}).scalars())

    def newest_matches(count: int, known: set[int]) -> list[int]:
        parameters = {"query": match, "count": count + len(known), **bounds}
        found = session.execute(newest, parameters).scalars()
        return [article_id for article_id in found if article_id not in known][:count]

    engine = ranking.Engine(
        ranking.listed_best(session, chosen),
        ranking.listed_weights(session),
        matching,
        newest_matches,
    )
    ranked = ranking.rank(engine, parsed, limit)
    read = {
        row.id: row
        for row in session.execute(_ARTICLES.where(ArticleRow.id.in_([i for i, _ in ranked])))
    }
    captions = captions_of(session, list(read))
    shown = phrases(parsed)
    hits = []
    for article_id, score in ranked:
        row = read[article_id]
        originals = originals_of(row, captions)
        marked = {name: highlight(originals[name], name, shown) for name in COLUMNS}
        hits.append(
            SearchHit(
                url=row.url,
                title=row.title,
                published_at=row.published_at,
                snippet=snippet(originals, marked),
                score=score,
            )
        )
    return hits


_ARTICLES = select(
    ArticleRow.id,
    ArticleRow.url,
    ArticleRow.title,
    ArticleRow.sapo,
    ArticleRow.body_text,
    ArticleRow.published_at,
)
_MATCHING = text(
    "SELECT article_id FROM article_search "
    "WHERE article_id = ANY(:ids) AND document @@ CAST(:query AS tsquery)"
)
# The newest `:count` matches' ids, among the chosen articles (`filter_sql`).
_NEWEST = (
    "SELECT s.article_id FROM article_search AS s JOIN article AS a ON a.id = s.article_id "
    "WHERE s.document @@ CAST(:query AS tsquery){where} ORDER BY s.article_id DESC LIMIT :count"
)


def count(session: Session, query: str, chosen: ArticleFilter = ALL_ARTICLES) -> int:
    """How many articles match `query` among those `chosen`."""
    parsed = parse_query(query)
    if parsed is None:
        return 0
    where, bounds = filter_sql(chosen)
    statement = text(
        "SELECT count(*) FROM article_search AS s JOIN article AS a ON a.id = s.article_id "
        f"WHERE s.document @@ CAST(:query AS tsquery){where}"
    )
    if chosen.categories is not None:
        statement = statement.bindparams(bindparam("categories", expanding=True))
    return int(session.execute(statement, {"query": tsquery(parsed), **bounds}).scalar_one())


def highlight(original: str, column: str, shown: Sequence[Phrase]) -> str:
    """The folded text of one column with every word of every occurrence of `shown` phrases
    marked, as FTS5's highlight() marks them. Occurrences are found by a pattern (in C), each
    from the next word on: they may overlap."""
    folded = fold(original)
    marked: dict[int, int] = {}  # start: end of each word marked
    for phrase in shown:
        if column not in phrase.columns:
            continue
        found = ranking.phrase_pattern(phrase.words, phrase.prefix)
        at = 0
        while (occurrence := found.search(folded, at)) is not None:
            words = WORD.finditer(folded, occurrence.start())
            for _, word in zip(phrase.words, words, strict=False):
                marked[word.start()] = word.end()
            at = occurrence.start() + 1
    pieces: list[str] = []
    position = 0
    for start in sorted(marked):
        end = marked[start]
        pieces += [folded[position:start], MATCH_START, folded[start:end], MATCH_END]
        position = end
    pieces.append(folded[position:])
    return "".join(pieces)


def filter_sql(chosen: ArticleFilter) -> tuple[str, dict[str, object]]:
    """The filter as SQL conditions on `a` (the article) and their parameters."""
    where, bounds = "", dict[str, object]()
    if chosen.since_bound is not None:
        where += " AND a.published_at >= :since"
        bounds["since"] = chosen.since_bound
    if chosen.until_bound is not None:
        where += " AND a.published_at < :until"
        bounds["until"] = chosen.until_bound
    if chosen.categories is not None:
        where += " AND a.category IN :categories"
        bounds["categories"] = list(chosen.categories)
    return where, bounds
