"""`newsarchive show URL_OR_ID [--json] [--history] [--explain] [--raw [--at WHEN] [--out FILE]]`:
one stored article, its versions, or the page it was read from as fetched."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from ..api import article_key, resolve
from ..derived.changes import changes
from ..errors import Status, UsageError
from ..export import replacing
from ..record import SOURCE_KINDS, Article
from ..site import hanoi_time
from ..store import Archive, PageCapture, StoreError, Version
from .common import Subcommands, add_command, at_moment, checked_output, config_of
from .parse import explained


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "show", run, "print one stored article, or what changed in it")
    sub.add_argument(
        "article",
        metavar="URL_OR_ID",
        help="the article's URL (canonical form taken), the site's id from its URL, or its id "
        "in the archive (article.id)",
    )
    sub.add_argument("--json", action="store_true", help="the ARTICLE.md record as JSON")
    sub.add_argument("--history", action="store_true", help="every version seen, and what changed")
    sub.add_argument(
        "--explain",
        action="store_true",
        help="also how the parser read each field, and how sure it was, as the archive kept it",
    )
    sub.add_argument(
        "--raw",
        action="store_true",
        help="write the stored page's bytes exactly as fetched (standard output, or --out)",
    )
    sub.add_argument(
        "--at",
        metavar="WHEN",
        help="with --raw: the page as last fetched by then (YYYY-MM-DD, end of that day, or "
        "an ISO 8601 time; Hanoi time unless it says its zone)",
    )
    sub.add_argument("--out", metavar="FILE", help="with --raw: write to FILE")
    sub.add_argument("--force", action="store_true", help="with --out: replace FILE if it exists")


def run(args: argparse.Namespace) -> int:
    typed = article_key(args.article)
    if not args.raw and (args.at is not None or args.out is not None or args.force):
        raise UsageError("--at, --out and --force go with --raw")
    at = None if args.at is None else at_moment(args.at)
    out = None if args.out is None else checked_output(Path(args.out), force=args.force)
    config = config_of(args)
    with Archive.open(config.store.url, create=False) as archive:
        key = resolve(archive, typed)
        if args.raw:
            return _write_raw(archive, key, at, out)
        if args.history:
            versions = archive.history(key)
            if versions is None:
                raise _not_found(key)
            print(history_json(versions) if args.json else history_text(versions))
            return Status.OK
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
    return Status.OK


def _write_raw(archive: Archive, key: str | int, at: datetime | None, out: Path | None) -> int:
    """The body of the page's last fetch (by `at`) that brought one, byte for byte."""
    url = key
    if isinstance(key, int):
        article = archive.get_article(key)
        if article is None:
            raise _not_found(key)
        url = article.url
    assert isinstance(url, str)
    capture = archive.capture_at(url, at)
    if capture is None:
        when = "" if at is None else f" fetched by {hanoi_time(at)}"
        raise StoreError(f"no stored page of {url}{when} in the archive")
    body = archive.raw_body(capture.raw_page_id)
    if out is None:
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
        return Status.OK
    with replacing(out) as handle:
        handle.write(body)
    print(f"wrote {len(body)} bytes of {capture.url} as fetched {hanoi_time(capture.fetched_at)}")
    return Status.OK


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
    lines = [f"captured:  {hanoi_time(capture.fetched_at)} (raw page {capture.raw_page_id})"]
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
    first, last = hanoi_time(version.first_seen_at), hanoi_time(version.last_seen_at)
    return first if first == last else f"{first} to {last}"


def history_json(versions: list[Version]) -> str:
    """`{"url", "versions": [{first_seen_at, last_seen_at, content_hash, changed, record}]}`,
    oldest first; `changed` names the fields that differ from the version before."""
    listed: list[dict[str, Any]] = []
    for number, version in enumerate(versions):
        changed = [] if number == 0 else changes(versions[number - 1].article, version.article)
        listed.append(
            {
                "first_seen_at": hanoi_time(version.first_seen_at, exact=True),
                "last_seen_at": hanoi_time(version.last_seen_at, exact=True),
                "content_hash": version.content_hash,
                "changed": [change.field for change in changed],
                "record": version.article.to_dict(),
            }
        )
    return json.dumps({"url": versions[-1].article.url, "versions": listed}, ensure_ascii=False)
