"""The re-parse: archived captures read again by the current parser; never fetches.

Articles whose record comes out different are rewritten in place; every article read records the
parser version that read it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .parse import NotAnArticle, parse_article
from .store import Archive

_PART = re.compile(r"\d+|[^\d.]+")


@dataclass
class ReparseReport:
    considered: int = 0  # articles chosen by the options
    changed: int = 0  # of those, articles whose record changed
    fields: Counter[str] = field(default_factory=Counter)  # records changed, by field
    not_articles: Counter[str] = field(default_factory=Counter)  # now read as no article: kind
    refused: list[str] = field(default_factory=list)  # "URL: why", left as they were

    def summary_line(self) -> str:
        return f"changed {self.changed} of {self.considered}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "of": self.considered,
            "fields": dict(sorted(self.fields.items())),
            "not_articles": dict(sorted(self.not_articles.items())),
            "refused": list(self.refused),
        }


Progress = Callable[[ReparseReport, int], None]  # (report so far, articles chosen)


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Parser versions in order: "2" < "10", "1.2" < "1.10"; numbers before words."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in _PART.findall(version))


def reparse(
    archive: Archive,
    *,
    layout: str | None = None,
    version_below: str | None = None,
    since: date | None = None,
    progress: Progress | None = None,
) -> ReparseReport:
    report = ReparseReport()
    chosen = archive.article_captures(layout=layout, since=since)
    if version_below is not None:
        bound = version_key(version_below)
        chosen = [c for c in chosen if version_key(c.parser_version) < bound]
    for capture in chosen:
        report.considered += 1
        body = archive.raw_body(capture.raw_page_id)
        try:
            article = parse_article(body, capture.page_url)
        except NotAnArticle as exc:
            # Left as it is: a parser that no longer sees the article is more likely wrong
            # than the page, and this is for a person to look at.
            report.not_articles[exc.kind] += 1
            report.refused.append(f"{capture.url}: now read as no article ({exc.kind})")
        else:
            outcome = archive.reread_article(capture.article_id, article)
            if outcome.refused is not None:
                report.refused.append(f"{capture.url}: {outcome.refused}")
            elif outcome.changed:
                report.changed += 1
                report.fields.update(outcome.changed)
        if progress is not None:
            progress(report, len(chosen))
    return report
