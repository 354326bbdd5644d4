"""`newsarchive show URL_OR_ID [--json] [--history] [--explain]`: one stored article, or its
versions."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from .. import status
from ..changes import changes
from ..record import SOURCE_KINDS, Article
from ..site.urls import SITE_ROOT, canonical_url
from ..store import Archive, PageCapture, StoreError, Version
from .common import Subcommands, add_command, config_of
from .parse import explained


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "show", run, "print one stored article, or what changed in it")
    sub.add_argument(
        "article",
        metavar="URL_OR_ID",
        help="the article's URL (canonical form taken), or its id in the archive (article.id)",
    )
    sub.add_argument("--json", action="store_true", help="the ARTICLE.md record as JSON")
    sub.add_argument("--history", action="store_true", help="every version seen, and what changed")
    sub.add_argument(
        "--explain",
        action="store_true",
        help="also how the parser read each field, and how sure it was, as the archive kept it",
    )


def run(args: argparse.Namespace) -> int:
    key = article_key(args.article)
    config = config_of(args)
    with Archive.open(config.store.url, create=False) as archive:
        if args.history:
            versions = archive.history(key)
            if versions is None:
                raise _not_found(key)
            print(history_json(versions) if args.json else history_text(versions))
            return status.OK
        article = archive.get_article(key)
        capture = archive.article_capture(key)
    if article is None:
        raise _not_found(key)
    if args.json:
        record = explained(article) if args.explain else article.to_dict()
        print(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        text = article_text(article)
        if capture is not None:
            text += f"\n\n{capture_text(capture)}"
        print(f"{text}\n\n{sources_text(article)}" if args.explain else text)
    return status.OK


def article_key(text: str) -> str | int:
    """An id (digits) or a URL in canonical form; a bare path or host is on the site."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if "://" in text:
        return canonical_url(text)
    return canonical_url(text if text.startswith("/") else f"//{text}", SITE_ROOT)


def _not_found(key: str | int) -> StoreError:
    what = f"id {key}" if isinstance(key, int) else key
    return StoreError(f"no article {what} in the archive")


def article_text(article: Article) -> str:
    """The record for people: heading, dates and labels, sapo, body, then the lists."""
    facts = [
        ("published", article.published_at),
        ("updated", article.updated_at),
        ("category", article.category),
        ("authors", ", ".join(article.authors) or None),
        ("tags", ", ".join(article.tags) or None),
        ("layout", article.layout),
        ("parser", article.parser_version or None),
    ]
    lines = [article.title, article.url, ""]
    lines += [f"{label + ':':<11}{value}" for label, value in facts if value]
    if article.sapo:
        lines += ["", article.sapo]
    lines += ["", *("\n\n".join(article.paragraphs).splitlines())]
    if article.images:
        lines += ["", "images:"]
        lines += [
            f"  {i.url}" + (f"\n    {i.caption}" if i.caption else "") for i in article.images
        ]
    if article.related:
        lines += ["", "related:"]
        lines += [f"  [{r.kind}] {r.title}\n    {r.url}" for r in article.related]
    return "\n".join(lines)


def capture_text(capture: PageCapture) -> str:
    """Which fetch the stored version was read from, and its WARC record if one was written."""
    lines = [f"captured:  {_moment(capture.fetched_at)} (raw page {capture.raw_page_id})"]
    if capture.warc is not None:
        warc = capture.warc
        lines.append(f"WARC:      {warc.record_id} in {warc.file}")
        lines.append(f"           at offset {warc.offset}, {warc.length} bytes")
    return "\n".join(lines)


def sources_text(article: Article) -> str:
    """How each field was read, for people: the fields by kind of rule, one line each.

    read by:   confidence 0.95
      layout   title, sapo, paragraphs, …
      metadata published_at, updated_at
      none     tags
    """
    provenance = article.provenance
    if provenance is None:
        return "read by:   not recorded (stored before the parser said how it read a page)"
    by_kind: dict[str, list[str]] = {}
    for name, _ in provenance.fields:
        by_kind.setdefault(provenance.kind(name), []).append(name)
    lines = [f"read by:   confidence {provenance.confidence:.2f}"]
    lines += [f"  {kind:<9}{', '.join(by_kind[kind])}" for kind in SOURCE_KINDS if kind in by_kind]
    return "\n".join(lines)


def history_text(versions: list[Version]) -> str:
    """Each version with when it was seen, and the fields that changed from the one before."""
    latest = versions[-1].article
    count = len(versions)
    lines = [latest.title, latest.url, f"{count} version{'s' if count > 1 else ''}"]
    for number, version in enumerate(versions, 1):
        lines += ["", f"version {number}: seen {_seen(version)}"]
        if number == 1:
            continue
        for change in changes(versions[number - 2].article, version.article):
            lines.append(f"  {change.field}:")
            lines += [f"    {line}" for line in change.diff]
    return "\n".join(lines)


def _seen(version: Version) -> str:
    first, last = _moment(version.first_seen_at), _moment(version.last_seen_at)
    return first if first == last else f"{first} to {last}"


def history_json(versions: list[Version]) -> str:
    """`{"url", "versions": [{first_seen_at, last_seen_at, content_hash, changed, record}]}`,
    oldest first; `changed` names the fields that differ from the version before."""
    listed: list[dict[str, Any]] = []
    for number, version in enumerate(versions):
        changed = [] if number == 0 else changes(versions[number - 1].article, version.article)
        listed.append(
            {
                "first_seen_at": version.first_seen_at.isoformat(),
                "last_seen_at": version.last_seen_at.isoformat(),
                "content_hash": version.content_hash,
                "changed": [change.field for change in changed],
                "record": version.article.to_dict(),
            }
        )
    return json.dumps({"url": versions[-1].article.url, "versions": listed}, ensure_ascii=False)


def _moment(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
