"""The generic reader on pages no layout knows, each rule pinned on a small page built for it,
and the record of how each field was read."""

from __future__ import annotations

import json

import pytest

from newsarchive import NotAnArticle, parse_article
from newsarchive.site import layouts

URL = "https://kinhtedothi.vn/thoi-su/ha-noi-thi-diem-pho-di-bo-moi-a812345.htm"
PROSE = [
    "Sáng 12/1, UBND quận Hoàn Kiếm cho biết sẽ thí điểm mở thêm một tuyến phố đi bộ mới, nối từ "
    "hồ Hoàn Kiếm tới khu vực chợ Đồng Xuân, phục vụ người dân và du khách dịp cuối tuần.",
    "Theo kế hoạch, tuyến phố dài khoảng 1,2km, hoạt động từ 19 giờ tối thứ Sáu tới 24 giờ Chủ "
    "nhật, với các hoạt động văn hóa, nghệ thuật truyền thống và ẩm thực đặc trưng của phố cổ.",
    "Quận cũng bố trí thêm điểm trông giữ xe, tăng cường lực lượng bảo đảm an ninh trật tự, vệ "
    "sinh môi trường và hướng dẫn du khách trong suốt thời gian tuyến phố hoạt động.",
]
TEASERS = "".join(
    f'<div class="card"><h3><a href="/thoi-su/bai-khac-so-{i}-a80000{i}.htm">Tin khác số {i} về '
    f"giao thông Thủ đô hôm nay</a></h3><p>Tóm tắt của tin số {i}, đủ dài để giống một đoạn văn, "
    f"có dấu phẩy, có số liệu, và nhắc tới Hà Nội.</p></div>"
    for i in range(1, 7)
)


def page(article: str, *, head: str = "", aside: str = TEASERS) -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head><body>
<div class="site-top"><a class="brand" href="/"><h1>Kinh tế &amp; Đô thị</h1></a>
<ul class="primary"><li><a href="/thoi-su/">Thời sự</a></li><li><a href="/kinh-te/">Kinh tế</a></li></ul></div>
<div class="wrap"><div class="col-a">{article}</div><div class="col-b">{aside}</div></div>
<div class="bottom"><p>Cơ quan của UBND TP Hà Nội. Tòa soạn: Hà Nội.</p></div></body></html>"""


def paragraphs(items: list[str] = PROSE) -> str:
    return "".join(f"<p>{text}</p>" for text in items)


def test_an_h1_in_the_articles_own_header_is_its_title() -> None:
    html = page(
        '<article><header class="article-header"><h1 class="article-title">Tuyến phố đi bộ mới'
        f"</h1></header><div>{paragraphs()}</div></article>"
    )
    assert parse_article(html, URL).title == "Tuyến phố đi bộ mới"


def test_the_site_logo_in_an_h1_is_not_the_title() -> None:
    html = page(f'<h2 class="x-head">Tuyến phố đi bộ mới</h2><div class="x-body">{paragraphs()}</div>',
                head='<meta property="og:title" content="Tuyến phố đi bộ mới - Báo Kinh tế &amp; Đô thị">'
                '<meta property="og:site_name" content="Báo Kinh tế &amp; Đô thị">')  # fmt: skip
    article = parse_article(html, URL)
    assert article.title == "Tuyến phố đi bộ mới"
    assert article.provenance is not None
    assert article.provenance.source("title") == "generic:heading named by metadata"


def test_without_a_visible_headline_the_metadata_headline_is_the_title() -> None:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Phố đi bộ mới"}
    html = page(
        f"<div>{paragraphs()}</div>",
        head=f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>',
    )
    article = parse_article(html, URL)
    assert article.title == "Phố đi bộ mới"
    assert article.provenance is not None
    assert article.provenance.kind("title") == "metadata"


def test_the_body_is_the_block_of_prose_not_the_teasers_beside_it() -> None:
    html = page(f'<h1>Tuyến phố đi bộ mới</h1><div class="zz9">{paragraphs()}</div>')
    article = parse_article(html, URL)
    assert list(article.paragraphs) == PROSE
    assert article.layout == "generic"


def test_paragraphs_split_over_sibling_blocks_are_read_together() -> None:
    blocks = "".join(f'<div class="blk"><div><p>{text}</p></div></div>' for text in PROSE)
    html = page(f"<h1>Tuyến phố đi bộ mới</h1><div>{blocks}</div>")
    assert list(parse_article(html, URL).paragraphs) == PROSE


def test_what_comes_before_the_title_in_the_body_block_is_not_body() -> None:
    html = page(
        '<div class="main"><span class="kicker">Thời sự</span><h1>Tuyến phố đi bộ mới</h1>'
        f'<p class="lead">Kinhtedothi - Phần mở đầu của bài viết, đủ dài để là một đoạn dẫn.</p>'
        f"{paragraphs()}</div>"
    )
    article = parse_article(html, URL)
    assert article.sapo == "Phần mở đầu của bài viết, đủ dài để là một đoạn dẫn."
    assert list(article.paragraphs) == PROSE


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("Thứ Hai, 12/01/2026 - 08:15 (GMT+7)", "2026-01-12T08:15:00+07:00"),
        ("08:15 | 12/01/2026", "2026-01-12T08:15:00+07:00"),
        ("Cập nhật: 05/10/2025 14:30", "2025-10-05T14:30:00+07:00"),
    ],
)
def test_a_visible_date_beside_the_title_is_read_day_first(shown: str, expected: str) -> None:
    teaser_date = (
        '<div class="card"><a href="/cu-a800001.htm">Một tin cũ về giao thông Thủ đô</a>'
        '<span class="date">01/02/2020 10:00</span></div>'
    )
    html = page(f"<h1>Tuyến phố đi bộ mới</h1><span>{shown}</span>{paragraphs()}",
                aside=teaser_date + TEASERS)  # fmt: skip
    article = parse_article(html, URL)
    assert article.published_at == expected
    assert article.provenance is not None
    assert article.provenance.kind("published_at") == "generic"


def test_a_teasers_date_above_the_title_is_not_the_articles() -> None:
    html = page(
        '<div class="hot"><h3><a href="/cu-a800001.htm">Một tin cũ về giao thông</a></h3>'
        '<span class="time">01/02/2020 10:00</span></div>'
        '<h1>Tuyến phố đi bộ mới</h1><div class="meta"><span class="time">12/01/2026 08:15</span>'
        f"</div>{paragraphs()}"
    )
    assert parse_article(html, URL).published_at == "2026-01-12T08:15:00+07:00"


def test_a_listing_of_teasers_with_summaries_is_no_article_even_if_og_type_says_so() -> None:
    html = page(
        f'<h1 class="cat">Giao thông</h1><div class="list">{TEASERS}{TEASERS}</div>',
        head='<meta property="og:type" content="article">',
        aside="",
    )
    with pytest.raises(NotAnArticle) as refused:
        parse_article(html, "https://kinhtedothi.vn/giao-thong/")
    assert refused.value.kind == "listing"


def test_a_title_with_nothing_but_links_around_it_is_no_article() -> None:
    html = page("<h1>Giao thông</h1><ul>" + "".join(
        f'<li><a href="/x-{i}-a80000{i}.htm">Tin giao thông số {i} trong ngày hôm nay</a></li>'
        for i in range(12)) + "</ul>")  # fmt: skip
    with pytest.raises(NotAnArticle):
        parse_article(html, "https://kinhtedothi.vn/giao-thong/")


def test_tags_and_byline_inside_a_generic_body_leave_its_text() -> None:
    html = page(
        f'<div class="post"><h1>Tuyến phố đi bộ mới</h1><div class="by-author">Minh Hà</div>'
        f'{paragraphs()}<div class="post-tags">Từ khóa: <a href="/tag/pho-di-bo">phố đi bộ</a>, '
        '<a href="/tag/hoan-kiem">Hoàn Kiếm</a></div></div>'
    )
    article = parse_article(html, URL)
    assert article.authors == ("Minh Hà",)
    assert article.tags == ("phố đi bộ", "Hoàn Kiếm")
    assert list(article.paragraphs) == PROSE


def test_a_known_layout_says_its_rules_read_the_page() -> None:
    html = page(
        f'<h1 class="article-title">Tuyến phố</h1><div id="article-detail">{paragraphs()}</div>'
        '<div class="article-published-on">08:15 12/01/2026</div>'
    )
    article = parse_article(html, "https://kinhtedothi.vn/tuyen-pho.712345.html")
    assert article.layout == "C"
    assert article.provenance is not None
    sources = dict(article.provenance.fields)
    assert sources["title"] == "layout:h1.article-title"
    assert sources["paragraphs"] == "layout:#article-detail"
    assert sources["published_at"] == "layout:div.article-published-on"
    assert sources["updated_at"] == "none"
    assert article.provenance.confidence == 1.0


def test_layouts_switched_off_read_the_same_page_generically_and_less_surely() -> None:
    html = page(
        f'<h1 class="article-title">Tuyến phố</h1><div id="article-detail">{paragraphs()}</div>'
    )
    known = parse_article(html, "https://kinhtedothi.vn/tuyen-pho.712345.html")
    generic = parse_article(html, "https://kinhtedothi.vn/tuyen-pho.712345.html", layouts=())
    assert generic.layout == "generic"
    assert generic.paragraphs == known.paragraphs
    assert generic.provenance is not None and known.provenance is not None
    assert generic.provenance.confidence < known.provenance.confidence


def test_a_layout_derived_from_another_is_a_short_declaration() -> None:
    newer = layouts.derive(layouts.C, name="C2", body=("div.c2-body",), title=("h1.c2-title",))
    html = page(f'<h1 class="c2-title">Tuyến phố</h1><div class="c2-body">{paragraphs()}</div>')
    article = parse_article(html, URL, layouts=(*layouts.LAYOUTS, newer))
    assert article.layout == "C2"
    assert newer.date == layouts.C.date  # what it does not change, it inherits


def related_box(host: str = "") -> str:
    return (
        '<div class="more-related"><h3>Có liên quan</h3><div class="it"><h4>'
        f'<a href="{host}/2026/01/10/ha-noi-khoi-cong-cau-tu-lien/">Hà Nội chuẩn bị khởi công cầu '
        "Tứ Liên trong năm nay</a></h4><p>Cầu Tứ Liên dự kiến được khởi công trong quý III, nối "
        "quận Tây Hồ với huyện Đông Anh.</p></div></div>"
    )


def test_a_related_box_in_a_generic_body_is_related_whatever_its_links_address_form() -> None:
    html = page(f"<article><h1>Tuyến phố đi bộ mới</h1>{paragraphs()}{related_box()}</article>")
    article = parse_article(html, URL)
    assert list(article.paragraphs) == PROSE
    assert [(r.url, r.kind) for r in article.related] == [
        ("https://kinhtedothi.vn/2026/01/10/ha-noi-khoi-cong-cau-tu-lien/", "inline")
    ]


def test_another_sites_related_box_leaves_its_text_but_is_not_related() -> None:
    other = "https://baokhac.vn/ha-noi-thi-diem-pho-di-bo-moi-4812345.html"
    html = page(
        f"<article><h1>Tuyến phố đi bộ mới</h1>{paragraphs()}"
        f"{related_box('https://baokhac.vn')}</article>"
    )
    article = parse_article(html, other)
    assert article.url == other
    assert list(article.paragraphs) == PROSE
    assert article.related == ()


def test_a_main_column_named_sidebar_can_hold_the_body() -> None:
    html = page(f'<div class="sidebar-1"><h1>Tuyến phố đi bộ mới</h1>{paragraphs()}</div>')
    assert list(parse_article(html, URL).paragraphs) == PROSE


def test_tag_classes_on_the_whole_article_make_no_tags() -> None:
    html = page(
        '<article class="post tag-pho-di-bo tag-ha-noi"><h1>Tuyến phố đi bộ mới</h1>'
        f'<a href="/chuyen-muc/do-thi/">Đô thị</a>{paragraphs()}'
        '<span class="tags-links"><a href="/tag/pho-di-bo/" rel="tag">phố đi bộ</a></span></article>'
    )
    assert parse_article(html, URL).tags == ("phố đi bộ",)


def test_the_innermost_byline_element_names_the_author() -> None:
    html = page(
        '<h1>Tuyến phố đi bộ mới</h1><div class="author-wrap"><span class="author-name">Minh Hà'
        '</span><span class="time">12/01/2026 08:15</span><a class="share">Chia sẻ</a></div>'
        f"{paragraphs()}"
    )
    assert parse_article(html, URL).authors == ("Minh Hà",)


def test_a_date_line_opening_a_generic_body_is_not_text() -> None:
    html = page(
        f"<article><h1>Tuyến phố</h1><div><time>12 January 2026</time></div>{paragraphs()}</article>"
    )
    article = parse_article(html, URL)
    assert list(article.paragraphs) == PROSE
    assert article.published_at == "2026-01-12T00:00:00+07:00"


def test_a_byline_box_gives_every_name_and_none_of_its_date_or_buttons() -> None:
    html = page(
        '<h1>Tuyến phố đi bộ mới</h1><div class="meta-authors"><a class="meta-author" href="/tac-gia/'
        'minh-ha">Minh Hà</a> - <a class="meta-author" href="/tac-gia/hoang-nam">Hoàng Nam</a>'
        '<time class="author-time">Thứ bảy, 10/01/2026 - 15:45</time><div class="author-share">'
        f"<a>Chia sẻ</a></div></div>{paragraphs()}"
    )
    assert parse_article(html, URL).authors == ("Minh Hà", "Hoàng Nam")


def test_a_page_wrapped_whole_in_one_form_still_has_a_body() -> None:
    html = (
        page(f"<h1>Tuyến phố đi bộ mới</h1>{paragraphs()}")
        .replace("<body>", '<body><form id="form1" method="post" action="./x.aspx">')
        .replace("</body>", "</form></body>")
    )
    assert list(parse_article(html, URL).paragraphs) == PROSE


def test_a_topic_page_that_json_ld_calls_a_collection_is_a_listing_despite_its_intro() -> None:
    intro = "".join(f"<p>{text}</p>" for text in PROSE[:2])
    ld = '{"@context":"https://schema.org","@type":"CollectionPage","name":"Quy hoạch"}'
    html = page(f'<h1>Quy hoạch đô thị</h1><div class="intro">{intro}</div>{TEASERS}{TEASERS}',
                head=f'<script type="application/ld+json">{ld}</script>', aside="")  # fmt: skip
    with pytest.raises(NotAnArticle) as refused:
        parse_article(html, "https://kinhtedothi.vn/chu-de/quy-hoach-do-thi.htm")
    assert refused.value.kind == "listing"


def test_a_list_of_titles_under_a_short_introduction_is_a_listing() -> None:
    titles = "".join(
        f'<li><a href="/di-san/di-tich-so-{i}-cua-ha-noi-a80{i:04d}.htm">Di tích số {i} của Hà Nội '
        "được xếp hạng cấp quốc gia</a> <span>10/01/2026</span></li>"
        for i in range(20)
    )
    html = page(f"<h1>Di sản</h1><p>{PROSE[0]}</p><ul>{titles}</ul>", aside="")
    with pytest.raises(NotAnArticle) as refused:
        parse_article(html, "https://kinhtedothi.vn/di-san/trang-chu-de.htm")
    assert refused.value.kind == "listing"


def test_a_page_showing_no_headline_and_saying_no_article_is_none() -> None:
    html = page(f"<div>{paragraphs()}</div>", head='<meta property="og:title" content="Trang chủ">')
    with pytest.raises(NotAnArticle):
        parse_article(html, URL)


def test_a_subtitle_under_the_headline_is_the_lead() -> None:
    lead = "Quận Hoàn Kiếm thí điểm mở thêm một tuyến phố đi bộ nối hồ Gươm với chợ Đồng Xuân."
    html = page(f"<article><h1>Tuyến phố đi bộ mới</h1><h2>{lead}</h2>{paragraphs()}</article>")
    article = parse_article(html, URL)
    assert article.sapo == lead
    assert list(article.paragraphs) == PROSE


def test_the_sites_layouts_read_a_mirrors_page_but_not_another_sites() -> None:
    html = page(f'<h1>Tuyến phố</h1><div itemprop="articleBody">{paragraphs()}</div>')
    assert parse_article(html, "http://127.0.0.1:8765/tuyen-pho.html").layout == "B"
    assert parse_article(html, "https://baokhac.vn/tuyen-pho-4812345.html").layout == "generic"
