"""The import: WARC files → the site's responses → raw pages (archive) → parse → articles.

Each kept record is archived like a fetch, in one transaction with the article read from it, so
an import stopped at any point leaves whole records behind it and none half-written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..fetch.result import outcome_of
from ..parse import NotAnArticle, parse_article
from ..record import Article
from ..site.urls import canonical_url, is_site_host
from ..store import Archive, RawPage
from ..warc import Capture, Problem, Skipped, read_captures
from ..warclink import WarcLink

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


@dataclass
class ImportReport:
    files: int = 0
    records: int = 0  # records read, whatever became of them
    kept: int = 0  # responses of the site archived as raw pages
    articles: Counter[str] = field(default_factory=Counter)  # new, updated, unchanged, older
    not_articles: Counter[str] = field(default_factory=Counter)  # by what the page is instead
    skipped: Counter[str] = field(default_factory=Counter)  # by reason, broken records included
    problems: list[str] = field(default_factory=list)  # one line each: broken, truncated, ...

    def summary_line(self) -> str:
        a = self.articles
        return (
            f"records {self.records}, kept {self.kept}, new {a['new']}, updated {a['updated']}, "
            f"unchanged {a['unchanged']}, older {a['older']}, skipped {sum(self.skipped.values())}"
        )


Progress = Callable[[Path, ImportReport], None]


def import_warcs(
    archive: Archive,
    paths: Iterable[Path],
    *,
    max_body_bytes: int,
    progress: Progress | None = None,
) -> ImportReport:
    report = ImportReport()
    for path in paths:
        report.files += 1
        for entry in read_captures(path, _choose, max_body_bytes=max_body_bytes):
            report.records += 1
            if isinstance(entry, Skipped):
                report.skipped[entry.reason] += 1
            elif isinstance(entry, Problem):
                report.skipped[entry.reason] += 1
                report.problems.append(f"{path.name}: {entry.reason}: {entry.detail}")
            else:
                _keep(archive, entry, path, report)
            if progress is not None:
                progress(path, report)
    return report


def _choose(rec_type: str, uri: str, content_type: str | None) -> str | None:
    """Why a record is passed over, or None to read it: the site's HTML responses only."""
    if rec_type != "response":
        return f"{rec_type} record"
    try:
        host = urlsplit(uri).hostname
    except ValueError:
        return "other host"
    if not is_site_host(host):
        return "other host"
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in HTML_TYPES:
        return "not HTML"
    return None


def _link(path: Path, capture: Capture) -> WarcLink | None:
    """The record a page came from, as a crawl's own pages name theirs."""
    if capture.record_id is None:
        return None
    return WarcLink(str(path.absolute()), capture.offset, capture.length, capture.record_id)


def _keep(archive: Archive, capture: Capture, path: Path, report: ImportReport) -> None:
    url = canonical_url(capture.uri)
    outcome = outcome_of(capture.status, capture.body)
    article: Article | None = None
    page_kind: str | None = None
    if outcome == "ok":
        try:
            article = parse_article(capture.body, url)
            page_kind = "article"
        except NotAnArticle as exc:
            page_kind = exc.kind
    older = False
    if article is not None:
        last_seen = archive.article_last_seen(article.url)
        # An older capture than the archive's own is kept as a raw page, but must not roll
        # the article back (nor enter its history as a later version).
        older = last_seen is not None and capture.date < last_seen
    raw = RawPage(
        url=url,
        fetch_url=capture.uri,
        final_url=capture.uri,
        status=capture.status,
        outcome=outcome,
        headers=capture.headers,
        body=capture.body,
        fetched_at=capture.date,
        error=None if outcome in ("ok", "not_modified") else f"HTTP {capture.status}",
        warc=_link(path, capture),
    )
    stored = archive.record_fetch(raw, article=None if older else article, page_kind=page_kind)
    report.kept += 1
    if older:
        report.articles["older"] += 1
    elif stored in ("new", "updated", "unchanged"):
        report.articles[stored] += 1
    else:
        report.not_articles[page_kind or outcome] += 1
