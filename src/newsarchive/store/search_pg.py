"""Full-text search on PostgreSQL, answering the same queries as SQLite's FTS5 the same way.

`article_search` holds one `tsvector` per article (GIN-indexed), written in the same transaction
as the article. Its words are those SQLite's `unicode61` tokenizer makes of the folded text
(`fold`: `Hoài Đức` and `hoai duc` alike), so both engines find the same articles; each column
carries its own weight (title A, sapo B, captions C, body D) for `ts_rank` and for column
filters, and columns are a position apart so a phrase never runs from one into the next.

Queries keep FTS5's syntax (CLI.md): they are parsed here (`parse_query`) into a `tsquery`.
Matches are marked in Python, in the folded text, and shown in the original by `search.snippet`,
as on SQLite.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from newsarchive.fold import MATCH_END, MATCH_START, fold
from newsarchive.prepare import SEARCH_COLUMNS as COLUMNS
from newsarchive.prepare import Texts

from .errors import SearchSyntaxError
from .filters import ALL_ARTICLES, ArticleFilter
from .models import ArticleRow
from .search import SearchHit, captions_of, originals_of, snippet

# FTS5's unicode61 tokenizer: a word is a run of letters and digits; the rest separates.
WORD = re.compile(r"[^\W_]+")
WEIGHT = {"title": "A", "sapo": "B", "captions": "C", "body": "D"}
# ts_rank's weights for D, C, B, A: the proportions of bm25's weights on SQLite (search.WEIGHTS).
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
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


# -- queries: FTS5's syntax ---------------------------------------------------------------

ALL_COLUMNS = frozenset(COLUMNS)


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words in this order (the last one a prefix when `prefix`), in any of `columns`."""

    words: tuple[str, ...]
    prefix: bool
    columns: frozenset[str] = ALL_COLUMNS


@dataclass(frozen=True, slots=True)
class Operation:
    operator: str  # AND, OR, NOT (FTS5's binary NOT: left and not right)
    left: Query
    right: Query


# None: a query that matches nothing (an empty phrase, as FTS5 reads `""`).
Query = Phrase | Operation | None

_PRECEDENCE = {"OR": 1, "AND": 2, "NOT": 3}
_PUNCTUATION = "(){}:,+*-^"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # word (a bareword), string (quoted), keyword (AND/OR/NOT), a punctuation mark, end
    text: str


def _is_bareword(char: str) -> bool:
    return ord(char) >= 0x80 or (char.isascii() and (char.isalnum() or char in "_\x1a"))


def _tokens(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    at = 0
    while at < len(query):
        char = query[at]
        if char in " \t\n\r\v\f":
            at += 1
        elif char in _PUNCTUATION:
            tokens.append(_Token(char, char))
            at += 1
        elif char == '"':
            quoted, at = _quoted(query, at + 1)
            tokens.append(_Token("string", quoted))
        elif _is_bareword(char):
            end = at
            while end < len(query) and _is_bareword(query[end]):
                end += 1
            word = query[at:end]
            tokens.append(_Token("keyword" if word in _PRECEDENCE else "word", word))
            at = end
        else:
            raise _syntax_error(char)
    tokens.append(_Token("end", ""))
    return tokens


def _quoted(query: str, at: int) -> tuple[str, int]:
    """The text of a quoted string starting at `at` (`""` inside is one quote) and where the
    query goes on after it."""
    parts: list[str] = []
    while True:
        end = query.find('"', at)
        if end < 0:
            raise SearchSyntaxError("unterminated string")
        parts.append(query[at:end])
        if query.startswith('"', end + 1):
            parts.append('"')
            at = end + 2
        else:
            return "".join(parts), end + 1


def _syntax_error(near: str) -> SearchSyntaxError:
    return SearchSyntaxError(f'syntax error near "{near}"')


@dataclass
class _Parser:
    """FTS5's grammar (fts5parse.y): OR below AND below NOT, all binary and left to right;
    phrases side by side are ANDed, more tightly than NOT; parentheses and column filters."""

    tokens: list[_Token]
    at: int = 0
    unsupported: list[str] = field(default_factory=list)

    @property
    def next(self) -> _Token:
        return self.tokens[self.at]

    def take(self, kind: str) -> _Token:
        token = self.next
        if token.kind != kind:
            raise _syntax_error(token.text)
        self.at += 1
        return token

    def query(self) -> Query:
        parsed = self.expression(1)
        if self.next.kind != "end":
            raise _syntax_error(self.next.text)
        return parsed

    def expression(self, least: int) -> Query:
        left = self.operand()
        while self.next.kind == "keyword" and _PRECEDENCE[self.next.text] >= least:
            operator = self.take("keyword").text
            right = self.expression(_PRECEDENCE[operator] + 1)
            left = _combine(operator, left, right)
        return left

    def operand(self) -> Query:
        if self.next.kind == "(":
            self.at += 1
            inner = self.expression(1)
            self.take(")")
            return inner
        columns = self.column_filter()
        if columns is not None and self.next.kind == "(":
            self.at += 1
            inner = self.expression(1)
            self.take(")")
            return _within(inner, columns)
        parsed = self.near_set(columns)
        while self.starts_phrase_set():  # side by side: AND
            parsed = _combine("AND", parsed, self.near_set(self.column_filter()))
        return parsed

    def starts_phrase_set(self) -> bool:
        return self.next.kind in ("word", "string", "-", "{", "^")

    def column_filter(self) -> frozenset[str] | None:
        """`title:`, `{title sapo}:`, `-body:`: the columns the next phrases may match in."""
        negated = self.next.kind == "-"
        following = self.tokens[self.at + 1] if negated else self.next
        names: list[str]
        if following.kind == "{":
            self.at += 2 if negated else 1
            names = []
            while self.next.kind in ("word", "string"):
                names.append(self.take(self.next.kind).text)
            self.take("}")
        elif following.kind in ("word", "string") and (
            negated or self.tokens[self.at + 1].kind == ":"
        ):
            self.at += 2 if negated else 1
            names = [following.text]
        else:
            return None
        self.take(":")
        chosen = set()
        for name in names:
            column = name.lower()
            if column not in COLUMNS:
                raise SearchSyntaxError(f"no such column: {name}")
            chosen.add(column)
        return frozenset(set(COLUMNS) - chosen if negated else chosen)

    def near_set(self, columns: frozenset[str] | None) -> Query:
        if self.next.kind == "^":
            raise SearchSyntaxError("^ (a column's first word) is not supported on PostgreSQL")
        token = self.next
        if token.kind == "word" and token.text == "NEAR" and self.tokens[self.at + 1].kind == "(":
            raise SearchSyntaxError("NEAR(...) is not supported on PostgreSQL")
        parsed = self.phrase()
        return parsed if columns is None else _within(parsed, columns)

    def phrase(self) -> Query:
        words: list[str] = []
        while True:
            token = self.next
            if token.kind not in ("word", "string"):
                raise _syntax_error(token.text)
            self.at += 1
            words += [m.group() for m in _words(fold(token.text))]
            prefix = self.next.kind == "*"
            if prefix:
                self.at += 1
            if self.next.kind != "+":
                break
            self.at += 1
        return Phrase(tuple(words), prefix) if words else None


def _combine(operator: str, left: Query, right: Query) -> Query:
    """`operator` over two queries, where None (matching nothing) simplifies away."""
    if operator == "AND":
        return None if left is None or right is None else Operation("AND", left, right)
    if operator == "OR":
        if left is None or right is None:
            return left if right is None else right
        return Operation("OR", left, right)
    if left is None or right is None:  # NOT
        return left
    return Operation("NOT", left, right)


def _within(query: Query, columns: frozenset[str]) -> Query:
    """The query with every phrase kept to `columns` (and to the columns it had)."""
    if query is None:
        return None
    if isinstance(query, Phrase):
        return Phrase(query.words, query.prefix, query.columns & columns)
    return Operation(query.operator, _within(query.left, columns), _within(query.right, columns))


def parse_query(query: str) -> Query:
    """The query in FTS5's syntax, folded; SearchSyntaxError saying what is wrong with it."""
    return _Parser(_tokens(query)).query()


def tsquery(query: Query) -> str:
    """The query as PostgreSQL's tsquery text; phrases with no column left are dropped first
    (`_without_empty_columns`), and a query matching nothing is never asked."""
    assert query is not None
    if isinstance(query, Phrase):
        assert query.columns
        weights = (
            ""
            if query.columns == ALL_COLUMNS
            else "".join(sorted(WEIGHT[c] for c in query.columns))
        )
        terms = [f"'{word}'" + (f":{weights}" if weights else "") for word in query.words]
        if query.prefix:
            terms[-1] = f"'{query.words[-1]}':*{weights}"
        return "(" + " <-> ".join(terms) + ")"
    left, right = tsquery(query.left), tsquery(query.right)
    if query.operator == "NOT":
        return f"({left} & !{right})"
    return f"({left} {'&' if query.operator == 'AND' else '|'} {right})"


def phrases(query: Query) -> list[Phrase]:
    """The phrases whose matches show in a snippet: all but those after a NOT."""
    if query is None:
        return []
    if isinstance(query, Phrase):
        return [query] if query.columns else []
    if query.operator == "NOT":
        return phrases(query.left)
    return phrases(query.left) + phrases(query.right)


# -- searching ----------------------------------------------------------------------------


def search(
    session: Session, query: str, limit: int, chosen: ArticleFilter = ALL_ARTICLES
) -> list[SearchHit]:
    if not query.strip():
        raise SearchSyntaxError("empty search query")
    try:
        parsed = parse_query(query)
    except SearchSyntaxError as exc:
        raise SearchSyntaxError(f"bad search query {query!r}: {exc}") from None
    parsed = _without_empty_columns(parsed)
    if parsed is None:
        return []
    where, bounds = filter_sql(chosen)
    statement = text(_ranked_with_filter(where) if where else _RANKED)
    if chosen.categories is not None:
        statement = statement.bindparams(bindparam("categories", expanding=True))
    parameters = {"query": tsquery(parsed), "weights": RANK_WEIGHTS, "limit": limit, **bounds}
    rank = {row.id: float(row.rank) for row in session.execute(statement, parameters)}
    place = {article_id: at for at, article_id in enumerate(rank)}  # best first
    rows = sorted(
        session.execute(
            select(
                ArticleRow.id,
                ArticleRow.url,
                ArticleRow.title,
                ArticleRow.sapo,
                ArticleRow.body_text,
                ArticleRow.published_at,
            ).where(ArticleRow.id.in_(list(rank)))
        ).all(),
        key=lambda row: place[row.id],
    )
    captions = captions_of(session, [row.id for row in rows])
    shown = phrases(parsed)
    hits = []
    for row in rows:
        originals = originals_of(row, captions)
        marked = {name: highlight(originals[name], name, shown) for name in COLUMNS}
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


# The best matches, ranked; the articles shown are read after, only they. Reading a tsvector
# costs far more than PostgreSQL's planner reckons, so the query's shape decides how many are
# read: without a filter every match (the GIN index cannot rank), with one only the articles it
# keeps (OFFSET 0 keeps the lateral subquery a probe by id per article, not a scan of all).
_RANK = "ts_rank(CAST(:weights AS real[]), s.document, CAST(:query AS tsquery))"
_RANKED = (
    f"SELECT s.article_id AS id, {_RANK} AS rank FROM article_search AS s "
    "WHERE s.document @@ CAST(:query AS tsquery) ORDER BY rank DESC, s.article_id LIMIT :limit"
)


def _ranked_with_filter(where: str) -> str:
    return (
        "SELECT a.id, r.rank FROM article AS a CROSS JOIN LATERAL ("
        f"SELECT {_RANK} AS rank FROM article_search AS s WHERE s.article_id = a.id "
        f"AND s.document @@ CAST(:query AS tsquery) OFFSET 0) AS r WHERE TRUE{where} "
        "ORDER BY r.rank DESC, a.id LIMIT :limit"
    )


def _without_empty_columns(query: Query) -> Query:
    """Phrases left with no column to match in (`title:(body:x)`) match nothing."""
    if query is None or isinstance(query, Phrase):
        return query if query is None or query.columns else None
    return _combine(
        query.operator, _without_empty_columns(query.left), _without_empty_columns(query.right)
    )


def highlight(original: str, column: str, shown: Sequence[Phrase]) -> str:
    """The folded text of one column with every occurrence of `shown` phrases marked, as
    FTS5's highlight() marks them."""
    folded = fold(original)
    words = list(_words(folded))
    marked = [False] * len(words)
    for phrase in shown:
        if column not in phrase.columns:
            continue
        size = len(phrase.words)
        for start in range(len(words) - size + 1):
            if all(
                _same(words[start + i].group(), word, last=phrase.prefix and i == size - 1)
                for i, word in enumerate(phrase.words)
            ):
                marked[start : start + size] = [True] * size
    pieces: list[str] = []
    position = 0
    for match, hit in zip(words, marked, strict=True):
        if hit:
            pieces += [folded[position : match.start()], MATCH_START, match.group(), MATCH_END]
            position = match.end()
    pieces.append(folded[position:])
    return "".join(pieces)


def _same(found: str, wanted: str, *, last: bool) -> bool:
    return found.startswith(wanted) if last else found == wanted


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
