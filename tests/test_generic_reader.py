"""The generic reader's quality gate, page by page (newsarchive alone, no rivals).

Pages: every set under fixtures/generic/ (found on disk: a new set is picked up; each folder lists
its pages in `pages.json`), read as the parser reads any page, and every fixtures/site article read
by the generic reader alone (`layouts=()`), named `site-generic/<page>`. Each article page must give
its expected title and `published_at` exactly, keep every caption and related title out of the body
and reach a body token F1 of `PAGE_F1_FLOOR` (the metric and the leak test are bench/fidelity.py's,
the same that `make bench` reports by set); a page of a set must also give its expected record
whole, `parser_version` aside (a fixtures/site page read without its layout's rules need not: its
layout knows what no generic cue does, such as layout A's caption attribute). Every other page
(listing, tag, ...) must be refused with `NotAnArticle`.

These are the target of the generic reader's work: a failure names its page (`set/page`) and says
all that is wrong with it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    GENERIC,
    GENERIC_ONLY_SET,
    FixtureArticle,
    FixturePage,
    SetEntry,
    SetError,
    fixture_articles,
    generic_set_names,
    set_entries,
)
from bench.fidelity import PAGE_F1_FLOOR, leaks, token_f1  # noqa: E402
from newsarchive import NotAnArticle, parse_article  # noqa: E402


def _set_folders() -> list[Path]:
    return sorted(p for p in GENERIC.iterdir() if p.is_dir()) if GENERIC.is_dir() else []


def _set_pages() -> list[Any]:
    """One parameter per page listed by a set's `pages.json` (a set whose list cannot be read
    has none here: `test_a_set_lists_its_pages` fails for it)."""
    params = []
    for name in generic_set_names():
        try:
            entries = set_entries(name)
        except SetError:
            continue
        params += [pytest.param(entry, id=entry.id) for entry in entries]
    return params


@pytest.mark.parametrize("folder", _set_folders(), ids=lambda folder: folder.name)
def test_a_set_lists_its_pages(folder: Path) -> None:
    """Each folder of fixtures/generic/ is a set: its `pages.json` lists every page it holds, and
    every page listed is there, an article with its expected record."""
    if not (folder / "pages.json").is_file():
        pytest.fail(f"{folder.name}: no pages.json", pytrace=False)
    try:
        entries = set_entries(folder.name, folder.parent)
        for entry in entries:
            entry.load()  # a page or expected record listed but missing or unreadable
    except SetError as exc:
        pytest.fail(str(exc), pytrace=False)
    listed = [entry.file for entry in entries]
    twice = sorted({file for file in listed if listed.count(file) > 1})
    unlisted = sorted(p.name for p in folder.glob("*.html") if p.name not in listed)
    if twice or unlisted:
        pytest.fail(f"{folder.name}: listed twice {twice}, not listed {unlisted}", pytrace=False)


@pytest.mark.parametrize("page", fixture_articles(), ids=lambda p: f"{GENERIC_ONLY_SET}/{p.name}")
def test_the_generic_reader_alone_reads_a_site_article(page: FixtureArticle) -> None:
    _check_article(page, generic_only=True)


@pytest.mark.parametrize("entry", _set_pages())
def test_a_page_of_a_set(entry: SetEntry) -> None:
    page = entry.load()
    if isinstance(page, FixturePage):
        _check_refused(page)
    else:
        _check_article(page, generic_only=False)


def _check_refused(page: FixturePage) -> None:
    try:
        record = parse_article(page.html, page.fetched_url).to_dict()
    except NotAnArticle:
        return
    pytest.fail(
        f"a {page.kind} page read as an article (layout {record['layout']!r}, "
        f"title {record['title']!r}): it must raise NotAnArticle",
        pytrace=False,
    )


def _check_article(page: FixtureArticle, *, generic_only: bool) -> None:
    expected = page.expected
    try:
        article = parse_article(page.html, page.fetched_url, layouts=() if generic_only else None)
    except NotAnArticle as exc:
        pytest.fail(f"an article page refused as {exc.kind!r}", pytrace=False)
    record = article.to_dict()
    body = record["body_text"]
    wrong = []
    for name in ("title", "published_at"):
        if record[name] != expected[name]:
            wrong.append(f"{name} {_short(record[name])}, expected {_short(expected[name])}")
    leaked = leaks(body, expected)
    if leaked:
        wrong.append(f"captions or related titles in the body: {[_short(s) for s in leaked]}")
    f1 = token_f1(body, expected["body_text"])
    if f1 < PAGE_F1_FLOOR:
        wrong.append(f"body token F1 {f1:.3f} < {PAGE_F1_FLOOR}")
    if not generic_only:
        # A set's page, written by hand for this reader: the whole record, as for fixtures/site
        # (fundus's way: a saved page and its expected record, compared exactly).
        names = [*record, *(name for name in expected if name not in record)]
        for name in names:
            if name not in ("parser_version", "title", "published_at") and (
                record.get(name) != expected.get(name)
            ):
                found, want = _short(record.get(name)), _short(expected.get(name))
                wrong.append(f"{name} {found}, expected {want}")
    if wrong:
        pytest.fail("\n".join(wrong), pytrace=False)


def _short(value: object, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
