"""How each field was read (`Article.provenance`): kept by the archive beside the record, never a
version of its own, rewritten by `reparse`, carried by `copy` and the crawl's reading worker, and
shown by `parse --explain`, `show --explain` and `check --live`."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from crawled import rows
from replica import start_replica, unknown_layout_page
from sqlalchemy import create_engine

from newsarchive.cli import run as cli
from newsarchive.parse import parse_article
from newsarchive.record import FIELDS, SOURCE_KINDS, Article, Provenance
from newsarchive.runs.readers import Readers
from newsarchive.runs.reparse import reparse
from newsarchive.site import layouts
from newsarchive.store import Archive, Fetched, RawPage, copy_archive
from newsarchive.store.engine import migration_config

SITE = Path(__file__).resolve().parent.parent / "fixtures" / "site"
SITE_ROOT = "https://kinhtedothi.vn"
PAGE = "chi-so-gia-tieu-dung-ha-noi-tang-nhe-trong-thang-9-2022.html"  # layout B
URL = f"{SITE_ROOT}/{PAGE}"
NEW_URL = f"{SITE_ROOT}/bo-cuc-moi-so-1-790001.html"
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
OLD_ARCHIVE = Path(__file__).parent / "data" / "archive-0.1.0.db"


def page_bytes() -> bytes:
    return (SITE / PAGE).read_bytes()


def parsed(body: bytes = b"", url: str = URL) -> Article:
    return parse_article(body or page_bytes(), url)


def raw(url: str = URL, body: bytes = b"", at: datetime = T0) -> RawPage:
    return RawPage(
        url=url,
        fetch_url=url,
        final_url=url,
        status=200,
        outcome="ok",
        headers=(("Content-Type", "text/html; charset=utf-8"),),
        body=body or page_bytes(),
        fetched_at=at,
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "archive.db"


@pytest.fixture
def archive(db: Path) -> Iterator[Archive]:
    with Archive.open(f"sqlite:///{db}") as opened:
        yield opened


def sources_of(db: Path, url: str) -> tuple[dict[str, str] | None, float | None]:
    [(sources, confidence)] = rows(
        db, f"SELECT field_sources, confidence FROM article WHERE url = '{url}'"
    )
    return (None if sources is None else json.loads(sources)), confidence


def said(provenance: Provenance | None) -> Provenance:
    assert provenance is not None, "the parser says how it read each field"
    return provenance


# -- the archive keeps it --------------------------------------------------------------------


def test_a_stored_article_keeps_how_each_field_was_read_and_how_sure_the_parser_was(
    archive: Archive, db: Path
) -> None:
    article = parsed()
    provenance = said(article.provenance)

    assert archive.record_fetch(raw(), article=article, page_kind="article") == "new"

    assert sources_of(db, URL) == (dict(provenance.fields), provenance.confidence)
    stored = archive.get_article(URL)
    assert stored is not None and stored == article
    assert stored.provenance == provenance
    [(sources, confidence)] = rows(db, "SELECT field_sources, confidence FROM article_view")
    assert json.loads(sources) == dict(provenance.fields) and confidence == provenance.confidence


def test_how_the_fields_were_read_changing_alone_makes_no_revision_but_is_kept(
    archive: Archive, db: Path
) -> None:
    article = parsed()
    archive.record_fetch(raw(), article=article, page_kind="article")
    other = Provenance((("title", "metadata:og:title"), ("paragraphs", "generic:structure")), 0.4)

    outcome = archive.record_fetch(
        raw(at=T0 + timedelta(hours=1)),
        article=dataclasses.replace(article, provenance=other),
        page_kind="article",
    )

    assert outcome == "unchanged"
    assert rows(db, "SELECT count(*) FROM article_revision") == [(0,)]
    assert sources_of(db, URL) == (dict(other.fields), 0.4)
    # A reading that says nothing of how it read leaves what the archive knew.
    unsaid = dataclasses.replace(article, provenance=None)
    archive.record_fetch(raw(at=T0 + timedelta(hours=2)), article=unsaid, page_kind="article")
    assert sources_of(db, URL) == (dict(other.fields), 0.4)


def test_a_changed_record_keeps_its_old_version_and_the_new_ones_field_sources(
    archive: Archive, db: Path
) -> None:
    article = parsed()
    archive.record_fetch(raw(), article=article, page_kind="article")
    newer = Provenance((("title", "layout:h1.new"),), 0.75)
    changed = dataclasses.replace(article, title="Một tiêu đề đã sửa", provenance=newer)

    outcome = archive.record_fetch(
        raw(at=T0 + timedelta(hours=1)), article=changed, page_kind="article"
    )

    assert outcome == "updated"
    [(record,)] = rows(db, "SELECT record FROM article_revision")
    assert list(json.loads(record)) == list(FIELDS)  # the record alone, as before
    assert sources_of(db, URL) == ({"title": "layout:h1.new"}, 0.75)


def test_the_crawls_reading_worker_hands_the_field_sources_to_the_store(
    archive: Archive, db: Path
) -> None:
    async def read_in_a_worker() -> Any:
        async with Readers(1, 2) as readers:
            return await readers.read("article", URL, page_bytes())

    reading = asyncio.run(read_in_a_worker())
    assert reading.prepared is not None and reading.article is not None

    archive.record_fetches([Fetched(raw(), reading.article, "article", prepared=reading.prepared)])

    provenance = said(parsed().provenance)
    assert sources_of(db, URL) == (dict(provenance.fields), provenance.confidence)


def test_an_archive_from_before_field_sources_gains_the_columns_empty_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    old = tmp_path / "old.db"
    shutil.copyfile(OLD_ARCHIVE, old)
    with Archive.open(f"sqlite:///{old}") as archive:
        stored = archive.get_article(1)
        assert stored is not None and stored.provenance is None
    assert rows(old, "SELECT count(*), count(field_sources), count(confidence) FROM article") == [
        (21, 0, 0)
    ]
    assert rows(old, "SELECT count(*), count(field_sources) FROM article_view") == [(21, 0)]
    # And down again: the view as it was, every row kept; up again as the archive opens.
    engine = create_engine(f"sqlite:///{old}")
    try:
        config = migration_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0006")
    finally:
        engine.dispose()
    columns = [row[1] for row in rows(old, "PRAGMA table_info(article_view)")]
    assert "field_sources" not in columns and columns[-1] == "revisions"
    assert rows(old, "SELECT count(*) FROM article_view") == [(21,)]
    Archive.open(f"sqlite:///{old}").close()
    columns = [row[1] for row in rows(old, "PRAGMA table_info(article_view)")]
    assert columns[-3:] == ["revisions", "field_sources", "confidence"]


def test_copy_carries_the_field_sources_across(archive: Archive, db: Path, tmp_path: Path) -> None:
    archive.record_fetch(raw(), article=parsed(), page_kind="article")
    target = tmp_path / "copy.db"

    copy_archive(f"sqlite:///{db}", f"sqlite:///{target}")

    assert sources_of(target, URL) == sources_of(db, URL) != (None, None)


# -- reparse ---------------------------------------------------------------------------------


def test_reparse_writes_how_the_fields_were_read_even_when_no_record_changes(
    archive: Archive, db: Path
) -> None:
    # As stored by a parser that did not yet say how it read a page.
    unsaid = dataclasses.replace(parsed(), provenance=None)
    archive.record_fetch(raw(), article=unsaid, page_kind="article")
    assert sources_of(db, URL) == (None, None)

    report = reparse(archive)

    assert report.summary_line() == "changed 0 of 1"
    provenance = said(parsed().provenance)
    assert sources_of(db, URL) == (dict(provenance.fields), provenance.confidence)


def test_reparse_of_the_generic_pages_reads_them_with_a_layout_that_now_knows_them(
    archive: Archive, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = unknown_layout_page(1).encode()
    generic = parsed(body, NEW_URL)
    assert generic.layout == "generic" and said(generic.provenance).kind("paragraphs") == "generic"
    archive.record_fetch(raw(NEW_URL, body), article=generic, page_kind="article")
    archive.record_fetch(raw(), article=parsed(), page_kind="article")  # a known layout, left be
    # The site's new template gets its layout.
    new_layout = layouts.Layout(
        name="D", body=("article.noi-dung-moi",), title=("article h1",), noise=("h1",)
    )
    monkeypatch.setattr(layouts, "LAYOUTS", (*layouts.LAYOUTS, new_layout))

    report = reparse(archive, layout="generic")

    assert report.summary_line() == "changed 1 of 1"
    assert report.fields["layout"] == 1
    stored = archive.get_article(NEW_URL)
    assert stored is not None and stored.layout == "D"
    assert stored.paragraphs == generic.paragraphs
    provenance = said(stored.provenance)
    assert provenance != generic.provenance
    assert provenance.kind("paragraphs") == "layout"
    sources, confidence = sources_of(db, NEW_URL)
    assert sources == dict(provenance.fields) and confidence == provenance.confidence
    assert rows(db, f"SELECT layout FROM article WHERE url = '{NEW_URL}'") == [("D",)]
    assert reparse(archive, layout="generic").considered == 0


# -- parse and show ------------------------------------------------------------------------


def test_parse_explain_prints_the_record_and_how_each_field_was_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    file = str(SITE / PAGE)
    assert cli(["parse", file]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert list(plain) == list(FIELDS)  # without --explain, the record alone

    assert cli(["parse", file, "--explain"]) == 0

    explained = json.loads(capsys.readouterr().out)
    assert list(explained) == [*FIELDS, "provenance"]
    assert {k: v for k, v in explained.items() if k != "provenance"} == plain
    provenance = explained["provenance"]
    assert set(provenance) == {"confidence", "fields"}
    assert 0 <= provenance["confidence"] <= 1
    assert provenance["fields"]["paragraphs"].startswith("layout:")
    for rule in provenance["fields"].values():
        assert rule.split(":", 1)[0] in SOURCE_KINDS


def test_show_explain_gives_what_the_archive_kept_as_json_and_for_people(
    archive: Archive, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = parsed()
    archive.record_fetch(raw(), article=article, page_kind="article")
    unsaid = dataclasses.replace(parsed(unknown_layout_page(2).encode(), NEW_URL), provenance=None)
    archive.record_fetch(
        raw(NEW_URL, unknown_layout_page(2).encode()), article=unsaid, page_kind="article"
    )
    show = ["show", "--db", f"sqlite:///{db}"]

    assert cli([*show, URL, "--json", "--explain"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown == article.to_dict() | {"provenance": said(article.provenance).to_dict()}

    assert cli([*show, URL, "--explain"]) == 0
    text = capsys.readouterr().out
    assert cli([*show, URL]) == 0
    assert text.startswith(capsys.readouterr().out.rstrip("\n"))
    confidence = said(article.provenance).confidence
    assert f"\n\nread by:   confidence {confidence:.2f}\n" in text
    assert "\n  layout   " in text and "paragraphs" in text.split("\n  layout   ")[1]

    assert cli([*show, NEW_URL, "--json", "--explain"]) == 0
    assert json.loads(capsys.readouterr().out)["provenance"] is None
    assert cli([*show, NEW_URL, "--explain"]) == 0
    assert "read by:   not recorded" in capsys.readouterr().out


# -- check --live ----------------------------------------------------------------------------


def test_check_live_counts_per_field_the_pages_each_kind_of_rule_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = Path(shutil.copytree(SITE, tmp_path / "site"))
    newest = _feed_articles(site)
    # The newest article turns up in a template no layout's rules know.
    (site / newest[0]).write_text(unknown_layout_page(7), encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text("[fetch]\ndelay = 0.0\nretries = 0\n", encoding="utf-8")
    check = ["check", "--config", str(config), "--live", "--n", "5"]

    with start_replica(site) as mirror:
        status = cli([*check, "--base-url", mirror.base_url, "--json"])
        report = json.loads(capsys.readouterr().out)
        assert cli([*check, "--base-url", mirror.base_url]) == status
        text = capsys.readouterr().out

    assert status == 4  # as before: a page no layout knows is an alarm
    sources = report["sources"]
    for name, counts in sources.items():
        assert list(counts) == list(SOURCE_KINDS), name
        assert sum(counts.values()) == report["checked"] == 5, name
        assert counts["none"] == report["empty"][name], name
    assert sources["paragraphs"]["generic"] == 1 and sources["paragraphs"]["layout"] == 4
    assert sources["body_text"] == sources["paragraphs"]
    assert sources["published_at"]["metadata"] >= 1  # the new page's JSON-LD
    assert 0 < report["confidence"]["lowest"] <= report["confidence"]["median"] <= 1
    # For people: one row per field, a column per kind of rule.
    lines = text.splitlines()
    header = next(at for at, line in enumerate(lines) if line.startswith("read by:"))
    assert lines[header].split()[2:] == list(SOURCE_KINDS)
    row = next(line for line in lines[header:] if line.startswith("  paragraphs "))
    assert row.split()[1:] == [str(sources["paragraphs"][kind]) for kind in SOURCE_KINDS]
    assert "confidence: lowest " in text


def _feed_articles(root: Path) -> list[str]:
    tree = ET.parse(root / "rss" / "home.rss")
    links = [item.findtext("link") or "" for item in tree.iter("item")]
    return [link.removeprefix(SITE_ROOT + "/") for link in links]
