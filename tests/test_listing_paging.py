"""A listing read as one: its next page by the links its paging gives, whatever their URL form,
never out of its section; its teasers of no known URL form; how deep a chain is followed."""

from __future__ import annotations

import pytest

from newsarchive.discover import Found, links_in_page
from newsarchive.runs.readers import read_page

SITE = "https://kinhtedothi.vn"
SECTION = f"{SITE}/kinh-te/"

MENU = """<header class="site-header"><nav class="main-nav"><a href="/">Trang chủ</a>
<a href="/kinh-te/">Kinh tế</a><a href="/kinh-te/thi-truong/">Thị trường</a></nav></header>"""
FOOTER = """<footer class="site-footer"><div class="footer__menu"><a href="/kinh-te/">Kinh tế</a>
<a href="/xa-hoi/">Xã hội</a></div></footer>"""


def story(href: str, title: str = "Một bài viết", *, heading: bool = True) -> str:
    title_link = f'<a href="{href}">{title}</a>'
    return (
        f'<div class="story"><a class="story__thumb" href="{href}"><img src="x.jpg" alt=""></a>'
        + (f"<h3>{title_link}</h3>" if heading else title_link)
        + "<p>Tóm tắt.</p></div>"
    )


STORIES = story("/bai-mot-700001.html") + story("/bai-hai.700002.html")


def page(main: str, head: str = "") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head><body>{MENU}'
        f'<main><div class="list-stories">{STORIES}</div>{main}</main>{FOOTER}</body></html>'
    )


def next_page(html: str, url: str = SECTION) -> str | None:
    listings = [
        f for f in links_in_page(html, url, max_listing_page=9, depth=1) if f.kind == "listing"
    ]
    assert len(listings) <= 1, f"more than one next page: {listings}"
    return listings[0].url if listings else None


@pytest.mark.parametrize(
    ("head", "main", "expected"),
    [
        # <link rel="next"> in the head, to a query form
        ('<link rel="next" href="/kinh-te/?page=2">', "", "/kinh-te/?page=2"),
        # <a rel="next"> without any paging block
        ("", '<a rel="next" href="/kinh-te/p2">Các tin cũ hơn</a>', "/kinh-te/p2"),
        # the legacy `.paging a.active + a`, to a directory
        (
            "",
            '<div class="paging"><a class="active" href="/kinh-te/">1</a>'
            '<a href="/kinh-te/trang-2/">2</a><a href="/kinh-te/trang-3/">3</a></div>',
            "/kinh-te/trang-2/",
        ),
        # Bootstrap-like: the active item is the `li`, its link inside it
        (
            "",
            '<nav aria-label="Phân trang"><ul class="pagination"><li class="page-item">'
            '<a href="/kinh-te/?p=1">1</a></li><li class="page-item active"><a href="/kinh-te/?p=2">'
            '2</a></li><li class="page-item"><a href="/kinh-te/?p=3">3</a></li></ul></nav>',
            "/kinh-te/?p=3",
        ),
        # the active page is a number that is no link, among numbered links
        (
            "",
            '<div id="phan-trang"><a href="/kinh-te/trang-1.htm">1</a> <strong>2</strong> '
            '<a href="/kinh-te/trang-3.htm">3</a></div>',
            "/kinh-te/trang-3.htm",
        ),
        # aria-current marks it
        (
            "",
            '<div class="pager"><a href="/kinh-te/" aria-current="page">1</a>'
            '<a href="/kinh-te/page/2">2</a></div>',
            "/kinh-te/page/2",
        ),
        # a "next" label, arrow and all, in a paging block without an active mark
        (
            "",
            '<div class="box-paging"><a href="/kinh-te/pg-2">2</a>'
            '<a class="btn" href="/kinh-te/pg-2">Trang sau ›</a></div>',
            "/kinh-te/pg-2",
        ),
        # "Xem thêm" alone, outside any paging block
        (
            "",
            '<div class="load-more"><a href="/kinh-te/xem-them-2">Xem thêm</a></div>',
            "/kinh-te/xem-them-2",
        ),
        # labels compared without case or diacritics
        ("", '<p><a href="/kinh-te/?trang=2">TIẾP THEO</a></p>', "/kinh-te/?trang=2"),
        ("", '<p><a href="/kinh-te/?trang=2">xem tiep</a></p>', "/kinh-te/?trang=2"),
        ("", '<p><a href="/kinh-te/?trang=2" title="Trang sau">»</a></p>', "/kinh-te/?trang=2"),
        # an arrow drawn by an icon: no text, a title that says it
        (
            "",
            '<a href="/kinh-te/?trang=2" title="Trang sau"><i class="icon"></i></a>',
            "/kinh-te/?trang=2",
        ),
    ],
    ids=[
        "link-rel-next",
        "a-rel-next",
        "a-active-plus-a",
        "li-active",
        "unlinked-strong",
        "aria-current",
        "trang-sau-label",
        "xem-them-fixed-below",
        "label-upper-case",
        "label-no-diacritics",
        "guillemet",
        "icon-with-title",
    ],
)
def test_the_next_page_is_the_link_the_page_marks_whatever_its_url_form(
    head: str, main: str, expected: str
) -> None:
    assert next_page(page(main, head)) == SITE + expected


@pytest.mark.parametrize(
    "main",
    [
        # numbered paging without an active mark: which page this is, nothing says
        '<div class="paging"><a href="/kinh-te/trang-1/">1</a><a href="/kinh-te/trang-2/">2</a>'
        '<a href="/kinh-te/trang-3/">3</a></div>',
        # the active page is the last: what follows is no page
        '<div class="paging"><a href="/kinh-te/">1</a><a class="active" href="/kinh-te/trang-2/">2'
        '</a></div><a href="/kinh-te/thi-truong/">Thị trường</a>',
        '<div class="paging"><a href="/kinh-te/">1</a><span class="current">2</span>'
        '<a href="/kinh-te/trang-9/">Trang cuối</a></div>',
        # a number before the active one is no next page
        '<div class="paging"><a class="active" href="/kinh-te/trang-3/">3</a>'
        '<a href="/kinh-te/trang-1/">1</a></div>',
        # "Trang trước" is no next label; neither is a label inside a longer text
        '<div class="paging"><a href="/kinh-te/">‹ Trang trước</a></div>'
        '<p><a href="/kinh-te/x">Xem thêm các tin về thị trường</a></p>',
        # a link that leads nowhere (JavaScript) is none
        '<div class="load-more"><a href="javascript:void(0)">Xem thêm</a></div>',
    ],
    ids=["numbers-no-active", "active-last", "last-page-link", "backwards", "prev-label", "js"],
)
def test_no_next_page_is_guessed(main: str) -> None:
    assert next_page(page(main)) is None


@pytest.mark.parametrize(
    "link",
    [
        '<link rel="next" href="/xa-hoi/trang-2/">',  # another section
        '<link rel="next" href="https://example.com/kinh-te/trang-2/">',  # another host
        '<link rel="next" href="https://phapluatxahoi.kinhtedothi.vn/kinh-te/trang-2/">',  # sister
        '<link rel="next" href="/ha-noi-tang-truong-700003.html">',  # an article
        '<link rel="next" href="/tag/kinh-te.html">',  # a tag page
        '<link rel="next" href="/kinh-te/">',  # the section's own first page
        '<link rel="next" href="/">',  # the home
    ],
    ids=["section", "host", "sister-host", "article", "tag", "first-page", "home"],
)
def test_paging_never_leaves_the_section(link: str) -> None:
    assert next_page(page("", link)) is None


def test_a_next_link_that_leaves_the_section_gives_way_to_one_that_stays() -> None:
    html = page(
        '<div class="paging"><a class="active" href="/kinh-te/">1</a>'
        '<a href="https://example.com/p/2">2</a></div>'
        '<div class="more"><a href="/kinh-te/trang-2.html">Trang sau</a></div>',
        '<link rel="next" href="/do-thi/trang-2.html">',
    )
    assert next_page(html) == f"{SITE}/kinh-te/trang-2.html"


def test_menus_and_read_more_links_are_no_next_pages() -> None:
    html = page("").replace(
        '<a href="/kinh-te/thi-truong/">Thị trường</a>',
        '<a href="/kinh-te/thi-truong/">Xem thêm</a>',  # a menu item labelled like one
    )
    # "Xem thêm" in a teaser reads that article on: it does not page the list.
    html = html.replace(
        "<p>Tóm tắt.</p></div>",
        '<p>Tóm tắt. <a href="/kinh-te/bai-mot-a123.html">Xem thêm</a></p></div>',
        1,
    )
    assert next_page(html) is None


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ('<link rel="next" href="/?page=2">', "/?page=2"),
        ('<link rel="next" href="/trang-2.html">', "/trang-2.html"),
        ('<link rel="next" href="/kinh-te/">', None),  # a section: a menu link, not page 2
        ('<link rel="next" href="/bai-viet-moi.html">', None),  # a layout-B article
    ],
)
def test_the_homes_next_pages_stay_at_the_root(link: str, expected: str | None) -> None:
    home = page('<a href="/kinh-te/">Xem thêm</a>', link)
    assert next_page(home, f"{SITE}/") == (SITE + expected if expected else None)
    if expected:  # and page 2 of the home leads to page 3 the same way
        third = expected.replace("2", "3")
        assert next_page(home.replace(expected, third), SITE + expected) == SITE + third


def test_a_chain_is_followed_to_listing_pages_and_the_next_page_is_one_deeper() -> None:
    html = page("", '<link rel="next" href="/kinh-te/trang-4/">')
    url = f"{SITE}/kinh-te/trang-3/"
    [following] = [
        f for f in links_in_page(html, url, max_listing_page=4, depth=3) if f.kind == "listing"
    ]
    assert following == Found(f"{SITE}/kinh-te/trang-4/", "listing", "listing", depth=4)
    for depth in (4, 5):
        found = links_in_page(html, url, max_listing_page=4, depth=depth)
        assert [f for f in found if f.kind == "listing"] == []


def test_teasers_of_no_known_url_form_are_asked_what_they_are() -> None:
    odd = [
        "/kinh-te/cho-dau-moi-a812345.html",  # a heading link and a thumbnail
        "/kinh-te/tin/gia-vang-hom-nay",  # no suffix
        "/kinh-te/bao-cao-a812347.htm",  # image and title, no heading
    ]
    items = story(odd[0]) + story(odd[1]) + story(odd[2], heading=False)
    html = page(
        f'<div class="list-stories">{items}</div>'
        # not teasers: a directory, a list of bare links, a single block, another host, a file
        + story("/kinh-te/thi-truong/")
        + '<ul class="links"><li><a href="/kinh-te/lien-ket-1.html">Liên kết</a></li>'
        '<li><a href="/kinh-te/lien-ket-2.html">Liên kết</a></li></ul>'
        '<div class="featured"><h2><a href="/kinh-te/noi-bat-a1.html">Nổi bật</a></h2></div>'
        + story("https://example.com/kinh-te/x-a2.html")
        + story("/kinh-te/bao-cao.pdf")
    )
    html = html.replace(
        '<a href="/kinh-te/thi-truong/">Thị trường</a>',
        '<a href="/kinh-te/thi-truong/">Thị trường</a><ul><li><h3><a href="/kinh-te/menu-a3.html">'
        'Menu</a></h3></li><li><h3><a href="/kinh-te/menu-a4.html">Menu</a></h3></li></ul>',
    )
    found = links_in_page(html, SECTION, max_listing_page=2, depth=1)
    assert [(f.url, f.kind) for f in found] == [
        (f"{SITE}/bai-mot-700001.html", "article"),
        (f"{SITE}/bai-hai.700002.html", "article"),
        *((SITE + url, "page") for url in odd),
    ]
    # Not on a page read as no listing (an article's), nor on a tag page.
    assert [f.kind for f in links_in_page(html, SECTION, max_listing_page=2)] == ["article"] * 2
    tag = links_in_page(html, f"{SITE}/tag/kinh-te.html", max_listing_page=2, depth=1)
    assert {f.kind for f in tag} == {"article"}


def test_a_page_of_no_known_form_is_kept_if_it_is_an_article_and_read_as_a_listing_if_not() -> None:
    article = """<!DOCTYPE html><html><head><meta charset="utf-8">
    <meta property="og:type" content="article"></head><body><main><article>
    <h1 class="article-title">Chợ đầu mối áp dụng truy xuất nguồn gốc</h1>
    <div class="article-published-on">07:30 08/12/2025</div>
    <div id="article-detail"><p>Theo Sở Công Thương Hà Nội, ba chợ đầu mối đã hoàn thành việc cấp mã
    cho hơn 1.200 hộ kinh doanh; mỗi lô hàng được quét mã khi vào chợ.</p>
    <p>Thông tin về nơi sản xuất, ngày thu hoạch và đơn vị vận chuyển được lưu trên hệ thống và hiển
    thị khi người mua quét mã bằng điện thoại.</p></div></article></main></body></html>"""
    url = f"{SITE}/kinh-te/cho-dau-moi-a812345.html"
    reading = read_page("page", url, article.encode(), 2)
    assert reading.kind == "article" and reading.article is not None
    assert reading.article.title == "Chợ đầu mối áp dụng truy xuất nguồn gốc"
    listing = read_page("page", url, page("").encode(), 2)
    assert (listing.kind, listing.article) == ("listing", None)
    # read as no listing: its articles, no next page, no teasers of its own
    assert {f.kind for f in listing.found} == {"article"}
