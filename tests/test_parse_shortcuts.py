"""The parser's shortcuts give what the general way gives, so records never depend on them:
text cleaning, URL joins, page decoding, and "is this node or an ancestor one of these"."""

import codecs
import random
import re
import unicodedata

import pytest
from selectolax.lexbor import LexborHTMLParser

from newsarchive.parse.decode import decode_page
from newsarchive.parse.marks import Marks, lies_in
from newsarchive.parse.text import clean

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


def test_lies_in_is_inside_asked_of_one_node() -> None:
    html = (
        "<header><div class=site-logo><h1>A</h1></div></header><main class=x>"
        "<div class=logo-box><p><b>B</b></p></div><h1>C</h1><svg><g></g></svg></main>"
    )
    tree = LexborHTMLParser(html)
    assert tree.root is not None
    marks = Marks(tree.root)
    for selectors in (("[class*=logo]", "header"), ("main",), ("b",), ("nav",)):
        for node in tree.root.traverse():
            assert lies_in(node, selectors) == marks.inside(node, ", ".join(selectors))
