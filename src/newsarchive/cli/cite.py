"""`newsarchive cite URL_OR_ID [--at DATE] [--format F] [--json]`: a citation of the version
held at a time; `cite --verify FINGERPRINT`: whether the archive still holds it.

Exit statuses (CLI.md): 0 done (verify: held), 1 no such article or version, or (verify) not
held, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..api import resolve
from ..citation import FORMATS, Cited, cite, render, verify
from ..errors import Status, UsageError
from ..site import hanoi_time
from ..store import Archive
from .common import Subcommands, add_command, at_moment, config_of


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "cite", run, "cite an archived article as it was at a time")
    sub.add_argument("article", nargs="?", metavar="URL_OR_ID", help="the article's URL, or its id")
    sub.add_argument(
        "--at",
        metavar="DATE",
        help="the version held then: a day (YYYY-MM-DD, to its end, Hanoi time) or an ISO "
        "moment with its offset; default: the newest",
    )
    sub.add_argument("--format", choices=FORMATS, default="text", help="default: text")
    sub.add_argument(
        "--verify",
        metavar="FINGERPRINT",
        help="say whether the archive still holds exactly the version a citation names",
    )
    sub.add_argument("--json", action="store_true", help="the citation's facts as one object")


def run(args: argparse.Namespace) -> int:
    if (args.article is None) == (args.verify is None):
        raise UsageError("cite needs an article (URL_OR_ID) or --verify FINGERPRINT, not both")
    if args.verify is not None and args.at is not None:
        raise UsageError("--at goes with an article, not with --verify")
    config = config_of(args)
    if args.verify is not None:
        return _verify(config.store.url, args.verify, as_json=args.json)
    at = at_moment(args.at) if args.at is not None else None
    with Archive.open(config.store.url, create=False) as archive:
        cited = cite(archive, resolve(archive, args.article), at)
    rendered = render(cited, args.format)
    if args.json:
        print(json.dumps(facts(cited) | {"citation": rendered}, ensure_ascii=False))
    else:
        print(rendered.rstrip("\n"))
    return Status.OK


def _verify(url: str, fingerprint: str, *, as_json: bool) -> int:
    with Archive.open(url, create=False) as archive:
        try:
            verdict = verify(archive, fingerprint)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if as_json:
        found = facts(verdict.cited) if verdict.cited is not None else {}
        line = {"fingerprint": fingerprint, "held": verdict.held, "reason": verdict.reason}
        print(json.dumps(line | found, ensure_ascii=False))
    elif verdict.cited is not None:
        cited = verdict.cited
        print(f"held: {verdict.reason}")
        print(f"  {cited.article.title}\n  {cited.article.url}")
        print(f"  version {cited.number} of {cited.versions}, captured {_when(cited)}")
    else:
        print(f"not held: {verdict.reason}")
    return Status.OK if verdict.held else Status.FAILED


def facts(cited: Cited) -> dict[str, Any]:
    """What a citation states, as plain JSON values."""
    capture, warc = cited.capture, cited.capture.warc
    return {
        "fingerprint": cited.fingerprint,
        "url": cited.article.url,
        "title": cited.article.title,
        "authors": list(cited.article.authors),
        "published_at": cited.article.published_at,
        "version": cited.number,
        "versions": cited.versions,
        "captured_at": hanoi_time(capture.fetched_at, exact=True),
        "raw_page_id": capture.raw_page_id,
        "warc": None
        if warc is None
        else {
            "file": warc.file,
            "offset": warc.offset,
            "length": warc.length,
            "record_id": warc.record_id,
        },
    }


def _when(cited: Cited) -> str:
    return hanoi_time(cited.capture.fetched_at)
