"""Crawls of the replica on 127.0.0.1 that follow the listings' own paging: every article found,
those that only page 2 (in three URL forms) or a teaser of an unknown URL form lead to included;
chains bounded by `[crawl] listing_pages`, never out of their section; next pages read again by
`[crawl] listing_revisit`; an archive of 0.1.0 upgraded to keep each listing's depth."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawled import copy_of_site, crawl_config, edit_page, rows, run_crawl
from replica import DEFAULT_ROOT, Replica, start_replica

SITE = "https://kinhtedothi.vn"
# The articles that nothing but the listings' paging (or a teaser) leads to, by the page that
# lists them: a section's page 2 in the URL form of that section.
ONLY_BY_PAGING = {
    "/kinh-te/trang-2/": "/ha-noi-giai-ngan-von-dau-tu-cong-10-thang-dat-65-ke-hoach-414205.html",
    "/xa-hoi/?page=2": "/quan-cau-giay-ra-mat-tu-sach-cong-dong-tai-cac-nha-van-hoa-to-dan-pho.html",
    "/van-hoa/p2": "/trien-lam-di-san-ao-dai-ha-noi-mo-cua-don-khach.781530.html",
}
ONLY_BY_TEASER = "/kinh-te/cho-dau-moi-nong-san-ha-noi-ap-dung-truy-xuat-nguon-goc-a812345.html"
# The one file of the replica (its own page aside) that names each.
NAMED_BY = {
    ONLY_BY_PAGING["/kinh-te/trang-2/"]: "kinh-te/trang-2/index.html",
    ONLY_BY_PAGING["/xa-hoi/?page=2"]: "xa-hoi/index@page=2.html",
    ONLY_BY_PAGING["/van-hoa/p2"]: "van-hoa/p2",
    ONLY_BY_TEASER: "kinh-te/index.html",
}
OLD_ARCHIVE = Path(__file__).parent / "data" / "archive-0.1.0.db"


def archived(db: Path) -> set[str]:
    return {url.removeprefix(SITE) for (url,) in rows(db, "SELECT url FROM article")}


def listing_page(title: str, stories: str, paging: str = "", head: str = "") -> str:
    """A listing page of the replica's current template."""
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<title>{title} - Kinh tế &amp; Đô thị</title>{head}</head><body class="page-listing">
<header class="site-header"><nav class="main-nav"><a href="/">Trang chủ</a>
<a href="/quoc-te/">Quốc tế</a><a href="/do-thi/">Đô thị</a></nav></header>
<main class="site-main container"><div class="category-page">
<div class="breadcrumb"><a href="/">Trang chủ</a> › <h1 class="category-title">{title}</h1></div>
<div class="list-stories">{stories}</div>{paging}</div></main>
<footer class="site-footer"><div class="footer__menu"><a href="/quoc-te/">Quốc tế</a></div></footer>
</body></html>"""


def test_a_crawl_finds_the_articles_only_the_listings_paging_and_teasers_lead_to(
    replica: Replica, tmp_path: Path
) -> None:
    # Nothing else names them: not the sitemaps, the feed, the home, nor another page.
    files = {
        p.relative_to(DEFAULT_ROOT).as_posix(): p.read_text("utf-8")
        for p in DEFAULT_ROOT.rglob("*")
        if p.is_file() and not p.name.endswith(".expected.json")
    }
    for path, listing in NAMED_BY.items():
        naming = {name for name, text in files.items() if path in text}
        assert naming == {path.lstrip("/"), listing}, path
    db = tmp_path / "a.db"
    report = run_crawl(crawl_config(replica.base_url, db, retries=0))

    assert report.exit_status == 0 and report.alarms == []
    assert {*ONLY_BY_PAGING.values(), ONLY_BY_TEASER} <= archived(db)
    for page in ONLY_BY_PAGING:
        assert replica.requests.count(page) == 1, page
    frontier = dict(rows(db, "SELECT url, depth FROM frontier WHERE kind = 'listing'"))
    assert {SITE + page: 2 for page in ONLY_BY_PAGING}.items() <= frontier.items()
    assert frontier[f"{SITE}/kinh-te/"] == frontier[f"{SITE}/"] == 1
    assert rows(db, f"SELECT kind, state FROM frontier WHERE url = '{SITE}{ONLY_BY_TEASER}'") == [
        ("page", "done")
    ]


def test_a_page_of_an_unknown_form_that_is_a_listing_is_no_article_and_no_alarm(
    tmp_path: Path,
) -> None:
    root = copy_of_site(tmp_path)
    story = """<div class="story"><a class="story__thumb" href="/quoc-te/chuyen-de/cop26"><img
src="x.jpg" alt=""></a><h3 class="story__title"><a href="/quoc-te/chuyen-de/cop26">Chuyên đề
COP26</a></h3></div>"""
    edit_page(
        root, f"{SITE}/quoc-te/index.html", ('<div class="story">', story + '<div class="story">')
    )
    (root / "quoc-te" / "chuyen-de").mkdir()
    shutil.copyfile(root / "quoc-te" / "index.html", root / "quoc-te" / "chuyen-de" / "cop26")
    db = tmp_path / "a.db"
    with start_replica(root) as replica:
        report = run_crawl(crawl_config(replica.base_url, db, retries=0))
        assert "/quoc-te/chuyen-de/cop26" in replica.requests
    assert report.exit_status == 0 and report.alarms == []
    assert rows(db, "SELECT page_kind FROM raw_page WHERE url LIKE '%/chuyen-de/cop26'") == [
        ("listing",)
    ]
    assert "/quoc-te/chuyen-de/cop26" not in archived(db)


def _chain(root: Path) -> list[str]:
    """/quoc-te/ becomes a chain of five pages, each in another URL form, each listing an
    article of the replica; the paths of pages 2 to 5."""
    forms = ["/quoc-te/trang-2/", "/quoc-te/?page=3", "/quoc-te/p4", "/quoc-te/trang-5/"]
    files = ["quoc-te/trang-2/index.html", "quoc-te/index@page=3.html", "quoc-te/p4",
             "quoc-te/trang-5/index.html"]  # fmt: skip
    articles = [
        "/quan-long-bien-ra-quan-tong-ve-sinh-moi-truong-402756.html",
        "/tet-voi-tren-cong-truong-trong-diem-cua-thu-do-ha-noi.html",
        "/pho-di-bo-ho-guom-ruc-ro-sac-mau-ngay-cuoi-tuan-398214.html",
        "/ha-noi-tang-cuong-xu-phat-vi-pham-trong-giu-xe.html",
    ]
    edit_page(
        root,
        f"{SITE}/quoc-te/index.html",
        ('<div class="load-more"', f'<link rel="next" href="{forms[0]}"><div class="load-more"'),
    )
    for number, (file, article) in enumerate(zip(files, articles, strict=True), 2):
        following = forms[number - 1] if number < 5 else None
        paging = (
            f'<div class="paging"><a href="/quoc-te/">1</a> <span class="current">{number}</span>'
            + (f' <a href="{following}">{number + 1}</a>' if following else "")
            + "</div>"
        )
        stories = f'<div class="story"><h3><a href="{article}">Tin</a></h3></div>' * 2
        path = root / file
        path.parent.mkdir(exist_ok=True)
        path.write_text(listing_page("Quốc tế", stories, paging), encoding="utf-8")
    return forms


def test_a_chain_of_five_pages_is_followed_as_deep_as_listing_pages_says(tmp_path: Path) -> None:
    root = copy_of_site(tmp_path)
    forms = _chain(root)
    for listing_pages, fetched in ((2, 1), (4, 3), (1, 0)):
        db = tmp_path / f"deep-{listing_pages}.db"
        with start_replica(root) as replica:
            assert (
                run_crawl(
                    crawl_config(replica.base_url, db, retries=0, listing_pages=listing_pages)
                ).exit_status
                == 0
            )
            asked = [form for form in forms if form in replica.requests]
        assert asked == forms[:fetched], listing_pages
        depths = rows(
            db, "SELECT url, depth FROM frontier WHERE url LIKE '%/quoc-te/%' ORDER BY id"
        )
        assert depths == [(f"{SITE}/quoc-te/", 1)] + [
            (SITE + form, depth) for depth, form in enumerate(forms[:fetched], 2)
        ]


def test_paging_that_leads_out_of_its_section_or_host_is_not_followed(tmp_path: Path) -> None:
    root = copy_of_site(tmp_path)
    (root / "do-thi" / "trang-9").mkdir()
    (root / "do-thi" / "trang-9" / "index.html").write_text(
        listing_page("Đô thị", ""), encoding="utf-8"
    )
    edit_page(
        root,
        f"{SITE}/quoc-te/index.html",
        (
            '<div class="load-more"',
            '<link rel="next" href="http://127.0.0.2:9/quoc-te/trang-2/">'
            '<div class="paging"><span class="current">1</span> <a href="/do-thi/trang-9/">2</a>'
            '</div><div class="more"><a href="/tag/cop26.html">Xem thêm</a></div>'
            '<div class="load-more"',
        ),
    )
    db = tmp_path / "a.db"
    with start_replica(root) as replica:
        assert (
            run_crawl(crawl_config(replica.base_url, db, retries=0, listing_pages=5)).exit_status
            == 0
        )
        assert "/do-thi/trang-9/" not in replica.requests
        assert "/tag/cop26.html" not in replica.requests
    assert (
        rows(db, "SELECT url FROM frontier WHERE url LIKE '%trang-9%' OR url LIKE '%127.0.0.2%'")
        == []
    )


def test_next_pages_are_read_again_every_run_and_find_what_has_slid_onto_them(
    tmp_path: Path,
) -> None:
    root = copy_of_site(tmp_path)
    page_two = f"{SITE}/kinh-te/trang-2/index.html"
    hidden = ONLY_BY_PAGING["/kinh-te/trang-2/"]
    html = (root / "kinh-te" / "trang-2" / "index.html").read_text(encoding="utf-8")
    start = html.index('<div class="story">')
    end = html.index("</div>\n</div>\n", start) + len("</div>\n</div>\n")
    first_story = html[start:end]
    assert hidden in first_story and first_story.count('class="story"') == 1
    edit_page(root, page_two, (first_story, ""))
    now = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
    db = tmp_path / "a.db"
    with start_replica(root) as replica:
        run_crawl(crawl_config(replica.base_url, db, retries=0), clock=_at(now))
        assert hidden not in archived(db)
        # A day later the page lists it (it slid there from page 1): the daily run reads it.
        edit_page(
            root,
            page_two,
            ('<div class="list-stories">\n', '<div class="list-stories">\n' + first_story),
        )
        before = len(replica.requests)
        run_crawl(crawl_config(replica.base_url, db, retries=0), clock=_at(now + timedelta(days=1)))
        assert replica.requests[before:].count("/kinh-te/trang-2/") == 1
        assert hidden in archived(db)
        # Unchanged since, it is asked for again the next day, conditionally.
        before = len(replica.requests)
        run_crawl(crawl_config(replica.base_url, db, retries=0), clock=_at(now + timedelta(days=2)))
        assert replica.requests[before:].count("/kinh-te/trang-2/") == 1
        assert replica.not_modified.count("/kinh-te/trang-2/") == 1


def _at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def test_listing_revisit_spaces_the_visits_of_next_pages(replica: Replica, tmp_path: Path) -> None:
    now = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
    db = tmp_path / "a.db"
    cfg = crawl_config(replica.base_url, db, retries=0, listing_revisit="1d")
    asked = []
    for hours in (0, 6, 25):
        before = len(replica.requests)
        run_crawl(cfg, clock=_at(now + timedelta(hours=hours)))
        asked.append(replica.requests[before:].count("/xa-hoi/?page=2"))
    assert asked == [1, 0, 1]
    due = rows(db, f"SELECT next_visit_at FROM frontier WHERE url = '{SITE}/xa-hoi/?page=2'")
    assert due == [((now + timedelta(hours=49)).isoformat(timespec="microseconds"),)]


def test_an_archive_of_0_1_0_learns_its_listings_depth_and_pages_on(
    replica: Replica, tmp_path: Path
) -> None:
    db = tmp_path / "old.db"
    shutil.copyfile(OLD_ARCHIVE, db)
    assert "depth" not in {row[1] for row in rows(db, "PRAGMA table_info(frontier)")}
    report = run_crawl(crawl_config(replica.base_url, db, retries=0))
    assert report.exit_status == 0
    assert "depth" in {row[1] for row in rows(db, "PRAGMA table_info(frontier)")}
    depths = dict(rows(db, "SELECT url, depth FROM frontier WHERE kind = 'listing'"))
    assert depths[f"{SITE}/"] == depths[f"{SITE}/kinh-te/"] == 1
    assert {SITE + page: 2 for page in ONLY_BY_PAGING}.items() <= depths.items()
    # Its old next page, fetched once by 0.1.0, was due again at once.
    assert "/do-thi/trang-2.html" in replica.requests
    assert {*ONLY_BY_PAGING.values(), ONLY_BY_TEASER} <= archived(db)
