"""`newsarchive reparse`: archived captures read again by a changed parser, never fetched again."""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from crawled import SITE_ROOT, expected_records
from replica import start_replica

from newsarchive.cli import run as cli
from newsarchive.parse import article as parser
from newsarchive.runs import reparse as rereading
from newsarchive.site import layouts
from newsarchive.store import Archive

SITE = Path(__file__).resolve().parent.parent / "fixtures" / "site"
EXPECTED = expected_records()


@pytest.fixture
def archived(tmp_path: Path, fast_conf: Path) -> tuple[Path, str]:
    """(config, db URL) of an archive made by crawling the replica, which is stopped after: a
    re-parse has nothing to fetch from."""
    config = fast_conf
    db = f"sqlite:///{tmp_path / 'a.db'}"
    with start_replica() as replica:
        crawl = ["crawl", "--config", str(config), "--db", db, "--base-url", replica.base_url]
        assert cli(crawl) == 0
    return config, db


def stored_records(db: str) -> dict[str, dict[str, Any]]:
    with Archive.open(db) as archive:
        records = {}
        for url in EXPECTED:
            article = archive.get_article(url)
            assert article is not None, url
            records[url] = article.to_dict()
        return records


def reparse(
    archived: tuple[Path, str], capsys: pytest.CaptureFixture[str], *options: str
) -> tuple[int, list[str]]:
    config, db = archived
    capsys.readouterr()
    status = cli(["reparse", "--config", str(config), "--db", db, *options])
    return status, capsys.readouterr().out.splitlines()


def blockquote_pages() -> list[str]:
    """The pages the change below touches, known from the fixtures themselves."""
    return [
        url
        for url, record in EXPECTED.items()
        if record["layout"] == "B"
        and b"<blockquote" in (SITE / url.removeprefix(SITE_ROOT + "/")).read_bytes()
    ]


NEXT_VERSION = str(int(parser.PARSER_VERSION) + 1)


def drop_blockquotes_in_layout_b(monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulated parser change: layout B learns to leave quotations out of the body."""
    changed = tuple(
        dataclasses.replace(layout, noise=(*layout.noise, "blockquote"))
        if layout.name == "B"
        else layout
        for layout in layouts.LAYOUTS
    )
    monkeypatch.setattr(layouts, "LAYOUTS", changed)
    monkeypatch.setattr(parser, "PARSER_VERSION", NEXT_VERSION)


def test_a_parser_change_updates_exactly_the_articles_it_affects(
    archived: tuple[Path, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, db = archived
    before = stored_records(db)
    affected = set(blockquote_pages())
    assert affected, "no layout B page has a blockquote: the change would affect nothing"
    drop_blockquotes_in_layout_b(monkeypatch)
    status, lines = reparse(archived, capsys)
    assert status == 0
    assert lines[0] == f"changed {len(affected)} of {len(EXPECTED)}"
    per_field = {line.split()[0]: int(line.split()[1]) for line in lines[1:]}
    assert per_field == {"paragraphs": len(affected), "body_text": len(affected)}
    after = stored_records(db)
    for url in EXPECTED:
        assert after[url]["parser_version"] == NEXT_VERSION, url
        old = {k: v for k, v in before[url].items() if k != "parser_version"}
        new = {k: v for k, v in after[url].items() if k != "parser_version"}
        if url in affected:
            assert new["paragraphs"] != old["paragraphs"]
            assert len(new["paragraphs"]) < len(old["paragraphs"])
            assert {k for k in new if new[k] != old[k]} == {"paragraphs", "body_text"}
        else:
            assert new == old, url
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        # Same capture read again: no new raw page, and no revision of the article.
        assert conn.execute("SELECT count(*) FROM article_revision").fetchone()[0] == 0
        raw_pages = conn.execute("SELECT count(*) FROM raw_page").fetchone()[0]
    status, lines = reparse(archived, capsys)
    assert lines == [f"changed 0 of {len(EXPECTED)}"]
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        assert conn.execute("SELECT count(*) FROM raw_page").fetchone()[0] == raw_pages


def test_search_finds_the_text_a_reparse_wrote(
    archived: tuple[Path, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config, db = archived
    [url] = blockquote_pages()
    quoted = (SITE / url.removeprefix(SITE_ROOT + "/")).read_text(encoding="utf-8")
    inside = quoted.split("<blockquote", 1)[1].split("</blockquote>", 1)[0]
    words = re.findall(r"\w+", re.sub(r"<[^>]+>", " ", inside.split(">", 1)[1]))[:6]
    query = '"' + " ".join(words) + '"'

    def found() -> list[str]:
        capsys.readouterr()
        assert cli(["search", "--config", str(config), "--db", db, "--json", query]) == 0
        return [json.loads(line)["url"] for line in capsys.readouterr().out.splitlines()]

    assert url in found()
    drop_blockquotes_in_layout_b(monkeypatch)
    assert reparse(archived, capsys)[0] == 0
    assert url not in found()


def test_a_reparse_writes_an_article_row_only_where_it_differs(
    archived: tuple[Path, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, db = archived
    path = db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE article_written (id INTEGER);"
            "CREATE TRIGGER article_writes AFTER UPDATE ON article"
            " BEGIN INSERT INTO article_written VALUES (new.id); END;"
        )
        ids = sorted(row[0] for row in conn.execute("SELECT id FROM article"))

    def written() -> list[int]:
        with sqlite3.connect(path) as conn:
            found = sorted(row[0] for row in conn.execute("SELECT id FROM article_written"))
            conn.execute("DELETE FROM article_written")
        return found

    # Read by the parser that wrote them: records, versions and provenance as stored.
    assert reparse(archived, capsys)[1] == [f"changed 0 of {len(EXPECTED)}"]
    assert written() == [], "rows rewritten with what they already held"
    # A newer parser reading the same: each row written once, for its version.
    monkeypatch.setattr(parser, "PARSER_VERSION", NEXT_VERSION)
    assert reparse(archived, capsys)[1] == [f"changed 0 of {len(EXPECTED)}"]
    assert written() == ids, "every article's parser version, each written once"
    assert {record["parser_version"] for record in stored_records(db).values()} == {NEXT_VERSION}


def test_a_record_read_as_another_articles_url_is_left_as_it_was(
    archived: tuple[Path, str],
) -> None:
    _, db = archived
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        (a, url_a), (b, url_b), (c, url_c), (d, url_d) = conn.execute(
            "SELECT id, url FROM article ORDER BY id LIMIT 4"
        ).fetchall()
        # b's URL held by a, read before b: a gives it up, so b may take it back.
        conn.execute("UPDATE article SET url = 'moved-b' WHERE id = ?", (b,))
        conn.execute("UPDATE article SET url = ? WHERE id = ?", (url_b, a))
        # c's URL held by d, read after c: c may not take it; d goes back to its own.
        conn.execute("UPDATE article SET url = 'moved-c' WHERE id = ?", (c,))
        conn.execute("UPDATE article SET url = ? WHERE id = ?", (url_c, d))
    with Archive.open(db) as archive:
        report = rereading.reparse(archive, workers=0)
    assert report.refused == [f"moved-c: now reads as {url_c}, another archived article"]
    assert (report.changed, report.fields) == (3, {"url": 3})
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        urls = dict(
            conn.execute("SELECT id, url FROM article WHERE id IN (?, ?, ?, ?)", (a, b, c, d))
        )
    assert urls == {a: url_a, b: url_b, c: "moved-c", d: url_d}


def test_options_choose_the_articles_read_again(
    archived: tuple[Path, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    layout_a = sum(r["layout"] == "A" for r in EXPECTED.values())
    assert reparse(archived, capsys, "--layout", "A")[1] == [f"changed 0 of {layout_a}"]
    since = sum((r["published_at"] or "") >= "2025-06-01" for r in EXPECTED.values())
    assert reparse(archived, capsys, "--since", "2025-06-01")[1] == [f"changed 0 of {since}"]
    # Every article was read by the current version: below it none, below the next all.
    current = parser.PARSER_VERSION
    assert reparse(archived, capsys, "--parser-version-below", current)[1] == ["changed 0 of 0"]
    drop_blockquotes_in_layout_b(monkeypatch)
    status, lines = reparse(archived, capsys, "--parser-version-below", NEXT_VERSION, "--json")
    assert status == 0
    [line] = lines
    summary = json.loads(line)
    assert summary["of"] == len(EXPECTED)
    affected = len(blockquote_pages())
    assert summary["changed"] == affected
    assert summary["fields"] == {"body_text": affected, "paragraphs": affected}
    # Now all were read by the next version: nothing is below it any more.
    assert reparse(archived, capsys, "--parser-version-below", NEXT_VERSION)[1] == [
        "changed 0 of 0"
    ]
    assert reparse(archived, capsys, "--parser-version-below", "10")[1] == [
        f"changed 0 of {len(EXPECTED)}"
    ]


def test_a_bad_since_is_refused_before_any_work(
    archived: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config, db = archived
    assert cli(["reparse", "--config", str(config), "--db", db, "--since", "15/03/2024"]) == 2
    assert "--since" in capsys.readouterr().err
