"""2. Fidelity on every fixture article: fields exactly as expected, body token F1, captions and
related titles kept out of the body, and the published time right to the minute in +07:00.

newsarchive is held to its whole record, compared exactly. A rival is held only to the fields
it has an equivalent for (see `rivals.py`), compared leniently: the body line by line with
whitespace folded (they join paragraphs with one newline, we with two), authors and tags as sets.
So the rivals' share of exact fields is an upper bound of what a strict comparison would give.

By page set (`sets`: fixtures/generic/*, and the fixture articles read twice, as the parser reads
them and by its generic reader alone), every tool on the same few things: body F1, titles, the
published time, leaks, pages refused, and the pages that are no articles; newsarchive against a bar.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from newsarchive import NotAnArticle, parse_article

from .common import (
    GENERIC_ONLY_SET,
    SITE_SET,
    Figure,
    FixtureArticle,
    Outcome,
    PageSet,
    loopback_only,
)
from .rivals import GOOSE_FIELDS, NEWSPAPER_FIELDS, TRAFILATURA_FIELDS, Extractor, RivalRecord

SHINGLE = 4
RIVAL_FIELDS = {
    "trafilatura": TRAFILATURA_FIELDS,
    "newspaper4k": NEWSPAPER_FIELDS,
    "goose3": GOOSE_FIELDS,
}
HANOI = timezone(timedelta(hours=7))
_WORD = re.compile(r"\w+")
COMPARED = (
    "url", "site_id", "title", "sapo", "paragraphs", "body_text", "captions", "images",
    "published_at", "updated_at", "authors", "category", "tags", "related", "layout",
)  # fmt: skip


@dataclass
class ToolScore:
    exact: int = 0  # fields exactly as expected, over all pages
    compared: int = 0  # fields compared, over all pages
    all_exact_pages: int = 0
    f1: list[float] = field(default_factory=list)
    clean_pages: int = 0  # no caption and no related title in the body
    date_pages: int = 0  # published time right to the minute, +07:00
    day_pages: int = 0  # published day right
    misses: list[str] = field(default_factory=list)
    leaky: set[int] = field(default_factory=set)  # page numbers with a leak
    fields_exact: Counter[str] = field(default_factory=Counter)  # pages right, by field

    @property
    def share(self) -> float:
        return self.exact / self.compared if self.compared else 0.0

    @property
    def mean_f1(self) -> float:
        return sum(self.f1) / len(self.f1) if self.f1 else 0.0


@dataclass(frozen=True)
class PageRead:
    """What one tool made of one page of a set. A page refused (newsarchive: `NotAnArticle`; a
    rival: no body) is wrong on every count."""

    page: str
    refused: bool = False
    title: bool = False  # the title right (NFC, whitespace folded)
    date: bool = False  # the published time right to the minute, in +07:00
    f1: float = 0.0
    leaked: tuple[str, ...] = ()  # captions and related titles found in the body
    kind: str = ""  # newsarchive: what it took a refused page for


@dataclass
class SetScore:
    """One tool on one page set: its reading of each article page and of each other page."""

    articles: list[PageRead] = field(default_factory=list)
    others: list[PageRead] = field(default_factory=list)

    @property
    def mean_f1(self) -> float | None:
        return sum(r.f1 for r in self.articles) / len(self.articles) if self.articles else None

    def count(self, what: Literal["title", "date", "leaked", "refused"]) -> int:
        """Article pages with `what` (title, date, leaked, refused) true."""
        return sum(1 for r in self.articles if getattr(r, what))

    @property
    def others_refused(self) -> int:
        return sum(1 for r in self.others if r.refused)


def run(
    pages: list[FixtureArticle],
    *,
    rivals: dict[str, Extractor],
    sets: list[PageSet] | None = None,
) -> Outcome:
    """The fixture articles `pages`, every field; with `sets` (fixtures/generic's, see
    `common.generic_sets`), the section by page set too: `pages` as they are read (`site`) and
    by the generic reader alone (`site-generic`, the rivals' readings reused), then each set."""
    scores: dict[str, ToolScore] = {"newsarchive": ToolScore()}
    scores |= {name: ToolScore() for name in rivals}
    plain: dict[str, SetScore] = {name: SetScore() for name in scores}
    for page in pages:
        record, kind = read_ours(page.html, page.fetched_url)
        _score_ours(scores["newsarchive"], page, record, kind)
        plain["newsarchive"].articles.append(_our_read(page, record, kind))
        with loopback_only():
            for name, extract in rivals.items():
                found = extract(page.html, page.fetched_url)
                _score_rival(scores[name], page, found)
                plain[name].articles.append(rival_read(page, found))
    outcome = _outcome(pages, scores)
    outcome.details += _per_field(pages, scores)
    outcome.details += _per_page(pages, scores)
    if sets is not None:
        all_exact = scores["newsarchive"].all_exact_pages == len(pages)
        _by_set(outcome, pages, plain, sets, rivals, all_exact=all_exact)
    return outcome


def _per_field(pages: list[FixtureArticle], scores: dict[str, ToolScore]) -> list[str]:
    names = list(scores)
    lines = [
        f"### Pages with the field right, of {len(pages)} (rivals: leniently; – : no such field)",
        "",
        "| field | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    has = {name: set(RIVAL_FIELDS.get(name, COMPARED)) for name in names}
    for field_name in COMPARED:
        cells = [
            str(scores[n].fields_exact[field_name]) if field_name in has[n] else "–" for n in names
        ]
        lines.append(f"| {field_name} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _per_page(pages: list[FixtureArticle], scores: dict[str, ToolScore]) -> list[str]:
    names = list(scores)
    lines = [
        "### Body token F1 per page (a `*` marks a caption or related title inside the body)",
        "",
        "| page | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for i, page in enumerate(pages):
        cells = []
        for name in names:
            score = scores[name]
            mark = "*" if i in score.leaky else ""
            cells.append(f"{score.f1[i]:.3f}{mark}")
        lines.append(f"| {page.name[:48]} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def read_ours(
    html: bytes, url: str, *, generic_only: bool = False
) -> tuple[dict[str, Any] | None, str]:
    """newsarchive's record of a page, or None and the kind of page it took it for. With
    `generic_only`, no layout's own rules: the generic reader alone (`layouts=()`)."""
    try:
        return parse_article(html, url, layouts=() if generic_only else None).to_dict(), ""
    except NotAnArticle as exc:
        return None, exc.kind


def _score_ours(
    score: ToolScore, page: FixtureArticle, found: dict[str, Any] | None, kind: str
) -> None:
    expected = page.expected
    record: dict[str, Any] = found or {}
    if found is None:
        score.misses.append(f"{page.name}: not an article ({kind})")
    wrong = [name for name in COMPARED if record.get(name) != expected[name]]
    score.fields_exact.update(name for name in COMPARED if name not in wrong)
    score.compared += len(COMPARED)
    score.exact += len(COMPARED) - len(wrong)
    score.all_exact_pages += not wrong
    if wrong:
        score.misses.append(f"{page.name}: {', '.join(wrong)}")
    _score_common(score, page, record.get("body_text") or "", record.get("published_at"))


def _score_rival(score: ToolScore, page: FixtureArticle, found: RivalRecord) -> None:
    expected = page.expected
    wrong = []
    for name, value in found.fields.items():
        score.compared += 1
        if _lenient_equal(name, value, expected[name]):
            score.exact += 1
            score.fields_exact[name] += 1
        else:
            wrong.append(name)
    score.all_exact_pages += not wrong
    published = found.fields.get("published_at")
    _score_common(score, page, found.body, published if isinstance(published, str) else None)


def _score_common(score: ToolScore, page: FixtureArticle, body: str, published: str | None) -> None:
    expected = page.expected
    if leaks(body, expected):
        score.leaky.add(len(score.f1))
    else:
        score.clean_pages += 1
    score.f1.append(token_f1(body, expected["body_text"]))
    want = expected["published_at"]
    if published and want:
        score.date_pages += published[:16] == want[:16] and published.endswith("+07:00")
        score.day_pages += published[:10] == want[:10]


def _lenient_equal(name: str, value: object, want: object) -> bool:
    if name == "body_text":
        return _lines(str(value or "")) == _lines(str(want or ""))
    if name in ("authors", "tags"):
        return {_fold(str(v)) for v in value or ()} == {_fold(str(v)) for v in want or ()}  # type: ignore[attr-defined]
    if isinstance(value, str) and isinstance(want, str):
        return _fold(value) == _fold(want)
    return value == want


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _lines(text: str) -> list[str]:
    return [line for line in (_fold(raw) for raw in text.split("\n")) if line]


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """4-gram shingles over the `\\w+` tokens of the NFC text (fewer tokens: one shingle)."""
    tokens = _WORD.findall(unicodedata.normalize("NFC", text))
    if len(tokens) < SHINGLE:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1))


def token_f1(found: str, expected: str) -> float:
    got, want = shingles(found), shingles(expected)
    if not got and not want:
        return 1.0
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def hanoi_minute(value: object) -> str | None:
    """A time (a datetime, or ISO 8601 text with any offset) as `YYYY-MM-DDTHH:MM+07:00`; None
    when there is none, or it is naive (no offset), a day alone or not ISO 8601: such a value
    does not say the minute it was in Hanoi."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if moment.utcoffset() is None:
        return None
    return moment.astimezone(HANOI).strftime("%Y-%m-%dT%H:%M+07:00")


def same_minute(found: object, want: str | None) -> bool:
    """`found` is the expected published time to the minute, once in +07:00 (a naive or date-only
    `found` is not); where the page shows no date (`want` null), `found` must be empty too."""
    if not want:
        return not found
    minute = hanoi_minute(found)
    return minute is not None and minute == hanoi_minute(want)


def same_title(found: object, want: str) -> bool:
    """`found` is the expected title, NFC with whitespace folded."""
    return isinstance(found, str) and _fold(found) == _fold(want)


def article_read(
    page: FixtureArticle, *, title: object, body: str, published: object, refused: bool
) -> PageRead:
    """One tool's reading of an article page against its expected record."""
    if refused:
        return PageRead(page.name, refused=True)
    expected = page.expected
    return PageRead(
        page.name,
        title=same_title(title, expected["title"]),
        date=same_minute(published, expected["published_at"]),
        f1=token_f1(body, expected["body_text"]),
        leaked=tuple(leaks(body, expected)),
    )


def rival_read(page: FixtureArticle, found: RivalRecord) -> PageRead:
    """A rival's reading of an article page; a page it gives no body for counts as refused."""
    fields = found.fields
    return article_read(
        page,
        title=fields.get("title"),
        body=found.body,
        published=fields.get("published_at"),
        refused=not found.body.strip(),
    )


def _our_read(page: FixtureArticle, record: dict[str, Any] | None, kind: str) -> PageRead:
    if record is None:
        return PageRead(page.name, refused=True, kind=kind)
    return article_read(
        page,
        title=record["title"],
        body=record["body_text"],
        published=record["published_at"],
        refused=False,
    )


def leaks(body: str, expected: dict[str, Any]) -> list[str]:
    """Captions and related titles found in `body` that the expected body does not hold."""
    text, want = _fold(body), _fold(expected["body_text"])
    suspects = list(expected["captions"]) + [link["title"] for link in expected["related"]]
    return [s for s in dict.fromkeys(suspects) if _fold(s) in text and _fold(s) not in want]


def _outcome(pages: list[FixtureArticle], scores: dict[str, ToolScore]) -> Outcome:
    n = len(pages)
    section = "2. Fidelity"
    outcome = Outcome()
    ours = scores["newsarchive"]
    outcome.figures.append(
        Figure(
            section,
            f"newsarchive: fields exactly as expected ({len(COMPARED)} fields × {n} pages)",
            f"{ours.share:.1%} ({ours.all_exact_pages}/{n} pages all exact)",
            bar="every field exact on every page",
            met=ours.all_exact_pages == n,
        )
    )
    for name, score in scores.items():
        if name == "newsarchive":
            continue
        outcome.figures.append(
            Figure(
                section,
                f"{name}: fields it has, leniently equal",
                f"{score.share:.1%} of {score.compared // max(n, 1)} fields/page",
                f"newsarchive: {ours.share:.1%} of {len(COMPARED)}",
            )
        )
    for name, score in scores.items():
        ratio = ""
        if name != "newsarchive" and score.mean_f1:
            ratio = f"{ours.mean_f1 / score.mean_f1:.2f}× ours ÷ theirs"
        outcome.figures.append(
            Figure(section, f"{name}: body token F1 (4-gram shingles, mean of {n})",
                   f"{score.mean_f1:.3f}", "" if name == "newsarchive" else
                   f"newsarchive: {ours.mean_f1:.3f}", ratio)
        )  # fmt: skip
    for name, score in scores.items():
        outcome.figures.append(
            Figure(section, f"{name}: captions and related titles kept out of the body",
                   f"{score.clean_pages}/{n} pages")
        )  # fmt: skip
    for name, score in scores.items():
        dated = sum(1 for p in pages if p.expected["published_at"])
        outcome.figures.append(
            Figure(section, f"{name}: published time right to the minute with +07:00",
                   f"{score.date_pages}/{dated} pages (right day: {score.day_pages}/{dated})")
        )  # fmt: skip
    outcome.numbers = {
        f"fidelity_{name}": {
            "share": s.share,
            "f1": s.mean_f1,
            "clean": s.clean_pages,
            "date": s.date_pages,
            "all_exact_pages": s.all_exact_pages,
        }
        for name, s in scores.items()
    }
    if ours.misses:
        outcome.details += ["### newsarchive fields not as expected", ""]
        outcome.details += [f"- {miss}" for miss in ours.misses] + [""]
    return outcome


SET_SECTION = "2. Fidelity by page set"
PAGE_F1_FLOOR = 0.9  # a page under it is listed (bench) and fails (tests/test_generic_reader.py)


def _by_set(
    outcome: Outcome,
    pages: list[FixtureArticle],
    plain: dict[str, SetScore],
    sets: list[PageSet],
    rivals: dict[str, Extractor],
    *,
    all_exact: bool,
) -> None:
    """The section by page set: a bar line per set in the table, then every tool on every set,
    then newsarchive's pages that are not right."""
    generic = PageSet(GENERIC_ONLY_SET, pages, generic_only=True)
    ours = SetScore()
    for page in pages:
        ours.articles.append(_our_read(page, *_read_ours_safely(page.html, page.fetched_url, True)))
    # The rivals have no layouts: on the same pages their readings are the plain set's.
    theirs = {name: score for name, score in plain.items() if name != "newsarchive"}
    results = [(PageSet(SITE_SET, pages), plain), (generic, {"newsarchive": ours} | theirs)]
    results += [(page_set, score_set(page_set, rivals)) for page_set in sets]
    numbers: dict[str, Any] = {}
    for page_set, scores in results:
        figure = _set_figure(page_set, scores, all_exact if page_set.name == SITE_SET else None)
        outcome.figures.append(figure)
        numbers[page_set.name] = _set_numbers(page_set, scores, bool(figure.met))
    outcome.numbers["fidelity_sets"] = numbers
    outcome.details += _set_table(results)
    outcome.details += _set_misses(results)


def score_set(page_set: PageSet, rivals: dict[str, Extractor]) -> dict[str, SetScore]:
    """Every tool on every page of `page_set`: newsarchive (with `layouts=()` where the set says
    so) and each rival (no network)."""
    scores = {"newsarchive": SetScore()} | {name: SetScore() for name in rivals}
    only = page_set.generic_only
    for page in page_set.articles:
        record, kind = _read_ours_safely(page.html, page.fetched_url, only)
        scores["newsarchive"].articles.append(_our_read(page, record, kind))
        for name, extract in rivals.items():
            found, error = _read_rival(extract, page.html, page.fetched_url)
            read = rival_read(page, found)
            scores[name].articles.append(PageRead(page.name, True, kind=error) if error else read)
    for other in page_set.others:
        record, kind = _read_ours_safely(other.html, other.fetched_url, only)
        scores["newsarchive"].others.append(PageRead(other.name, record is None, kind=kind))
        for name, extract in rivals.items():
            found, error = _read_rival(extract, other.html, other.fetched_url)
            scores[name].others.append(PageRead(other.name, not found.body.strip(), kind=error))
    return scores


def _read_ours_safely(
    html: bytes, url: str, generic_only: bool
) -> tuple[dict[str, Any] | None, str]:
    """`read_ours`, with a crash counted as a refusal (its kind says what was raised) so that
    one page of a set cannot stop the run."""
    try:
        return read_ours(html, url, generic_only=generic_only)
    except Exception as exc:
        return None, f"crashed: {type(exc).__name__}: {exc}"


def _read_rival(extract: Extractor, html: bytes, url: str) -> tuple[RivalRecord, str]:
    """A rival's reading (no network), or an empty one and what it raised."""
    with loopback_only():
        try:
            return extract(html, url), ""
        except Exception as exc:
            return RivalRecord(), f"crashed: {type(exc).__name__}: {exc}"


def _best_rival(scores: dict[str, SetScore]) -> tuple[str, float] | None:
    found = [
        (name, f1)
        for name, score in scores.items()
        if name != "newsarchive" and (f1 := score.mean_f1) is not None
    ]
    return max(found, key=lambda item: item[1]) if found else None


def _set_figure(page_set: PageSet, scores: dict[str, SetScore], all_exact: bool | None) -> Figure:
    ours = scores["newsarchive"]
    n, m = len(page_set.articles), len(page_set.others)
    f1, best = ours.mean_f1, _best_rival(scores)
    met = (
        ours.count("title") == n
        and ours.count("date") == n
        and ours.count("leaked") == 0
        and ours.others_refused == m
        and (best is None or f1 is None or f1 >= best[1])
    )
    bar = (
        "title and published time right on every article, body F1 ≥ the best rival's, "
        "no leak, every other page refused"
    )
    if all_exact is not None:
        met = met and all_exact
        bar += ", every field exact (above)"
    who = "newsarchive, generic reader alone" if page_set.generic_only else "newsarchive"
    value = (
        f"titles {ours.count('title')}/{n}, published {ours.count('date')}/{n}, "
        f"body F1 {_f1(f1)}, leaks {ours.count('leaked')}, refused {ours.count('refused')}/{n}, "
        f"other pages refused {ours.others_refused}/{m}"
    )
    against, ratio = "no rival", ""
    if best is not None:
        against = f"best rival body F1: {best[0]} {best[1]:.3f}"
        if f1 is not None and best[1]:
            ratio = f"{f1 / best[1]:.2f}× the best rival's F1"
    return Figure(
        SET_SECTION,
        f"{page_set.name}: {who} ({n} articles, {m} other pages)",
        value,
        against,
        ratio,
        bar,
        met,
    )


def _set_numbers(page_set: PageSet, scores: dict[str, SetScore], met: bool) -> dict[str, Any]:
    tools: dict[str, Any] = {}
    for name, score in scores.items():
        tools[name] = {
            "f1": score.mean_f1,
            "titles": score.count("title"),
            "dates": score.count("date"),
            "leaky": score.count("leaked"),
            "refused": score.count("refused"),
        }
        if name == "newsarchive":
            tools[name]["others_refused"] = score.others_refused
        else:
            tools[name]["others_with_body"] = len(score.others) - score.others_refused
    return {
        "articles": len(page_set.articles),
        "others": len(page_set.others),
        "generic_only": page_set.generic_only,
        "bar_met": met,
        "tools": tools,
    }


def _set_table(results: list[tuple[PageSet, dict[str, SetScore]]]) -> list[str]:
    lines = [
        "### Fidelity by page set",
        "",
        "Per set and tool: body token F1 (mean over the article pages), titles and published "
        "times right (the time to the minute once in +07:00; naive or date-only counts wrong), "
        "article pages with a caption or related title in the body, article pages refused "
        "(newsarchive: `NotAnArticle`; a rival: no body), and the other pages (listings, tags, "
        "…): how many newsarchive refused, how many a rival gave a body for (they never refuse). "
        f"`{GENERIC_ONLY_SET}`: the `{SITE_SET}` pages read by newsarchive with `layouts=()`; "
        "the rivals' figures are those of the same pages.",
        "",
        "| set | tool | articles | body F1 | titles | published | leaks | refused | other pages |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for page_set, scores in results:
        n, m = len(page_set.articles), len(page_set.others)
        for name, score in scores.items():
            if not m:
                others = "–"
            elif name == "newsarchive":
                others = f"refused {score.others_refused}/{m}"
            else:
                others = f"body on {m - score.others_refused}/{m}"
            cells = (
                page_set.name,
                name,
                str(n),
                _f1(score.mean_f1),
                f"{score.count('title')}/{n}",
                f"{score.count('date')}/{n}",
                str(score.count("leaked")),
                str(score.count("refused")),
                others,
            )
            lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def _set_misses(results: list[tuple[PageSet, dict[str, SetScore]]]) -> list[str]:
    """newsarchive's pages that miss the bar (or the page floor of body F1), one line each."""
    lines = []
    for page_set, scores in results:
        ours = scores["newsarchive"]
        for read in ours.articles:
            wrong = []
            if read.refused:
                wrong.append(f"refused ({read.kind})")
            else:
                wrong += ["title"] * (not read.title) + ["published_at"] * (not read.date)
                if read.f1 < PAGE_F1_FLOOR:
                    wrong.append(f"body F1 {read.f1:.3f}")
                if read.leaked:
                    wrong.append("leaked: " + "; ".join(f"“{s[:60]}”" for s in read.leaked))
            if wrong:
                lines.append(f"- `{page_set.name}/{read.page}`: {', '.join(wrong)}")
        for read, page in zip(ours.others, page_set.others, strict=True):
            if not read.refused:
                lines.append(f"- `{page_set.name}/{read.page}` ({page.kind}): read as an article")
            elif read.kind.startswith("crashed"):
                lines.append(f"- `{page_set.name}/{read.page}` ({page.kind}): {read.kind}")
    if not lines:
        return []
    title = f"### newsarchive on the page sets: pages not right (body F1 floor {PAGE_F1_FLOOR})"
    return [title, "", *lines, ""]


def _f1(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"
