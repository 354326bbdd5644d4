"""Every replica article against its expected record, written by hand: every field, exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from newsarchive import PARSER_VERSION, parse_article
from newsarchive.record import FIELDS

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


def test_the_replica_has_articles_of_every_layout() -> None:
    layouts = [json.loads(p.read_text(encoding="utf-8"))["layout"] for p in EXPECTED]
    assert len(layouts) >= 15
    assert {layouts.count(name) >= 3 for name in "ABC"} == {True}


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
