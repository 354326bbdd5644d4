"""How matches are ranked, the same way on SQLite and PostgreSQL, without reading every match.

Ranking every match reads every match: FTS5's bm25 about 1 µs an article, PostgreSQL's ts_rank
some 8 µs, so a word in most articles ("Hà Nội") cost 100 ms and more over 100,000 articles and
ten times that over the whole site. Instead each article's weight for each of its words is worked
out once, when it is read (`prepare.word_weights`), and kept sorted (`article_search_impact`):
bm25's weight of a word
in an article, its occurrences counted as FTS5's bm25 counts them (title 10, sapo 4, body 1,
captions 2) and saturated against the article's length. A search reads, for each of its words,
the `DEPTH` articles where that word weighs most; adds up an article's weights for the query's
words (its score), looked up only while it could still be among the best (its weights seen, plus
for each other word that list's last weight: the threshold algorithm's bound); and checks those
against the whole query (phrases, NOT, columns), reading deeper only while too few matched. The
best matches of one or two words come out as a full ranking puts them; with several common words
an article in no list could in theory score more (bench/results.md counts, per search, how many
of the best ten FTS5's bm25 over every match agrees with).

What bm25 weighs with the archive's statistics is fixed instead: the length an article is
compared with is `prepare.TYPICAL_WORDS`, not the archive's average, and a word counts the same
whether rare or common (within a search, its words are in every match anyway; among OR'd words
a rare one no longer outweighs a common one). A word occurring less than
`prepare.MIN_OCCURRENCES` times (weighted: once in the title is ten) is not listed: it weighs
nothing, and articles that match with only such words come after the others, newest first.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import product

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.orm import Session

from newsarchive.derived.prepared import SCALE, WORD, Texts, Weights, word_weights

from .filters import ArticleFilter, chosen_id_sets
from .query import Near, Phrase, Query, phrases

DEPTH = 400  # entries read at first from each word's list; doubled while too few matched
MAX_DEPTH = 1_600


# -- writing --------------------------------------------------------------------------------

_UNLIST = text("DELETE FROM article_search_impact WHERE article_id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


def list_articles(
    connection: Connection,
    indexed: Sequence[tuple[int, Texts]],
    weights: Sequence[Weights] | None = None,
) -> None:
    """(Re)list articles' word weights, by id: `weights` in `indexed`'s order where the caller
    worked them out (`prepare`), else from their folded texts."""
    connection.execute(_UNLIST, {"ids": [article_id for article_id, _ in indexed]})
    if weights is None:
        weights = [word_weights(texts) for _, texts in indexed]
    rows = [
        (word, impact, article_id)
        for (article_id, _), listed in zip(indexed, weights, strict=True)
        for word, impact in listed
    ]
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        # Some 170 rows an article: as three arrays, one statement and one round trip, where
        # a row at a time (even pipelined) made this most of a PostgreSQL write.
        words, impacts, ids = zip(*rows, strict=True)
        connection.execute(_LIST_PG, {"words": list(words), "impacts": list(impacts),
                                      "ids": list(ids)})  # fmt: skip
    else:
        connection.exec_driver_sql(
            "INSERT INTO article_search_impact (word, impact, article_id) VALUES (?, ?, ?)", rows
        )


_LIST_PG = text(
    "INSERT INTO article_search_impact (word, impact, article_id) "
    "SELECT * FROM unnest(CAST(:words AS text[]), CAST(:impacts AS integer[]), "
    "CAST(:ids AS integer[]))"
)


# -- reading --------------------------------------------------------------------------------


def query_words(query: Query) -> list[str]:
    """The words a query's score adds up: those of its phrases not after a NOT, but a prefix."""
    found: dict[str, None] = {}
    for phrase in phrases(query):
        listed = phrase.words[:-1] if phrase.prefix else phrase.words
        found.update(dict.fromkeys(listed))
    return list(found)


Best = Callable[[list[str], int], dict[str, list[tuple[int, int]]]]
Lookup = Callable[[list[int], list[str]], list[tuple[int, str, int]]]


def listed_best(session: Session, chosen: ArticleFilter) -> Best:
    """`Engine.best` on either engine: each word's list read from its best entry down, the
    chosen articles' alone (`filters.chosen_id_sets`: each set gathered once from an index,
    each entry looked up in it; on SQLite an entry's article row would be read past its body
    text); all the words in one statement, one round trip."""
    id_sets, bounds = chosen_id_sets(chosen)
    within = "".join(f" AND i.article_id IN ({ids})" for ids in id_sets)

    def best(words: list[str], depth: int) -> dict[str, list[tuple[int, int]]]:
        lists: dict[str, list[tuple[int, int]]] = {word: [] for word in words}
        if not words:
            return lists
        statement = text(
            " UNION ALL ".join(
                f"SELECT * FROM (SELECT i.word, i.article_id, i.impact "
                f"FROM article_search_impact AS i WHERE i.word = :word{n}{within} "
                "ORDER BY i.impact DESC, i.article_id DESC LIMIT :depth) AS list"
                f"{n}"
                for n in range(len(words))
            )
        )
        if chosen.categories is not None:
            statement = statement.bindparams(bindparam("categories", expanding=True))
        named = {f"word{n}": word for n, word in enumerate(words)}
        for word, article_id, impact in session.execute(
            statement, {**named, "depth": depth, **bounds}
        ).all():
            lists[word].append((article_id, impact))
        return lists

    return best


_WEIGHTS = text(
    "SELECT article_id, word, impact FROM article_search_impact "
    "WHERE article_id IN :ids AND word IN :words"
).bindparams(bindparam("ids", expanding=True), bindparam("words", expanding=True))
# PostgreSQL plans a list of hundreds of values for each statement: an array is one value.
_WEIGHTS_PG = text(
    "SELECT article_id, word, impact FROM article_search_impact "
    "WHERE article_id = ANY(:ids) AND word = ANY(:words)"
)


def listed_weights(session: Session) -> Lookup:
    """`Engine.weights` on either engine."""
    statement = _WEIGHTS_PG if session.get_bind().dialect.name == "postgresql" else _WEIGHTS

    def weights(ids: list[int], words: list[str]) -> list[tuple[int, str, int]]:
        if not ids:
            return []
        found = session.execute(statement, {"ids": ids, "words": words}).all()
        return [(article_id, word, impact) for article_id, word, impact in found]

    return weights


@dataclass(frozen=True, slots=True)
class Engine:
    """What ranking asks of an engine: the best-listed articles for words among the chosen
    (`best(words, depth)`: by word, ids and weights, best first, newest first among equals);
    the listed weights of some articles for some words; which of some articles match the whole query
    (all are among the chosen); the newest matches of the query among the chosen, not those
    given."""

    best: Best
    weights: Lookup
    matching: Callable[[list[int]], set[int]]
    newest: Callable[[int, set[int]], list[int]]


def rank(engine: Engine, query: Query, limit: int) -> list[tuple[int, float]]:
    """The best `limit` matches of `query` (ids, scores), best first, equal scores newest
    first."""
    listed = query_words(query)
    # About as many entries in all whatever the number of words: more words, shorter reads.
    depth = max(4 * limit, 2 * DEPTH // max(2, len(listed)))
    exact: dict[int, int] = {}  # articles' scores (sums of weights), once looked up
    checked: dict[int, bool] = {}  # whether articles match the whole query, once read
    while True:
        lists = engine.best(listed, depth)
        # What an article not seen in a list may weigh for its word at most: the list's last
        # entry, or nothing if the list was read to its end.
        floor = {w: entries[-1][1] if len(entries) == depth else 0 for w, entries in lists.items()}
        found = _best_seen(engine, query, lists, floor, exact, checked, limit)
        # Read on while fewer than `limit` matched; with enough, the best of what was read is
        # taken even where an article not read could in theory weigh more (several common
        # words: their floors add up to more than any article weighs).
        if len(found) >= limit or not any(floor.values()) or depth >= MAX_DEPTH:
            break
        depth *= 2
    best = [(article_id, score / SCALE) for score, article_id in found[:limit]]
    if len(best) < limit:
        # The matches that weigh nothing listed (or were not reached in time), newest first.
        known = {article_id for article_id, _ in best} | set(checked)
        best += [(article_id, 0.0) for article_id in engine.newest(limit - len(best), known)]
    return best


def _best_seen(
    engine: Engine,
    query: Query,
    lists: Mapping[str, list[tuple[int, int]]],
    floor: Mapping[str, int],
    exact: dict[int, int],
    checked: dict[int, bool],
    limit: int,
) -> list[tuple[int, int]]:
    """The best matches among the articles seen in the lists, (score, id), best first: each
    article's score is looked up, and its words read, only while it could still be among the
    best `limit` (its weights seen plus, for the words it was not seen with, their floors)."""
    seen: dict[int, dict[str, int]] = defaultdict(dict)
    for word, entries in lists.items():
        for article_id, impact in entries:
            seen[article_id][word] = impact
    upper = {
        article_id: exact[article_id]
        if article_id in exact
        else sum(weights.values()) + sum(f for w, f in floor.items() if w not in weights)
        for article_id, weights in seen.items()
    }
    order = sorted(upper, key=lambda article_id: (-upper[article_id], -article_id))
    found: list[tuple[int, int]] = []
    at, size = 0, max(limit, 20) * max(1, len(lists) - 1)  # more words, more close calls
    while at < len(order):
        least = found[limit - 1][0] if len(found) >= limit else -1
        if least >= upper[order[at]]:
            break
        batch = order[at : at + size]
        at += len(batch)
        size *= 2  # where few match the whole query, fewer round trips
        unknown = [article_id for article_id in batch if article_id not in exact]
        for article_id in unknown:
            exact[article_id] = 0
        for article_id, _, impact in engine.weights(unknown, list(lists)):
            exact[article_id] += impact
        hopeful = [a for a in batch if exact[a] >= least and a not in checked]
        if hopeful:
            matching = engine.matching(hopeful)
            checked.update((article_id, article_id in matching) for article_id in hopeful)
        found += [(exact[a], a) for a in batch if checked.get(a)]
        found.sort(key=lambda pair: (-pair[0], -pair[1]))
    return found


# -- matching an article's words ------------------------------------------------------------


def matches(query: Query, texts: Mapping[str, str]) -> bool:
    """Whether an article's folded texts (by column) match the query, as FTS5 would match
    them: phrases are sought in the text as it is (`phrase_pattern`), words only split for NEAR.
    (`Engine.matching` on SQLite: FTS5 looks up a set of rowids by running the whole query
    again for each.)"""
    if query is None:
        return False
    if isinstance(query, Phrase):
        found = phrase_pattern(query.words, query.prefix)
        return any(found.search(texts[column]) is not None for column in query.columns)
    if isinstance(query, Near):
        return any(_near(query, WORD.findall(texts[column])) for column in query.columns)
    left = matches(query.left, texts)
    if query.operator == "AND":
        return left and matches(query.right, texts)
    if query.operator == "OR":
        return left or matches(query.right, texts)
    return left and not matches(query.right, texts)


@cache
def phrase_pattern(words: tuple[str, ...], prefix: bool) -> re.Pattern[str]:
    """The phrase's words as whole words (runs of letters and digits, as `WORD`), one after
    the other with anything but letters and digits between them; the last a prefix or not."""
    body = r"[\W_]+".join(map(re.escape, words))
    return re.compile(r"(?<![^\W_])" + body + ("" if prefix else r"(?![^\W_])"))


def _at(phrase: Phrase, words: Sequence[str]) -> list[int]:
    """Where the phrase starts in the words."""
    size = len(phrase.words)
    return [
        start
        for start in range(len(words) - size + 1)
        if all(words[start + i] == word for i, word in enumerate(phrase.words[:-1]))
        and _same(words[start + size - 1], phrase.words[-1], prefix=phrase.prefix)
    ]


def _same(found: str, wanted: str, *, prefix: bool) -> bool:
    return found.startswith(wanted) if prefix else found == wanted


def _near(near: Near, words: Sequence[str]) -> bool:
    """FTS5's NEAR: one occurrence of each phrase, all within `distance` words between the end
    of the first and the start of the last."""
    spans = [[(start, start + len(p.words)) for start in _at(p, words)] for p in near.phrases]
    if not all(spans):
        return False
    return _within_distance(spans, near.distance)


def _within_distance(spans: Sequence[Sequence[tuple[int, int]]], distance: int) -> bool:
    """Whether one span of each list fits: from the end of the first to the start of the last,
    at most `distance` words."""
    if len(spans) == 2:
        return any(
            max(a[0], b[0]) - min(a[1], b[1]) <= distance for a in spans[0] for b in spans[1]
        )
    return any(
        max(s[0] for s in chosen) - min(s[1] for s in chosen) <= distance
        for chosen in product(*spans)
    )
