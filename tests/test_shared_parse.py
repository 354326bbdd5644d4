"""`read_page` parses a page once, for its links and its article both: what it reads must be what
`links_in_page` and `parse_article` read each parsing the page on its own, page for page, down to
the order of the links and the kind and detail of a page that is no article."""

from __future__ import annotations

import codecs
import contextlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser
from sitegen import generated_site
from test_hostile_html import CUTS, mutated

import newsarchive.discover.links
import newsarchive.parse.article
import newsarchive.runs.readers
from newsarchive.discover import Found, links_in_page
from newsarchive.parse import NotAnArticle, parse_article
from newsarchive.record import Article
from newsarchive.runs.readers import PARSER_ERROR, Reading, read_page

SITE = Path(__file__).resolve().parent.parent / "fixtures" / "site"
FIXTURE_PAGES = sorted(SITE.rglob("*.html"))
ARTICLE_PAGE = SITE / "khai-mac-le-hoi-van-hoa-am-thuc-ha-noi-2025.790377.html"
ARTICLE_URL = "https://kinhtedothi.vn/" + ARTICLE_PAGE.name
MAX_LISTING_PAGE = 2

Outcome = tuple[list[Found], Article | tuple[str, str | None]]


def _url_of(page: Path, root: Path) -> str:
    path = page.relative_to(root).as_posix()
    return "https://kinhtedothi.vn/" + path.removesuffix("index.html")


def _read_apart(kind: str, url: str, body: bytes) -> Reading:
    """`read_page` as it was before the shared tree: each reader parsing the page itself."""
    links: list[Found] = []
    try:
        links = links_in_page(body, url, max_listing_page=MAX_LISTING_PAGE)
        article = parse_article(body, url) if kind == "article" or not links else None
    except NotAnArticle as exc:
        return Reading(exc.kind, found=links, detail=exc.detail)
    except Exception as exc:
        return Reading(PARSER_ERROR, detail=f"parser error: {type(exc).__name__}: {exc}")
    if kind == "listing" or article is None:
        return Reading("listing", found=links)
    return Reading("article", article, links)


def _what_was_read(reading: Reading) -> tuple[str, Article | None, list[Found], str | None]:
    """What the two readers gave, beside anything else a `Reading` carries."""
    return reading.kind, reading.article, reading.found, reading.detail


def _outcome(
    html: str | bytes, url: str, tree: LexborHTMLParser | None, links_first: bool
) -> Outcome:
    """The links and the article (or the kind and detail of what the page is instead), read in
    either order from `tree` (None: each reader parses the page itself)."""

    def links() -> list[Found]:
        return links_in_page(html, url, max_listing_page=MAX_LISTING_PAGE, tree=tree)

    def article() -> Article | tuple[str, str | None]:
        try:
            return parse_article(html, url, tree=tree)
        except NotAnArticle as exc:
            return exc.kind, exc.detail

    if links_first:
        found = links()
        return found, article()
    record = article()
    return links(), record


def assert_shared_reads_as_apart(html: str | bytes, url: str) -> None:
    apart = _outcome(html, url, None, links_first=True)
    for links_first in (True, False):
        assert _outcome(html, url, LexborHTMLParser(html), links_first) == apart
    if isinstance(html, bytes):
        for kind in ("article", "listing"):
            shared = read_page(kind, url, html, MAX_LISTING_PAGE)
            assert _what_was_read(shared) == _what_was_read(_read_apart(kind, url, html))


@pytest.mark.parametrize("page", FIXTURE_PAGES, ids=lambda p: p.relative_to(SITE).as_posix())
def test_every_fixture_page_reads_the_same_from_one_shared_tree(page: Path) -> None:
    assert_shared_reads_as_apart(page.read_bytes(), _url_of(page, SITE))


@pytest.fixture(scope="module")
def generated_pages(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, bytes]]:
    """The pages of a generated site of 150 articles: articles of all three layouts, listings
    (next pages included) and the 404 page."""
    root = generated_site(150).write_site(tmp_path_factory.mktemp("generated") / "site")
    return [(_url_of(page, root), page.read_bytes()) for page in sorted(root.rglob("*.html"))]


def test_every_generated_page_reads_the_same_from_one_shared_tree(
    generated_pages: list[tuple[str, bytes]],
) -> None:
    assert len(generated_pages) > 150, "fewer pages than the 150 articles with their listings"
    for url, body in generated_pages:
        assert_shared_reads_as_apart(body, url)


def _article_text() -> str:
    return ARTICLE_PAGE.read_text(encoding="utf-8")


def _latin1() -> bytes:
    """The article in Latin-1, letters outside it as character references: not UTF-8."""
    text = re.sub(r'<meta charset="[^"]*">', '<meta charset="iso-8859-1">', _article_text())
    return text.encode("latin-1", errors="xmlcharrefreplace")


# Pages that `parse_article` decodes to other text than their bytes read as UTF-8, and pages it
# turns away before parsing: only the bytes' own UTF-8 reading may be shared.
ODD_PAGES: dict[str, Callable[[], str | bytes]] = {
    "utf-8 BOM": lambda: codecs.BOM_UTF8 + _article_text().encode(),
    "utf-16 BOM": lambda: codecs.BOM_UTF16_LE + _article_text().encode("utf-16-le"),
    "latin-1 declared": _latin1,
    "invalid utf-8": lambda: _article_text().encode().replace(b"<p>", b"<p>\xff", 1),
    "text, not bytes": _article_text,
    "empty": lambda: b"",
    "blank": lambda: b" \n\t ",
    "binary": lambda: b"<html>\x00\x01\x02" * 100,
    "bot check": lambda: b"<html><body>Checking your browser</body></html>",
}


@pytest.mark.parametrize("name", ODD_PAGES)
def test_pages_decoded_otherwise_or_turned_away_read_the_same(name: str) -> None:
    assert_shared_reads_as_apart(ODD_PAGES[name](), ARTICLE_URL)


def test_a_page_in_another_charset_is_not_read_from_the_tree_of_its_raw_bytes() -> None:
    # The tree of the raw bytes garbles the Latin-1 letters; the article is read from the text.
    body = _latin1()
    tree = LexborHTMLParser(body)
    h1 = tree.css_first("h1")
    assert h1 is not None and "\ufffd" in h1.text()
    article = parse_article(body, ARTICLE_URL, tree=tree)
    assert "\ufffd" not in article.title
    assert article == parse_article(body, ARTICLE_URL)


PAGES = [page for page in FIXTURE_PAGES if page.parent == SITE]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page=st.sampled_from(PAGES), cuts=CUTS)
def test_mutated_pages_read_the_same_from_one_shared_tree(
    page: Path, cuts: list[tuple[float, float, bytes]]
) -> None:
    assert_shared_reads_as_apart(mutated(page.read_bytes(), cuts), _url_of(page, SITE))


@pytest.mark.parametrize("page", FIXTURE_PAGES, ids=lambda p: p.relative_to(SITE).as_posix())
def test_neither_reader_changes_the_shared_tree(page: Path) -> None:
    # Sharing is safe only while both readers only read: a node removed or an attribute changed
    # by one would change what the other finds.
    body = page.read_bytes()
    tree = LexborHTMLParser(body)
    before = tree.html
    links_in_page(body, _url_of(page, SITE), max_listing_page=MAX_LISTING_PAGE, tree=tree)
    with contextlib.suppress(NotAnArticle):
        parse_article(body, _url_of(page, SITE), tree=tree)
    assert tree.html == before


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every `LexborHTMLParser` made by `read_page` and the two readers, by what it parsed."""
    made: list[object] = []

    def counting(html: str | bytes) -> LexborHTMLParser:
        made.append(html)
        return LexborHTMLParser(html)

    for module in (newsarchive.runs.readers, newsarchive.discover.links, newsarchive.parse.article):
        monkeypatch.setattr(module, "LexborHTMLParser", counting)
    return made


def test_read_page_parses_an_article_page_once(parses: list[object]) -> None:
    body = ARTICLE_PAGE.read_bytes()
    reading = read_page("article", ARTICLE_URL, body, MAX_LISTING_PAGE)
    assert reading.kind == "article" and reading.found
    assert parses == [body]


def test_read_page_parses_a_page_in_another_charset_twice(parses: list[object]) -> None:
    body = _latin1()
    assert read_page("article", ARTICLE_URL, body, MAX_LISTING_PAGE).kind == "article"
    assert parses[0] == body and len(parses) == 2 and isinstance(parses[1], str)
