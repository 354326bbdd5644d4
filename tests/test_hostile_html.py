"""The parser never raises on any input: a record or "not an article", every time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsarchive import Article, NotAnArticle, parse_article
from newsarchive.cli import run

PAGES = sorted((Path(__file__).resolve().parent.parent / "fixtures" / "site").glob("*.html"))
KINDS = {"listing", "tag", "search", "not_found", "empty", "challenge"}
URL = "https://kinhtedothi.vn/bai-viet.html"


def check(html: bytes | str) -> None:
    try:
        article = parse_article(html, URL)
    except NotAnArticle as exc:
        assert exc.kind in KINDS
        return
    assert isinstance(article, Article)
    assert article.title
    record = article.to_dict()
    json.dumps(record, ensure_ascii=False)  # always serialisable
    assert record["body_text"] == "\n\n".join(record["paragraphs"])


TEXT = st.text(
    alphabet=st.sampled_from(
        list("aăâbcdđeêghiklmnoôơpqrstuưvxyÀẢÃÁẠĐ \u00a0\u200b\u0301\u0323<>&;\"'/=\n\t.,:-")
    ),
    max_size=40,
)
TAGS = st.sampled_from(
    "p div span a img br table tr td th figure figcaption h1 h2 h3 ul li article section "
    "script style aside header footer strong b em time meta link iframe blockquote".split()
)
ATTRS = st.dictionaries(
    st.sampled_from(
        [
            "class",
            "id",
            "href",
            "src",
            "data-src",
            "style",
            "itemprop",
            "datetime",
            "rel",
            "role",
            "title-image",
            "content",
            "property",
        ]
    ),
    TEXT,
    max_size=3,
)


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def render(tag: str, attrs: dict[str, str], inner: list[str]) -> str:
        attributes = "".join(f' {k}="{v}"' for k, v in attrs.items())
        return f"<{tag}{attributes}>{''.join(inner)}</{tag}>"

    return st.builds(render, TAGS, ATTRS, st.lists(children, max_size=4))


MARKUP = st.recursive(TEXT, _element, max_leaves=40)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MARKUP)
def test_random_markup_gives_a_record_or_not_an_article(markup: str) -> None:
    check(markup)
    check(
        f"<html><head><title>t</title></head><body><article><h1>Tiêu đề</h1>{markup}</article></body></html>"
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    page=st.sampled_from(PAGES),
    cuts=st.lists(
        st.tuples(st.floats(0, 1), st.floats(0, 1), st.binary(max_size=30)), min_size=1, max_size=6
    ),
)
def test_mutated_replica_pages_give_a_record_or_not_an_article(
    page: Path, cuts: list[tuple[float, float, bytes]]
) -> None:
    data = bytearray(page.read_bytes())
    for start, length, insert in cuts:
        i = int(start * len(data))
        data[i : i + int(length * 200)] = insert  # delete a slice, put random bytes instead
    check(bytes(data))


@pytest.mark.parametrize(
    "html",
    [
        b"\xff\xfe\x00<\x00h\x001\x00>",  # UTF-16 with a BOM
        b'<meta charset="x-unknown"><h1>\xc3\x28</h1>',  # invalid UTF-8 under an unknown charset
        "<div>" * 20_000 + "chữ",  # deeply nested
        "<p>" + "Hà Nội " * 200_000 + "</p>",  # huge
        bytes(range(256)) * 50,  # binary
    ],
)
def test_extreme_pages_give_a_record_or_not_an_article(html: bytes | str) -> None:
    check(html)


def test_an_internal_error_in_parse_is_one_line_and_status_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(html: bytes | str, url: str) -> Article:
        raise RuntimeError("selector engine exploded")

    monkeypatch.setattr("newsarchive.cli.parse.parse_article", broken)
    page = tmp_path / "a.html"
    page.write_text("<h1>x</h1>")
    assert run(["parse", str(page)]) == 1
    err = capsys.readouterr().err
    assert err == "newsarchive: unexpected error: RuntimeError: selector engine exploded\n"
