"""Which version of an article a citation cites, the capture it was read from, and a fingerprint
that tells later whether the archive still holds exactly that.

The fingerprint `na1:RRRR…-PPPP…` joins two hashes: of the version's record as a reader reads it
(its URL and the fields whose change makes a new version: title, sapo, paragraphs, captions,
authors, dates) and of the raw page it was read from (the start of the body's sha256, the key
the archive stores bodies under). Link boxes, tags and the parser's notes are left out of the
record's hash: the site changes its "latest news" boxes daily, and a citation of the text
should not go stale with them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime

from ..record import Article
from ..store import REVISED_FIELDS, Archive, PageCapture, StoreError, Version

SCHEME = "na1"
_PART = 24  # hex digits of each hash kept: 96 bits
_FINGERPRINT = re.compile(rf"{SCHEME}:([0-9a-f]{{{_PART}}})-([0-9a-f]{{{_PART}}})")


@dataclass(frozen=True, slots=True)
class Cited:
    """A version of an article and the capture it was read from."""

    article: Article
    number: int  # 1 for the first version seen
    versions: int  # how many the archive holds
    first_seen_at: datetime
    last_seen_at: datetime
    capture: PageCapture

    @property
    def fingerprint(self) -> str:
        assert self.capture.body_sha256 is not None
        return f"{SCHEME}:{record_digest(self.article)[:_PART]}-{self.capture.body_sha256[:_PART]}"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether the archive holds what a fingerprint names; `cited` when it does."""

    held: bool
    reason: str
    cited: Cited | None = None


def record_digest(article: Article) -> str:
    """sha256 of what a reader of the version reads: its URL and the fields that make versions."""
    record = article.to_dict()
    cited = {"url": record["url"]} | {name: record[name] for name in REVISED_FIELDS}
    text = json.dumps(cited, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint_parts(text: str) -> tuple[str, str]:
    """(record hash prefix, body hash prefix); ValueError for what is no fingerprint."""
    found = _FINGERPRINT.fullmatch(text.strip().lower())
    if found is None:
        raise ValueError(
            f"{text.strip()!r} is not a fingerprint (expected {SCHEME}:<{_PART} hex>-<{_PART} hex>)"
        )
    return found[1], found[2]


def cite(archive: Archive, key: str | int, at: datetime | None = None) -> Cited:
    """The version held at `at` (the newest when None) with its capture; StoreError when the
    archive has no such article, no version yet at `at`, or no capture of the version."""
    versions = archive.history(key)
    if versions is None:
        what = f"id {key}" if isinstance(key, int) else key
        raise StoreError(f"no article {what} in the archive")
    chosen = len(versions)
    if at is not None:
        chosen = sum(1 for version in versions if version.first_seen_at <= at)
        if chosen == 0:
            first = versions[0].first_seen_at.isoformat(timespec="seconds")
            url = versions[0].article.url
            raise StoreError(f"no version of {url} yet at {at} (first seen {first})")
    version = versions[chosen - 1]
    capture = _capture(archive, version, at)
    return Cited(
        version.article,
        chosen,
        len(versions),
        version.first_seen_at,
        version.last_seen_at,
        capture,
    )


def _capture(archive: Archive, version: Version, at: datetime | None) -> PageCapture:
    """The version's last capture by `at`; without `at`, the last one the archive noted."""
    if version.raw_page_id is None:
        raise StoreError(f"the archive keeps no capture of that version of {version.article.url}")
    noted = archive.page_capture(version.raw_page_id)
    if at is not None and at < noted.fetched_at:
        urls = sorted({version.article.url, noted.url})
        earlier = archive.latest_capture(urls, version.first_seen_at, at)
        if earlier is not None:
            return earlier
    if noted.body_sha256 is None:
        raise StoreError(f"the archive keeps no body of the capture of {version.article.url}")
    return noted


def verify(archive: Archive, fingerprint: str) -> Verdict:
    """Whether the archive still holds the raw page and a version of the article that read
    exactly as the fingerprint says. ValueError for a malformed fingerprint."""
    record_part, page_part = fingerprint_parts(fingerprint)
    pages = archive.captures_with_body(page_part)
    if not pages:
        return Verdict(False, "the archive holds no raw page with that body")
    for page in pages:
        versions = archive.history(page.url) or []
        for number, version in enumerate(versions, 1):
            if record_digest(version.article).startswith(record_part):
                cited = Cited(
                    version.article,
                    number,
                    len(versions),
                    version.first_seen_at,
                    version.last_seen_at,
                    page,
                )
                return Verdict(True, "the archive holds that version and its raw page", cited)
    return Verdict(
        False,
        f"the raw page is held ({pages[0].url}), but no version of its article reads as cited",
    )
