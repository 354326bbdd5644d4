"""Single rules of ARTICLE.md, each pinned on a small page built for it."""

from __future__ import annotations

import json

import pytest

from newsarchive import NotAnArticle, parse_article

URL = "https://kinhtedothi.vn/bai-viet-thu-nghiem.html"
LONG = "Nội dung đủ dài để là một đoạn văn của bài báo về đô thị Hà Nội hôm nay. " * 2


def page(body: str, *, head: str = "", extra: str = "") -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Tiêu đề - Kinh tế &amp; Đô thị</title>{head}</head><body>
<header><a class="logo" href="/"><h1><img src="/logo.png" alt="Kinh tế &amp; Đô thị"></h1></a>
<nav class="menu"><a href="/kinh-te/">Kinh tế</a><a href="/menu-bai-123456.html">Bài menu</a></nav></header>
<div class="breadcrumb"><a href="/">Trang chủ</a> <a href="/do-thi/">Đô thị</a></div>
<article><h1 class="detail__title">Tiêu đề bài viết</h1>
<div class="detail__sapo">Kinhtedothi - Phần mở đầu của bài.</div>
<div itemprop="articleBody"><p>{LONG}</p>{body}</div></article>{extra}
<footer><a href="/gioi-thieu-123456.html">Giới thiệu</a></footer></body></html>"""


def parse(html: str, url: str = URL) -> dict[str, object]:
    return parse_article(html, url).to_dict()


def test_html_as_bytes_or_str_gives_the_same_record() -> None:
    html = page("<p>Đoạn hai.</p>")
    assert parse_article(html.encode(), URL) == parse_article(html, URL)


@pytest.mark.parametrize(
    ("sapo", "expected"),
    [
        ("Kinhtedothi - Chiều 15/3, hội nghị.", "Chiều 15/3, hội nghị."),
        ("Kinhtedothi-Tròn 1 tuần.", "Tròn 1 tuần."),
        ("KTĐT: Sáng nay.", "Sáng nay."),
        ("kinh tế & đô thị — Sáng nay.", "Sáng nay."),
        ("Chiều nay, Kinhtedothi - không ở đầu.", "Chiều nay, Kinhtedothi - không ở đầu."),
    ],
)
def test_the_brand_dateline_leaves_the_sapo(sapo: str, expected: str) -> None:
    html = page("").replace("Kinhtedothi - Phần mở đầu của bài.", sapo)
    assert parse(html)["sapo"] == expected


def test_a_body_block_repeating_the_sapo_is_left_out() -> None:
    record = parse(page("<p>Kinhtedothi - Phần mở đầu của bài.</p><p>Phần mở đầu của bài.</p>"))
    assert "Phần mở đầu của bài." not in record["paragraphs"]


def test_byline_paragraph_gives_authors_and_leaves_the_body() -> None:
    record = parse(
        page('<p style="text-align: right;"><strong>Bài và ảnh: Ngọc Hà - Minh An</strong></p>')
    )
    assert record["authors"] == ["Ngọc Hà", "Minh An"]
    assert record["paragraphs"] == [LONG.strip()]


def test_a_closing_credit_is_no_author_and_stays() -> None:
    record = parse(page('<p style="text-align: right;"><strong>Theo TTXVN</strong></p>'))
    assert record["authors"] == []
    assert record["paragraphs"][-1] == "Theo TTXVN"


def test_a_bold_sentence_at_the_end_is_not_a_byline() -> None:
    record = parse(page("<p><strong>Người dân cần chú ý an toàn.</strong></p>"))
    assert record["authors"] == []
    assert record["paragraphs"][-1] == "Người dân cần chú ý an toàn."


def test_organization_authors_in_json_ld_are_not_people() -> None:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "author": [
            {"@type": "Organization", "name": "Kinh tế & Đô thị"},
            {"@type": "Person", "name": "Hà Phong"},
        ],
    }
    head = f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>'
    assert parse(page("", head=head))["authors"] == ["Hà Phong"]


def test_figure_caption_is_a_caption_not_a_paragraph_and_shared_captions_listed_once() -> None:
    body = (
        '<figure><img src="/a.jpg"><img src="/b.jpg"><figcaption>Hồ Gươm (Ảnh: Hà Phong)</figcaption></figure>'
        '<p>Đoạn <img src="//static.kinhtedothi.vn/c.jpg"> có ảnh.</p>'
    )
    record = parse(page(body))
    assert record["captions"] == ["Hồ Gươm (Ảnh: Hà Phong)"]
    assert record["images"] == [
        {"url": "https://kinhtedothi.vn/a.jpg", "caption": "Hồ Gươm (Ảnh: Hà Phong)"},
        {"url": "https://kinhtedothi.vn/b.jpg", "caption": "Hồ Gươm (Ảnh: Hà Phong)"},
        {"url": "https://static.kinhtedothi.vn/c.jpg", "caption": None},
    ]
    assert "Hồ Gươm (Ảnh: Hà Phong)" not in record["body_text"]
    assert "Đoạn có ảnh." in record["paragraphs"]


def test_lazy_images_give_their_real_address() -> None:
    body = '<figure><img src="data:image/gif;base64,R0l" data-src="http://static.kinhtedothi.vn/x.jpg"><figcaption>Ảnh</figcaption></figure>'
    assert parse(page(body))["images"] == [
        {"url": "http://static.kinhtedothi.vn/x.jpg", "caption": "Ảnh"}
    ]


def test_data_table_rows_are_blocks_and_layout_tables_are_content() -> None:
    body = (
        "<table><tr><th>Quận</th><th>Dân số</th></tr><tr><td>Ba Đình</td><td>221.893</td></tr></table>"
        '<table role="presentation"><tr><td><p>Đoạn trong bảng trình bày.</p></td><td><p>Ô hai.</p></td></tr></table>'
        "<table><tr><td>Một cột</td></tr></table>"
    )
    record = parse(page(body))
    assert record["paragraphs"][1:] == [
        "Quận | Dân số",
        "Ba Đình | 221.893",
        "Đoạn trong bảng trình bày.",
        "Ô hai.",
        "Một cột",
    ]


def test_br_becomes_a_line_break() -> None:
    record = parse(page("<p><br>Dòng một<br><br> Dòng\u00a0hai <br></p>"))
    assert record["paragraphs"][-1] == "Dòng một\nDòng hai"


def test_inline_related_box_and_label_plus_links_are_related_not_text() -> None:
    body = (
        '<p>Xem thêm: <a href="/bai-mot-123456.html">Bài một</a></p>'
        '<div class="box-related"><a href="/bai-hai.html"><img alt="Bài hai"></a>'
        '<a href="/bai-hai.html">Bài hai</a></div>'
        '<p>Đoạn có <a href="/bai-ba.html">liên kết trong câu</a> vẫn là văn bản.</p>'
    )
    record = parse(page(body))
    assert record["related"] == [
        {"url": "https://kinhtedothi.vn/bai-mot-123456.html", "title": "Bài một", "kind": "inline"},
        {"url": "https://kinhtedothi.vn/bai-hai.html", "title": "Bài hai", "kind": "inline"},
    ]
    assert record["paragraphs"][-1] == "Đoạn có liên kết trong câu vẫn là văn bản."
    assert "Bài một" not in record["body_text"]


def test_related_lists_outside_the_body_by_label_and_sponsored_left_out() -> None:
    extra = """<aside>
    <section><h3>Tin mới</h3><div class="story"><a href="/moi-mot.html">Mới một</a></div>
      <div class="story"><a href="/moi-hai.html?utm_source=home">Mới hai</a></div></section>
    <section><h3>Đọc nhiều</h3></section><section><h3>BÌNH LUẬN (0)</h3></section>
    <section><h3>Đừng bỏ lỡ</h3><a href="/dung-bo-lo.html">Đừng bỏ lỡ bài này</a>
      <a href="/bai-viet-thu-nghiem.html">Chính bài này</a></section>
    <section><h3>Tin tài trợ</h3><a href="/quang-cao.html">Quảng cáo</a></section></aside>"""
    record = parse(page("", extra=extra))
    assert record["related"] == [
        {"url": "https://kinhtedothi.vn/moi-mot.html", "title": "Mới một", "kind": "latest"},
        {"url": "https://kinhtedothi.vn/moi-hai.html", "title": "Mới hai", "kind": "latest"},
        {
            "url": "https://kinhtedothi.vn/dung-bo-lo.html",
            "title": "Đừng bỏ lỡ bài này",
            "kind": "related",
        },
    ]


def test_category_is_the_breadcrumbs_last_section() -> None:
    assert parse(page(""))["category"] == "Đô thị"


def test_canonical_to_another_host_is_ignored_for_og_url() -> None:
    head = (
        '<link rel="canonical" href="https://m.kinhtedothi.vn/amp/x.html">'
        '<meta property="og:url" content="http://www.kinhtedothi.vn/bai-that-123456.html?utm_source=zalo">'
    )
    record = parse(page("", head=head))
    assert record["url"] == "https://kinhtedothi.vn/bai-that-123456.html"
    assert record["site_id"] == "123456"


def test_json_ld_date_wins_over_the_visible_one_and_is_converted_to_hanoi_time() -> None:
    ld = {
        "@type": "NewsArticle",
        "datePublished": "2025-05-01T02:00:00Z",
        "dateModified": "2025-05-01T03:00:00Z",
    }
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    html = page("", head=head).replace(
        "</h1>", '</h1><span class="detail__time">02/05/2025 10:00</span>'
    )
    record = parse(html)
    assert (record["published_at"], record["updated_at"]) == (
        "2025-05-01T09:00:00+07:00",
        "2025-05-01T10:00:00+07:00",
    )


def test_visible_date_is_read_day_first_when_metadata_has_none() -> None:
    html = page("").replace("</h1>", '</h1><span class="detail__time">05/10/2025 | 08:15</span>')
    assert parse(html)["published_at"] == "2025-10-05T08:15:00+07:00"


@pytest.mark.parametrize(
    ("html", "url", "kind"),
    [
        ("", URL, "empty"),
        ("   \n ", URL, "empty"),
        ("<html><body></body></html>", URL, "empty"),
        (
            "<html><head><title>Không tìm thấy trang</title></head><body><h1>404</h1></body></html>",
            URL,
            "not_found",
        ),
        (
            "<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>",
            URL,
            "challenge",
        ),
        (
            '<html><body><h2>Kinh tế</h2><div class="story"><a href="/a.html">A</a></div></body></html>',
            "https://kinhtedothi.vn/kinh-te/",
            "listing",
        ),
        (
            "<html><body><h1>Tag: Hà Nội</h1><a href='/a.html'>A</a></body></html>",
            "https://kinhtedothi.vn/tag/ha-noi.html",
            "tag",
        ),
        (
            "<html><body><h1>Kết quả</h1></body></html>",
            "https://kinhtedothi.vn/tim-kiem.html?q=a",
            "search",
        ),
    ],
)
def test_pages_that_are_not_articles_say_what_they_are(html: str, url: str, kind: str) -> None:
    with pytest.raises(NotAnArticle) as caught:
        parse_article(html, url)
    assert caught.value.kind == kind


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\xff\xfe binary",
        b"<div>" * 5000,
        b"<html><body><article><h1></h1></article>",
        b"<<<>>>&&&",
    ],
)
def test_hostile_input_gives_a_record_or_not_an_article(garbage: bytes) -> None:
    try:
        record = parse_article(garbage, URL)
    except NotAnArticle as exc:
        assert exc.kind in {"listing", "tag", "search", "not_found", "empty", "challenge"}
    else:
        assert record.title, "an article without a title: it should have been NotAnArticle"
