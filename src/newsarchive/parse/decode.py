"""Page bytes to text: a BOM, then the page's own `<meta charset>`, else UTF-8 (the site's)."""

from __future__ import annotations

import codecs
import contextlib
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_page(data: bytes) -> tuple[str, bool]:
    """The page's text, and whether that text is exactly `data` read as UTF-8 (no BOM, nothing
    replaced): then the bytes can go to the HTML parser as they are, not encoded again."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace").lstrip("\ufeff"), False
    # Valid UTF-8 is read as UTF-8 whatever the page declares: a page labelled Latin-1 that is
    # really UTF-8 is the common lie.
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(data[:4096])
    encoding = "utf-8"
    if declared:
        # An unknown charset name is ignored: the site writes UTF-8.
        with contextlib.suppress(LookupError):
            encoding = codecs.lookup(declared[1].decode("ascii")).name
    return data.decode(encoding, errors="replace"), False
