"""Every replica article against its expected record, written by hand: every field, exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from newsarchive import PARSER_VERSION, parse_article
from newsarchive.record import FIELDS
from newsarchive.site.layouts import LAYOUTS, Layout

SITE = Path(__file__).resolve().parent.parent / "fixtures" / "site"
EXPECTED = sorted(SITE.rglob("*.expected.json"))
# Ad slots and sponsored boxes as the replica's pages mark them (scripts included).
AD_SLOTS = "[id^=adv], [class*=adv], [class*=banner], .box_guests, script, [class*=tai-tro], [class*=sponsor]"


def _url_of(page: Path) -> str:
    return "https://kinhtedothi.vn/" + page.relative_to(SITE).as_posix()


def _load(path: Path) -> tuple[dict[str, object], dict[str, object]]:
    expected = json.loads(path.read_text(encoding="utf-8"))
    page = path.with_name(path.name.replace(".expected.json", ".html"))
    record = parse_article(page.read_bytes(), _url_of(page)).to_dict()
    return expected, record


@pytest.mark.parametrize("layout", [layout.name for layout in LAYOUTS])
def test_every_layout_has_fixture_articles_that_its_rules_read(layout: str) -> None:
    # The list comes from site/: a layout declared without fixtures fails here.
    layouts = [json.loads(p.read_text(encoding="utf-8"))["layout"] for p in EXPECTED]
    assert len(layouts) >= 15, "fixtures/site/ lost its articles"
    assert layouts.count(layout) >= 3, f"layout {layout} needs fixture pages under fixtures/site/"


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
def test_every_layout_declares_its_era_and_its_article_urls(layout: Layout) -> None:
    assert layout.era, f"layout {layout.name}: say when the site used it"
    assert layout.url_form and layout.body


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name.removesuffix(".expected.json"))
@pytest.mark.parametrize("field", [f for f in FIELDS if f != "parser_version"])
def test_field_matches_the_expected_record(path: Path, field: str) -> None:
    expected, record = _load(path)
    assert list(expected) == list(FIELDS), "expected JSON must list ARTICLE.md's fields in order"
    assert record[field] == expected[field]


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_no_caption_related_title_ad_or_byline_lands_in_the_body(path: Path) -> None:
    expected, record = _load(path)
    page = LexborHTMLParser(
        path.with_name(path.name.replace(".expected.json", ".html")).read_bytes()
    )
    ads = [" ".join(n.text(deep=True).split()) for n in page.css(AD_SLOTS)]
    for ad in filter(None, ads):
        assert ad not in str(record["body_text"])
    paragraphs = record["paragraphs"]
    assert isinstance(paragraphs, list)
    outsiders = [*expected["captions"], *(r["title"] for r in expected["related"])]  # type: ignore[attr-defined]
    outsiders += expected["authors"]  # type: ignore[operator]
    for text in outsiders:
        assert text not in paragraphs
    assert record["parser_version"] == PARSER_VERSION
