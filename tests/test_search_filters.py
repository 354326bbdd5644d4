"""Search with date and category filters: the filter chooses articles, the query text matches
them, and the order is the unfiltered order with the others left out (bm25 is computed over the
whole archive either way)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from newsarchive.record import Article
from newsarchive.store import Archive, ArticleFilter, RawPage

SITE = "https://kinhtedothi.vn"
ECONOMY, CITY = "Kinh tế", "Đô thị"

# name: (published_at, category, title, body)
ARTICLES: dict[str, tuple[str | None, str | None, str, str]] = {
    "edge-first": ("2020-01-01T00:00:00+07:00", ECONOMY, "Chuyển đổi số", "Doanh nghiệp."),
    "before": ("2019-12-31T23:59:00+07:00", ECONOMY, "Chuyển đổi số sớm", "Thu phí."),
    "edge-last": ("2022-12-31T23:59:00+07:00", ECONOMY, "Xuất khẩu", "Chuyển đổi số và thu phí."),
    "after": ("2023-01-01T00:00:00+07:00", ECONOMY, "Nhập khẩu", "Chuyển đổi số."),
    "city": ("2021-06-01T08:00:00+07:00", CITY, "Chuyển đổi số đô thị", "Nhập khẩu."),
    "undated": (None, ECONOMY, "Chuyển đổi số không ngày", "Xuất khẩu."),
    "uncategorised": ("2021-06-02T08:00:00+07:00", None, "Chuyển đổi số", "Nhập khẩu."),
    "words-apart": ("2021-03-01T08:00:00+07:00", ECONOMY, "Số liệu", "Chuyển sang đổi mới."),
    "imports": ("2021-04-01T08:00:00+07:00", ECONOMY, "Nhập khẩu tăng", "Số liệu quý."),
    "captioned": ("2022-02-02T08:00:00+07:00", ECONOMY, "Tin ảnh", "Thu phí đường bộ."),
}
CAPTIONS = {"captioned": ("Chuyển đổi số ở trạm thu phí",)}

WINDOW = ArticleFilter(since=date(2020, 1, 1), until=date(2022, 12, 31), categories=(ECONOMY,))


def url(name: str) -> str:
    return f"{SITE}/{name}.html"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    db = Path(tmp_path_factory.mktemp("search")) / "archive.db"
    with Archive.open(f"sqlite:///{db}") as opened:
        for name, (published_at, category, title, body) in ARTICLES.items():
            article = Article(
                url=url(name),
                title=title,
                paragraphs=(body,),
                published_at=published_at,
                category=category,
                captions=CAPTIONS.get(name, ()),
            )
            raw = RawPage(
                url=article.url,
                fetch_url=article.url,
                final_url=article.url,
                status=200,
                outcome="ok",
                headers=(("content-type", "text/html"),),
                body=b"<html></html>",
                fetched_at=datetime(2024, 1, 1, tzinfo=UTC),
            )
            opened.record_fetch(raw, article=article, page_kind="article")
        yield opened


def found(archive: Archive, query: str, chosen: ArticleFilter) -> list[str]:
    return [hit.url for hit in archive.search(query, limit=50, chosen=chosen)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("chuyen doi so", {"edge-first", "edge-last", "captioned", "words-apart"}),
        ('"chuyển đổi số"', {"edge-first", "edge-last", "captioned"}),
        ("chuyen AND doi AND so", {"edge-first", "edge-last", "captioned", "words-apart"}),
        ("xuất khẩu OR nhập khẩu", {"edge-last", "imports"}),
        ('"chuyen doi so" NOT "thu phi"', {"edge-first"}),
        ("so NOT (thu OR chuyen)", {"imports"}),
        ('title:"chuyen doi so"', {"edge-first"}),
        ('captions:"chuyen doi so"', {"captioned"}),
        ('{title captions}: "chuyen doi so" OR nhap', {"edge-first", "captioned", "imports"}),
        ("NEAR(chuyen so, 2)", {"edge-first", "edge-last", "captioned"}),
        ("chuy*", {"edge-first", "edge-last", "captioned", "words-apart"}),
        ("nothing here", set()),
    ],
)
def test_filters_with_any_query_choose_exactly_the_articles_in_the_window(
    archive: Archive, query: str, expected: set[str]
) -> None:
    assert set(found(archive, query, WINDOW)) == {url(name) for name in expected}


@pytest.mark.parametrize(
    "chosen",
    [
        WINDOW,
        ArticleFilter(since=date(2021, 1, 1)),
        ArticleFilter(until=date(2020, 1, 1)),
        ArticleFilter(categories=(ECONOMY, CITY)),
        ArticleFilter(since=date(2021, 6, 1), until=date(2021, 6, 2)),
        ArticleFilter(categories=(CITY,), since=date(2021, 1, 1)),
        ArticleFilter(categories=()),
        ArticleFilter(categories=("Thể thao",)),
    ],
)
@pytest.mark.parametrize(
    "query", ["chuyen doi so", "xuat khau OR nhap khau", 'so NOT "thu phi"', "title:so"]
)
def test_a_filter_leaves_the_order_of_the_articles_it_keeps_as_it_was(
    archive: Archive, chosen: ArticleFilter, query: str
) -> None:
    kept = {url(name) for name, fields in ARTICLES.items() if chooses(chosen, *fields[:2])}
    everything = archive.search(query, limit=50)
    filtered = archive.search(query, limit=50, chosen=chosen)
    assert filtered == [hit for hit in everything if hit.url in kept]


def test_a_filter_keeps_the_best_of_its_articles_up_to_the_limit(archive: Archive) -> None:
    best = found(archive, "chuyen doi so", WINDOW)
    # The window's articles holding the three words, the caption's included.
    assert sorted(best) == sorted(
        url(n) for n in ("edge-first", "edge-last", "words-apart", "captioned")
    )
    assert found(archive, "chuyen doi so", WINDOW)[:2] == [
        hit.url for hit in archive.search("chuyen doi so", limit=2, chosen=WINDOW)
    ]


def chooses(chosen: ArticleFilter, published_at: str | None, category: str | None) -> bool:
    if chosen.categories is not None and category not in chosen.categories:
        return False
    day = None if published_at is None else date.fromisoformat(published_at[:10])
    if chosen.since is not None and (day is None or day < chosen.since):
        return False
    return chosen.until is None or (day is not None and day <= chosen.until)
