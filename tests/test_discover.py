"""Discovery from sitemaps, feeds and pages: candidate URLs with their hints."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

from newsarchive.discover import links_in_feed, links_in_page, links_in_sitemap

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://kinhtedothi.vn/sitemaps/2025-01.xml</loc><lastmod>2025-01-31T23:00:00+07:00</lastmod></sitemap>
<sitemap><loc>https://example.com/sitemap.xml</loc></sitemap>
</sitemapindex>"""

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://www.kinhtedothi.vn/mot-bai.712345.html?utm_source=sm</loc><lastmod>2025-01-17</lastmod></url>
<url><loc>https://kinhtedothi.vn/kinh-te/</loc></url>
<url><loc>https://kinhtedothi.vn/hai-bai.html</loc></url>
</urlset>"""


def test_a_sitemap_index_lists_its_url_sets_with_lastmod() -> None:
    found = links_in_sitemap(INDEX)
    assert [(f.url, f.kind) for f in found] == [
        ("https://kinhtedothi.vn/sitemaps/2025-01.xml", "sitemap")
    ]
    assert found[0].lastmod == datetime(2025, 1, 31, 16, 0, tzinfo=UTC)


def test_a_url_set_gives_canonical_article_urls_plain_or_gzipped() -> None:
    for data in (URLSET, gzip.compress(URLSET)):
        found = links_in_sitemap(data)
        assert [f.url for f in found] == [
            "https://kinhtedothi.vn/mot-bai.712345.html",
            "https://kinhtedothi.vn/hai-bai.html",
        ]
        # A date without a zone is the site's (Hanoi) midnight.
        assert found[0].lastmod == datetime(2025, 1, 16, 17, 0, tzinfo=UTC)


def test_broken_or_hostile_sitemaps_give_nothing() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><urlset><url><loc>&b;</loc></url></urlset>'
    assert links_in_sitemap(b"<urlset><url><loc>") == []
    assert links_in_sitemap(b"\x1f\x8bnot gzip") == []
    assert links_in_sitemap(bomb) == []


def test_feed_items_are_articles_with_their_dates() -> None:
    rss = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>KTĐT</title>
    <item><title>Một bài</title><link>https://kinhtedothi.vn/mot-bai.712345.html</link>
    <pubDate>Fri, 17 Jan 2025 09:20:00 +0700</pubDate></item>
    <item><title>Chuyên mục</title><link>https://kinhtedothi.vn/kinh-te/</link></item>
    </channel></rss>""".encode()
    found = links_in_feed(rss)
    assert [(f.url, f.kind, f.source) for f in found] == [
        ("https://kinhtedothi.vn/mot-bai.712345.html", "article", "feed")
    ]
    assert found[0].lastmod == datetime(2025, 1, 17, 2, 20, tzinfo=UTC)


def test_a_page_yields_its_article_links_and_next_listing_pages_only() -> None:
    html = """<html><body><a href="/bai-mot-123456.html">1</a><a href="/bai-mot-123456.html#c">1 again</a>
    <a href="https://example.com/x-123456.html">elsewhere</a><a href="/tag/ha-noi.html">tag</a>
    <a href="mailto:a@b.c">mail</a><div class="paging"><span class="current">1</span>
    <a href="/kinh-te/trang-2.html">2</a><a href="/kinh-te/trang-3.html">3</a></div></body></html>"""
    url = "https://kinhtedothi.vn/kinh-te/"
    found = links_in_page(html, url, max_listing_page=2, depth=1)
    assert [(f.url, f.kind, f.depth) for f in found] == [
        ("https://kinhtedothi.vn/bai-mot-123456.html", "article", None),
        ("https://kinhtedothi.vn/kinh-te/trang-2.html", "listing", 2),
    ]
    # A page not read as a listing (an article's page) gives its article links alone.
    assert [f.kind for f in links_in_page(html, url, max_listing_page=2)] == ["article"]
