"""The parser never raises on any input: a record or "not an article", every time."""

from __future__ import annotations

import json
import re
from pathlib import Path

import figures
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsarchive import Article, NotAnArticle, parse_article
from newsarchive.cli import run
from newsarchive.discover import links_in_feed, links_in_page, links_in_sitemap

PAGES = sorted((Path(__file__).resolve().parent.parent / "fixtures" / "site").glob("*.html"))
KINDS = {"listing", "tag", "search", "not_found", "empty", "challenge"}
URL = "https://kinhtedothi.vn/bai-viet.html"
# `make reliability` (NEWSARCHIVE_RELIABILITY_LONG=1) feeds ten times as many inputs.
EXAMPLES = 3000 if figures.LONG else 300


def check(html: bytes | str) -> None:
    figures.count("parser inputs fuzzed")
    try:
        article = parse_article(html, URL)
    except NotAnArticle as exc:
        assert exc.kind in KINDS
        return
    assert isinstance(article, Article)
    assert article.title, "an article without a title: it should have been NotAnArticle"
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


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MARKUP)
def test_random_markup_gives_a_record_or_not_an_article(markup: str) -> None:
    check(markup)
    check(
        f"<html><head><title>t</title></head><body><article><h1>Tiêu đề</h1>{markup}</article></body></html>"
    )


# Where to cut a page and what to put in: (start, length) as shares, and the bytes.
CUTS = st.lists(
    st.tuples(st.floats(0, 1), st.floats(0, 1), st.binary(max_size=30)), min_size=1, max_size=6
)


def mutated(page: bytes, cuts: list[tuple[float, float, bytes]]) -> bytes:
    data = bytearray(page)
    for start, length, insert in cuts:
        i = int(start * len(data))
        data[i : i + int(length * 200)] = insert  # delete a slice, put random bytes instead
    return bytes(data)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page=st.sampled_from(PAGES), cuts=CUTS)
def test_mutated_replica_pages_give_a_record_or_not_an_article(
    page: Path, cuts: list[tuple[float, float, bytes]]
) -> None:
    check(mutated(page.read_bytes(), cuts))


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


ARTICLE_PAGE = PAGES[0].parent / "khai-mac-le-hoi-van-hoa-am-thuc-ha-noi-2025.790377.html"
# Addresses as hostile pages write them: broken IPv6 hosts, ports out of range, credentials,
# other schemes, stray brackets, percent signs and quotes.
ADDRESS = st.tuples(
    st.sampled_from(["http://", "https://", "//", "/", "ftp://", "javascript:", "", "http://["]),
    st.text(
        alphabet=st.sampled_from(list("kinhtedothi.vn[]@:%/?#&=\"' -_0123456789ạ")), max_size=50
    ),
).map("".join)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(address=ADDRESS)
def test_hostile_addresses_in_links_images_and_canonical_never_raise(address: str) -> None:
    html = ARTICLE_PAGE.read_text(encoding="utf-8")
    html = re.sub(r'(<link rel="canonical" href=")[^"]*', lambda m: m[1] + address, html, count=1)
    html = html.replace("<p>", f'<p><a href="{address}">x</a><img src="{address}">', 1)
    html = html.replace("</body>", f'<a href="{address}">y</a></body>')
    check(html)
    links_in_page(html, URL, max_listing_page=2)
    escaped = address.replace("&", "&amp;").replace("<", "&lt;")
    links_in_feed(f"<rss><channel><item><link>{escaped}</link></item></channel></rss>".encode())
    links_in_sitemap(
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{escaped}</loc></url></urlset>".encode()
    )


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
