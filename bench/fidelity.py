"""2. Fidelity on every fixture article: fields exactly as expected, body token F1, captions and
related titles kept out of the body, and the published time right to the minute in +07:00.

newsarchive is held to its whole record, compared exactly. A rival is held only to the fields
it has an equivalent for (see `rivals.py`), compared leniently: the body line by line with
whitespace folded (they join paragraphs with one newline, we with two), authors and tags as sets.
So the rivals' share of exact fields is an upper bound of what a strict comparison would give.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from newsarchive import NotAnArticle, parse_article

from .common import Figure, FixtureArticle, Outcome, loopback_only
from .rivals import NEWSPAPER_FIELDS, TRAFILATURA_FIELDS, Extractor, RivalRecord

SHINGLE = 4
RIVAL_FIELDS = {"trafilatura": TRAFILATURA_FIELDS, "newspaper4k": NEWSPAPER_FIELDS}
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


def run(pages: list[FixtureArticle], *, rivals: dict[str, Extractor]) -> Outcome:
    scores: dict[str, ToolScore] = {"newsarchive": ToolScore()}
    scores |= {name: ToolScore() for name in rivals}
    for page in pages:
        _score_ours(scores["newsarchive"], page)
        with loopback_only():
            for name, extract in rivals.items():
                _score_rival(scores[name], page, extract(page.html, page.fetched_url))
    outcome = _outcome(pages, scores)
    outcome.details += _per_field(pages, scores)
    outcome.details += _per_page(pages, scores)
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


def _score_ours(score: ToolScore, page: FixtureArticle) -> None:
    expected = page.expected
    try:
        record: dict[str, Any] = parse_article(page.html, page.fetched_url).to_dict()
    except NotAnArticle as exc:
        record = {}
        score.misses.append(f"{page.name}: not an article ({exc.kind})")
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
