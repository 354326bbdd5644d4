"""Canonical URLs and URL kinds, as ARTICLE.md and SITE.md define them."""

from urllib.parse import urljoin

import pytest

from newsarchive.site.urls import (
    article_match,
    canonical_url,
    from_fetch_url,
    join_url,
    to_fetch_url,
    url_kind,
)


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("http://www.KinhTeDoThi.vn/a-b-123456.html", "https://kinhtedothi.vn/a-b-123456.html"),
        ("https://kinhtedothi.vn/a.html#binh-luan", "https://kinhtedothi.vn/a.html"),
        (
            "https://kinhtedothi.vn/a.html?utm_source=fb&id=3&fbclid=x&zarsrc=1&gclid=2&_ga=1",
            "https://kinhtedothi.vn/a.html?id=3",
        ),
        # Other parameters keep their order and their exact spelling, empty values included.
        (
            "https://kinhtedothi.vn/a.html?b=%C3%A0&a=&utm_medium=x",
            "https://kinhtedothi.vn/a.html?b=%C3%A0&a=",
        ),
        ("//kinhtedothi.vn/Tin/Ab/", "https://kinhtedothi.vn/Tin/Ab/"),
    ],
)
def test_canonical_form_drops_tracking_and_www_but_keeps_the_path(
    given: str, canonical: str
) -> None:
    assert canonical_url(given) == canonical


def test_relative_links_resolve_against_the_page() -> None:
    assert canonical_url("/x.html", base="https://kinhtedothi.vn/do-thi/") == (
        "https://kinhtedothi.vn/x.html"
    )


@pytest.mark.parametrize(
    ("url", "layout", "site_id"),
    [
        ("https://kinhtedothi.vn/ha-noi-mo-rong-duong-712345.html", "A", "712345"),
        ("https://kinhtedothi.vn/ha-noi-mo-rong-duong.712345.html", "C", "712345"),
        # A layout-B slug ending in a year is not an id.
        ("https://kinhtedothi.vn/gia-vang-thang-9-2022.html", "B", None),
        ("https://kinhtedothi.vn/tin-nam-2022.html", "B", None),
    ],
)
def test_article_urls_name_their_layout_and_id(url: str, layout: str, site_id: str | None) -> None:
    assert article_match(url) == (layout, site_id)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://kinhtedothi.vn/", "listing"),
        ("https://kinhtedothi.vn/kinh-te/", "listing"),
        ("https://kinhtedothi.vn/kinh-te/trang-2.html", "listing"),
        ("https://kinhtedothi.vn/tag/ha-noi.html", "tag"),
        ("https://kinhtedothi.vn/tim-kiem.html?q=x", "search"),
        ("https://example.com/a-123456.html", "other"),
        ("https://phapluatxahoi.kinhtedothi.vn/a-123456.html", "other"),
    ],
)
def test_url_kinds(url: str, kind: str) -> None:
    assert url_kind(url) == kind


def test_mirror_fetches_keep_site_urls() -> None:
    site = "https://kinhtedothi.vn/a.html?id=1"
    mirror = to_fetch_url(site, "http://127.0.0.1:8765")
    assert mirror == "http://127.0.0.1:8765/a.html?id=1"
    assert from_fetch_url(mirror, "http://127.0.0.1:8765") == site
    assert to_fetch_url(site, None) == site


_HREFS = [
    "/",
    "/a-123456.html",
    "/kinh-te/",
    "/a/b.c/d",
    "/a/../b.html",
    "/./a",
    "//cdn.example/x.jpg",
    "/a//b",
    "/a;p",
    "/a?b=1",
    "/a#f",
    "a-1.html",
    "https://kinhtedothi.vn/x-1.html",
    "http://www.kinhtedothi.vn:8080/a/../b",
    "HTTPS://KINHTEDOTHI.VN/X",
    "https://kinhtedothi.vn/x?",
    "https://kinhtedothi.vn/x#",
    "https://kinhtedothi.vn",
    "ftp://kinhtedothi.vn/x",
    "http://[broken/x",
]


@pytest.mark.parametrize(
    "base",
    ["https://kinhtedothi.vn/a/b-1.html", "http://www.kinhtedothi.vn:8443/a?q=1", "ftp://h/x"],
)
def test_join_url_is_what_urljoin_gives(base: str) -> None:
    for href in _HREFS:
        assert joined_by_hand(href, base) == joined_by_urljoin(href, base), href


def joined_by_hand(href: str, base: str) -> str | type[ValueError]:
    """`join_url`, or ValueError where it raises one."""
    try:
        return join_url(href, base)
    except ValueError:
        return ValueError


def joined_by_urljoin(href: str, base: str) -> str | type[ValueError]:
    try:
        return urljoin(base, href)
    except ValueError:
        return ValueError
