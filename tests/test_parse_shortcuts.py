"""The parser's shortcuts give what the general way gives, so records never depend on them:
text cleaning, URL joins and canonical forms, page decoding, JSON-LD, walks over the page, and
"is this node or an ancestor one of these", and queries Lexbor is asked another way."""

import codecs
import itertools
import json
import random
import re
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode
from test_site_urls import joined_by_hand, joined_by_urljoin

from newsarchive import parse_article
from newsarchive.parse.article import _label_texts
from newsarchive.parse.blocks import BLOCK_TAGS, has_block
from newsarchive.parse.decode import decode_page
from newsarchive.parse.marks import Marks, ancestry, in_any, lies_in, select, within
from newsarchive.parse.metadata import _JSON, read_metadata
from newsarchive.parse.text import clean, clean_lines, folded_key
from newsarchive.site import layouts as site
from newsarchive.site.urls import canonical_url, link_url

_TRICKY = [" ", "\t", "\n", "\u00a0", "\u2000", "\u3000", "\u200b", "\u2060", "\ufeff", ":", "a"]
_TRICKY += ["Đ", "ơ", "\u0301", "\u0323", "\u0302", "o\u0302\u0301", "\u0958", "ß", "İ", "\u212a"]


def _reference_clean(text: str) -> str:
    """`clean` the long way: NFC, no zero-width characters, one space, trimmed, NFC again."""
    text = re.sub("[\u200b-\u200d\u2060\ufeff]", "", unicodedata.normalize("NFC", text))
    return unicodedata.normalize("NFC", " ".join(text.split()))


def test_clean_is_the_long_way_for_any_mix_of_spaces_marks_and_invisibles() -> None:
    draw = random.Random(7)
    for _ in range(20_000):
        text = "".join(draw.choice(_TRICKY) for _ in range(draw.randint(0, 10)))
        assert clean(text) == _reference_clean(text), repr(text)


def _reference_decode(data: bytes) -> str:
    """The page's text the long way: BOM, else valid UTF-8, else its declared charset."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace").lstrip("\ufeff")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        declared = b"latin-1" in data[:4096]
        return data.decode("latin-1" if declared else "utf-8", errors="replace")


@pytest.mark.parametrize(
    "data",
    [
        "<p>Hà Nội</p>".encode(),
        b'<meta charset="latin-1"><p>' + "Hà Nội".encode() + b"</p>",
        b'<meta charset="latin-1"><p>H\xe0 N\xf4i</p>',
        b"<p>\xc3</p>",
        codecs.BOM_UTF8 + "<p>Hà</p>".encode(),
        codecs.BOM_UTF16_LE + "<p>Hà</p>".encode("utf-16-le"),
    ],
)
def test_decoding_reads_bytes_as_before_and_passes_on_only_what_reads_back(data: bytes) -> None:
    text, as_is = decode_page(data)
    assert text == _reference_decode(data)
    assert not as_is or text.encode() == data


def test_lies_in_and_inside_are_the_pages_matches_above_a_node() -> None:
    """Asked of one node (its own subtree queried), or of many (`Marks.inside` queries the page
    once after the first few), the answer is the ancestry against the page's own matches."""
    html = (
        "<header><div class=site-logo><h1>A</h1></div></header><main class=x>"
        "<div class=logo-box><p><b>B</b></p></div><h1>C</h1><svg><g></g></svg></main>"
    )
    asked = [("[class*=logo]", "header"), ("main",), ("b",), ("nav",), site.GENERIC.teasers]
    for tree in [LexborHTMLParser(html), *_trees()[1:6]]:
        assert tree.root is not None
        marks = Marks(tree.root)
        for selectors in (*asked, site.GENERIC.not_body, site.CHROME):
            matches = frozenset(n.mem_id for n in tree.root.css(", ".join(selectors)))
            for node in tree.root.traverse():
                if node.is_element_node:
                    inside = in_any(node, matches)
                    assert lies_in(node, selectors) == inside, (selectors, node.tag)
                    assert marks.inside(node, selectors) == inside, (selectors, node.tag)


# -- page walks and marks -------------------------------------------------------------------

PAGES = sorted((Path(__file__).resolve().parent.parent / "fixtures" / "site").rglob("*.html"))
_MARKUP = (
    "<html><head><title>t</title></head><body> <header><p>Tin mới</p></header>"
    "<div class=a>x<!-- c --><span>  </span><p>Tin mới<b>b</b>tail</p></div>"
    "<aside><ul><li><a href=/x-123456.html>one</a></li></ul>\n</aside>"
    "<script>Tin mới</script><div id=skip><p>not me</p></div></body></html>"
)


def _trees() -> list[LexborHTMLParser]:
    return [LexborHTMLParser(_MARKUP), *(LexborHTMLParser(page.read_bytes()) for page in PAGES)]


_LABELS = {*site.RELATED_LABELS, *site.SPONSORED_LABELS}


def _reference_labels(node: LexborNode, skip: frozenset[int]) -> list[tuple[int, str]]:
    """The label texts under `node` the long way: recursion over `iter`, every text folded."""
    found: list[tuple[int, str]] = []
    for child in node.iter(include_text=True):
        if child.is_element_node and child.mem_id not in skip:
            found += _reference_labels(child, skip)
        elif child.is_text_node and folded_key(child.text_content or "") in _LABELS:
            found.append((child.mem_id, folded_key(child.text_content or "")))
    return found


def test_the_label_walk_meets_the_labels_the_text_nodes_recursion_meets() -> None:
    """Only what holds a skipped element is walked node by node; other subtrees are walked when
    their texts, read in one call, hold a label: the labels met are the same, in page order."""
    labelled = 0
    for page, tree in enumerate(_trees()):
        assert tree.body is not None
        skipped = tree.css("header, nav, footer, #skip, [class*=menu]")
        walked = [(node.mem_id, label) for node, label in _label_texts(tree.body, skipped)]
        expected = _reference_labels(tree.body, frozenset(n.mem_id for n in skipped))
        assert walked == expected, f"page {page}: labels missed, added or out of order"
        labelled += bool(expected)
    assert labelled >= 10, f"only {labelled} pages hold a label: the walk is hardly tested"


def test_link_lists_found_from_their_boxes_are_lexbors_own_query() -> None:
    """`select` finds `X Y` from the X down: the same nodes in the same order as Lexbor's query,
    a node matching two items of a list listed twice as Lexbor lists it; and a query's first
    node is the first its whole list gives (fields take it alone first)."""
    nested = (
        "<div class=breadcrumb><a class=active aria-current=page>x</a><div class=breadcrumb>"
        "<a class=active>y</a><span class=active><a>z</a></span></div></div><a class=breadcrumb>"
        "<a>w</a></a><p class=tag-x><span aria-current class=tag-y><a class=active></a></span></p>"
    )
    selectors = {"div p, div span", "* a", "[class*=tag] *", "ul li a", "div > a"}
    for layout in (*site.LAYOUTS, site.GENERIC):
        for name in ("title", "sapo", "date", "author", "tags", "breadcrumb"):
            selectors.update(getattr(layout, name))
    for tree in [LexborHTMLParser(nested), *_trees()]:
        assert tree.root is not None
        for selector in selectors:
            found = tree.root.css(selector)
            selected = select(tree.root, selector)
            assert [n.mem_id for n in selected] == [n.mem_id for n in found], selector
            first = tree.root.css_first(selector)
            first_id = first.mem_id if first else None
            assert first_id == (found[0].mem_id if found else None), f"first of {selector}"


def _reference_meta(tree: LexborHTMLParser) -> dict[str, str]:
    """The page's `meta` and microdata `content` values the long way: one query for each kind."""
    meta: dict[str, str] = {}
    for node in tree.css("meta[content]"):
        key = node.attributes.get("property") or node.attributes.get("name")
        content = node.attributes.get("content")
        if key and content is not None:
            meta.setdefault(key.strip().lower(), content)
    for node in tree.css("[itemprop][content]"):
        key = node.attributes.get("itemprop")
        content = node.attributes.get("content")
        if key and content is not None:
            meta.setdefault(f"itemprop:{key.strip()}", content)
    return meta


def test_metadata_from_one_query_is_what_a_query_for_each_kind_finds() -> None:
    tricky = LexborHTMLParser(
        '<meta name="A" content="1"><meta property=og:x content=""><div content=x name=z>n</div>'
        '<span itemprop=" b " content=2><meta itemprop=c content=3 name=d><meta name=e>'
        "<svg><meta name=f content=4></svg><p itemprop=g>no content</p><meta name=h content>"
    )
    for tree in [tricky, *_trees()]:
        assert read_metadata(tree).meta == _reference_meta(tree)


def test_related_boxes_come_in_page_order() -> None:
    """Labelled boxes and boxes by class are put in page order only when both kinds are there:
    either kind alone must come in page order already."""
    boxes = {
        "label_a": '<div><h3>Tin mới</h3><a href="/tin-a-111111.html">A</a></div>',
        "label_b": '<div><h3>Đọc nhiều</h3><a href="/tin-b-222222.html">B</a></div>',
        "class_c": '<div class="box-related"><a href="/tin-c-333333.html">C</a></div>',
        "class_d": '<div class="lien-quan"><a href="/tin-d-444444.html">D</a></div>',
    }
    body = "<p>" + "Hà Nội có nhiều tin. " * 20 + "</p>"
    for order in itertools.permutations(boxes):
        for chosen in (order, order[:2], order[1:3]):
            page = (
                "<html><body><article><h1>Tiêu đề</h1><div itemprop=articleBody>"
                f"{body}</div></article>{''.join(boxes[name] for name in chosen)}</body></html>"
            )
            article = parse_article(page, "https://kinhtedothi.vn/bai-viet-999999.html")
            titles = [related.title for related in article.related]
            # "lien-quan" boxes count only where no "related" class is on the page.
            expected = [
                name[-1].upper()
                for name in chosen
                if not (name == "class_d" and "class_c" in chosen)
            ]
            assert titles == expected, chosen


def test_holding_an_image_is_asking_the_node_for_one() -> None:
    for tree in _trees():
        assert tree.body is not None
        marks = Marks(tree.body)
        for node in tree.body.traverse():
            assert (node.mem_id in marks.holding("img")) == (node.css_first("img") is not None)


def test_node_shortcuts_are_the_long_way() -> None:
    """A block under a node; a node within a box, from its ancestry; a link within a label, from
    the label's own links."""
    for tree in _trees()[:8]:
        assert tree.body is not None
        nodes = list(tree.body.traverse())
        links = tree.body.css("a[href]")
        for node in nodes:
            below = [child for child in node.traverse() if child != node]
            assert has_block(node) == any(child.tag in BLOCK_TAGS for child in below)
        for node in nodes[::7]:
            line = ancestry(node)
            assert all((box.mem_id in line) == within(node, box) for box in nodes[::5])
        for label in nodes[::5]:
            own = {a.mem_id for a in label.css("a[href]")}
            assert all((a.mem_id in own) == within(a, label) for a in links)


def test_white_space_alone_makes_no_block() -> None:
    draw = random.Random(11)
    spaces = [" ", "\t", "\n", "\r", "\u00a0", "\u2000", "\u2001", "\u3000", "\u2028", "\x1c"]
    for _ in range(5_000):
        text = "".join(draw.choice(spaces) for _ in range(draw.randint(1, 8)))
        assert text.isspace() and clean_lines(text) == ""


# -- addresses and JSON-LD ------------------------------------------------------------------

_URL_PARTS = ["https://", "http://", "HTTP://", "//", "www.", "WWW.", "Kinhtedothi.VN", "a.b", "."]
_URL_PARTS += ["-", ":443", ":80", ":8080", ":99999", "/", "/x", "/Bài", "/a%20b", "?q=1", "#f"]
_URL_PARTS += ["@", "[", "/./", "/../", " ", "~", "_"]


def _reference_link(absolute: str) -> str | None:
    """`link_url` of an absolute address the long way: split, check, canonicalise, read back."""
    try:
        if absolute.startswith("//"):
            absolute = "https:" + absolute
        parts = urlsplit(absolute)
        if parts.scheme.lower() not in ("http", "https") or "@" in parts.netloc:
            return None
        if not parts.hostname:
            return None
        url = canonical_url(absolute)
        return url if urlsplit(url).hostname else None
    except ValueError:
        return None


def _addresses(seed: int, count: int) -> list[str]:
    draw = random.Random(seed)
    found = ["https://kinhtedothi.vn/a-1.html", "https://www./x", "http://WWW.A.b:443/p"]
    for _ in range(count):
        found.append("".join(draw.choice(_URL_PARTS) for _ in range(draw.randint(1, 7))))
    return found


def test_canonical_links_are_worked_out_as_the_long_way_does() -> None:
    for address in _addresses(3, 20_000):
        assert link_url(address) == _reference_link(address.strip()), address


def test_joins_against_any_page_address_are_what_urljoin_gives() -> None:
    hrefs = ["/", "/a-1.html", "x.html", "../y", "//h/z", "https://kinhtedothi.vn/q", "?p=2", ""]
    for base in _addresses(5, 3_000):
        for href in hrefs:
            assert joined_by_hand(href, base) == joined_by_urljoin(href, base), (base, href)


@pytest.mark.parametrize(
    "text", ['{"a": 1}', '\ufeff{"a": 1}', '{"a": "x\ty"}', "[1, 2", "", '{"@graph": []} x']
)
def test_json_ld_is_read_as_json_loads_reads_it(text: str) -> None:
    try:
        expected: object = json.loads(text, strict=False)
    except ValueError:
        expected = ValueError
    try:
        decoded: object = _JSON.decode(text)
    except ValueError:
        decoded = ValueError
    assert decoded == expected
