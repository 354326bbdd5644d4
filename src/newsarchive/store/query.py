"""What a search query asks for, read the same way for both engines.

People type words, paste headlines, and now and then write search syntax on purpose. Every word
of the text is searched for, whatever punctuation surrounds it (`Hà Nội: xuất khẩu` is four
words, `Trưng-Tết` two words side by side); syntax counts only where it is written as such:
`"quoted phrases"`, `AND` / `OR` / `NOT` in capitals, parentheses, a `*` ending a word (a
prefix), `NEAR(a b, 5)`, and a column name with its colon (`title:`, `{title sapo}:`,
`-body:`). Syntax that is written but does not hold together (an unclosed quote, an operator
with nothing on one side) is a `SearchSyntaxError` saying what is wrong.

The query is parsed into phrases of folded words (`fold`) and operators, then written out for
the engine (`fts5` here, `search_pg.tsquery` for PostgreSQL): what reaches SQL is made from
those words alone, never the text as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsarchive.derived.fold import fold
from newsarchive.derived.prepared import SEARCH_COLUMNS as COLUMNS
from newsarchive.derived.prepared import WORD

from .reasons import SearchSyntaxError

ALL_COLUMNS = frozenset(COLUMNS)
# FTS5's default distance for NEAR: at most this many words between the phrases.
NEAR_DISTANCE = 10


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words in this order (the last one a prefix when `prefix`), in any of `columns`."""

    words: tuple[str, ...]
    prefix: bool = False
    columns: frozenset[str] = ALL_COLUMNS


@dataclass(frozen=True, slots=True)
class Near:
    """Phrases at most `distance` words apart, in any order, all in one of `columns`."""

    phrases: tuple[Phrase, ...]
    distance: int = NEAR_DISTANCE
    columns: frozenset[str] = ALL_COLUMNS


@dataclass(frozen=True, slots=True)
class Operation:
    operator: str  # AND, OR, NOT (FTS5's binary NOT: left and not right)
    left: Query
    right: Query


# None: a query that matches nothing (an empty phrase, as FTS5 reads `""`).
Query = Phrase | Near | Operation | None

_PRECEDENCE = {"OR": 1, "AND": 2, "NOT": 3}


@dataclass(frozen=True, slots=True)
class _Token:
    # phrase (words), string (a quoted phrase), keyword (AND/OR/NOT), near (`NEAR(`), columns
    # (a column filter), distance (NEAR's `, N`), `(`, `)`, end
    kind: str
    text: str = ""
    words: tuple[str, ...] = ()
    prefix: bool = False
    columns: frozenset[str] = ALL_COLUMNS


# A column filter, `title:` or `{title sapo}:`, `-` before it for every column but those.
_COLUMN_FILTER = re.compile(r"(-?)(?:([A-Za-z]+)|\{([A-Za-z\s]+)\})\s*:", re.ASCII)
_DISTANCE = re.compile(r",\s*(\d+)\s*\)")
_CHUNK_END = re.compile(r'[\s"()]')
_NEAR_CHUNK_END = re.compile(r'[\s"()]|,\s*\d+\s*\)')


def _words(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(fold(text)))


def _column_filter(query: str, at: int) -> tuple[frozenset[str], int] | None:
    """The columns a filter written at `at` names, and where the query goes on; None if there
    is none (`Nội:` is a word and a colon)."""
    found = _COLUMN_FILTER.match(query, at)
    if found is None:
        return None
    names = (found.group(2) or found.group(3)).lower().split()
    if not names or any(name not in ALL_COLUMNS for name in names):
        return None
    chosen = frozenset(names)
    return (ALL_COLUMNS - chosen if found.group(1) else chosen), found.end()


def _tokens(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    at = 0
    in_near = False  # `, N)` is NEAR's distance only there (elsewhere `1,5)` is two numbers)
    while at < len(query):
        char = query[at]
        if char.isspace():
            at += 1
        elif char in "()":
            tokens.append(_Token(char, char))
            in_near = in_near and char == "("
            at += 1
        elif char == '"':
            quoted, at = _quoted(query, at + 1)
            prefix = query.startswith("*", at)
            at += prefix
            tokens.append(_Token("string", quoted, _words(quoted), prefix))
        elif in_near and (distance := _DISTANCE.match(query, at)) is not None:
            tokens.append(_Token("distance", distance.group(1)))
            at = distance.end() - 1  # the `)` is a token of its own
        elif (columns := _column_filter(query, at)) is not None:
            tokens.append(_Token("columns", query[at : columns[1]], columns=columns[0]))
            at = columns[1]
        else:
            end = (_NEAR_CHUNK_END if in_near else _CHUNK_END).search(query, at)
            stop = len(query) if end is None else end.start()
            chunk = _chunk(query[at:stop], near=query.startswith("(", stop))
            in_near = in_near or any(token.kind == "near" for token in chunk)
            tokens += chunk
            at = stop
    tokens.append(_Token("end"))
    return tokens


def _chunk(text: str, *, near: bool) -> list[_Token]:
    """What a run of text between spaces, quotes and parentheses says: an operator, or words
    (none if it is punctuation alone), a prefix if it ends with `*`."""
    if text in _PRECEDENCE:
        return [_Token("keyword", text)]
    if text == "NEAR" and near:
        return [_Token("near", text)]
    words = _words(text)
    return [_Token("phrase", text, words, text.endswith("*"))] if words else []


def _quoted(query: str, at: int) -> tuple[str, int]:
    """The text of a quoted string starting at `at` (`""` inside is one quote) and where the
    query goes on after it."""
    parts: list[str] = []
    while True:
        end = query.find('"', at)
        if end < 0:
            raise SearchSyntaxError('unterminated string: a " is not closed')
        parts.append(query[at:end])
        if query.startswith('"', end + 1):
            parts.append('"')
            at = end + 2
        else:
            return "".join(parts), end + 1


def _syntax_error(token: _Token) -> SearchSyntaxError:
    if token.kind == "end":
        return SearchSyntaxError("syntax error: the query ends where more was expected")
    return SearchSyntaxError(f'syntax error near "{token.text}"')


@dataclass
class _Parser:
    """FTS5's grammar (fts5parse.y): OR below AND below NOT, all binary and left to right;
    phrases side by side are ANDed, more tightly than NOT; parentheses, NEAR groups and column
    filters."""

    tokens: list[_Token]
    at: int = 0

    @property
    def next(self) -> _Token:
        return self.tokens[self.at]

    def take(self, kind: str) -> _Token:
        token = self.next
        if token.kind != kind:
            if kind == ")" and token.kind == "end":
                raise SearchSyntaxError("syntax error: a ( is not closed")
            raise _syntax_error(token)
        self.at += 1
        return token

    def query(self) -> Query:
        if self.next.kind == "end":
            raise SearchSyntaxError("nothing to search for: the query has no words")
        parsed = self.expression(1)
        if self.next.kind != "end":
            raise _syntax_error(self.next)
        return parsed

    def expression(self, least: int) -> Query:
        left = self.operand()
        while self.next.kind == "keyword" and _PRECEDENCE[self.next.text] >= least:
            operator = self.take("keyword").text
            right = self.expression(_PRECEDENCE[operator] + 1)
            left = _combine(operator, left, right)
        return left

    def operand(self) -> Query:
        parsed = self.one()
        while self.next.kind in ("phrase", "string", "near", "columns", "("):  # side by side
            parsed = _combine("AND", parsed, self.one())
        return parsed

    def one(self) -> Query:
        token = self.next
        if token.kind == "(":
            self.at += 1
            inner = self.expression(1)
            self.take(")")
            return inner
        if token.kind == "columns":
            self.at += 1
            return _within(self.one(), token.columns)
        if token.kind == "near":
            return self.near()
        return self.phrase()

    def near(self) -> Query:
        self.take("near")
        self.take("(")
        phrases: list[Phrase | None] = []
        while self.next.kind in ("phrase", "string"):
            phrases.append(self.phrase())
        if not phrases:
            raise _syntax_error(self.next)
        distance = NEAR_DISTANCE
        if self.next.kind == "distance":
            distance = int(self.take("distance").text)
        self.take(")")
        kept = tuple(p for p in phrases if p is not None)
        if len(kept) < len(phrases):  # an empty phrase is never near anything
            return None
        return kept[0] if len(kept) == 1 else Near(kept, distance)

    def phrase(self) -> Phrase | None:
        token = self.next
        if token.kind not in ("phrase", "string"):
            raise _syntax_error(token)
        self.at += 1
        return Phrase(token.words, token.prefix) if token.words else None


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
    """The query with every phrase kept to `columns` (and to the columns it had); phrases left
    with no column to match in (`title:(body:x)`) match nothing."""
    if query is None:
        return None
    if isinstance(query, Phrase | Near):
        kept = query.columns & columns
        if not kept:
            return None
        if isinstance(query, Phrase):
            return Phrase(query.words, query.prefix, kept)
        return Near(query.phrases, query.distance, kept)
    return _combine(query.operator, _within(query.left, columns), _within(query.right, columns))


def parse_query(query: str) -> Query:
    """What `query` asks for, its words folded; SearchSyntaxError saying what is wrong with it
    (with the query) if its syntax does not hold together."""
    try:
        return _Parser(_tokens(query)).query()
    except SearchSyntaxError as exc:
        raise SearchSyntaxError(f"bad search query {query!r}: {exc}") from None


def phrases(query: Query) -> list[Phrase]:
    """The phrases whose matches show in a snippet (each with its columns): all but those after
    a NOT."""
    if query is None:
        return []
    if isinstance(query, Phrase):
        return [query]
    if isinstance(query, Near):
        return [Phrase(p.words, p.prefix, query.columns) for p in query.phrases]
    if query.operator == "NOT":
        return phrases(query.left)
    return phrases(query.left) + phrases(query.right)


def fts5(query: Query) -> str:
    """The query in FTS5's syntax, made of its folded words alone (each phrase quoted)."""
    assert query is not None
    if isinstance(query, Phrase):
        return _columns_prefix(query.columns) + _fts5_phrase(query)
    if isinstance(query, Near):
        inner = " ".join(_fts5_phrase(p) for p in query.phrases)
        return f"{_columns_prefix(query.columns)}NEAR({inner}, {query.distance})"
    return f"({fts5(query.left)} {query.operator} {fts5(query.right)})"


def _fts5_phrase(phrase: Phrase) -> str:
    return '"' + " ".join(phrase.words) + '"' + ("*" if phrase.prefix else "")


def _columns_prefix(columns: frozenset[str]) -> str:
    if columns == ALL_COLUMNS:
        return ""
    return "{" + " ".join(c for c in COLUMNS if c in columns) + "} : "
