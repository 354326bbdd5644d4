"""What the article and search pages show, read from the archive: plain values for templates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..citation import cite, render
from ..derived.changes import changes
from ..record import Article
from ..site import hanoi_time
from ..store import Archive, PageCapture, SearchHit, Version


@dataclass(frozen=True, slots=True)
class VersionShown:
    number: int
    first_seen_at: str
    last_seen_at: str
    changed: list[dict[str, Any]]  # {"field", "diff": [lines]} from the version before


def article_page(archive: Archive, article_id: int) -> dict[str, Any] | None:
    """The article as a reader reads it, then its versions, captures and a citation; None when
    the archive has no such article."""
    article = archive.get_article(article_id)
    if article is None:
        return None
    versions = archive.history(article_id) or []
    related_ids = archive.article_ids(link.url for link in article.related)
    captures = archive.captures_of(sorted({article.url, *_capture_urls(archive, versions)}))
    cited = cite(archive, article_id)
    return {
        "article": article,
        "article_id": article_id,
        "images": [{"url": i.url, "caption": i.caption} for i in article.images],
        "related": [
            {"url": r.url, "title": r.title, "kind": r.kind, "id": related_ids.get(r.url)}
            for r in article.related
        ],
        "versions": _versions(versions),
        "captures": [_capture(capture) for capture in captures],
        "citation": render(cited, "text"),
        "fingerprint": cited.fingerprint,
    }


def search_page(archive: Archive, query: str, limit: int) -> list[dict[str, Any]]:
    """The archive's own search (as `newsarchive search`), with each hit's article id."""
    hits: list[SearchHit] = archive.search(query, limit=limit) if query.strip() else []
    ids = archive.article_ids(hit.url for hit in hits)
    return [
        {
            "id": ids.get(hit.url),
            "url": hit.url,
            "title": hit.title,
            "published_at": hit.published_at,
            "snippet": hit.snippet,
            "score": hit.score,
        }
        for hit in hits
    ]


def _capture_urls(archive: Archive, versions: list[Version]) -> set[str]:
    """The URLs the versions were fetched at (an article may have been found at another)."""
    ids = {version.raw_page_id for version in versions if version.raw_page_id is not None}
    return {archive.page_capture(page_id).url for page_id in ids}


def _versions(versions: list[Version]) -> list[VersionShown]:
    shown = []
    before: Article | None = None
    for number, version in enumerate(versions, 1):
        changed = [] if before is None else changes(before, version.article)
        shown.append(
            VersionShown(
                number,
                hanoi_time(version.first_seen_at),
                hanoi_time(version.last_seen_at),
                [{"field": change.field, "diff": list(change.diff)} for change in changed],
            )
        )
        before = version.article
    return shown


def _capture(capture: PageCapture) -> dict[str, Any]:
    return {
        "id": capture.raw_page_id,
        "fetched_at": hanoi_time(capture.fetched_at),
        "status": capture.status,
        "outcome": capture.outcome,
        "final_url": capture.final_url,
        "warc": capture.warc,
    }
