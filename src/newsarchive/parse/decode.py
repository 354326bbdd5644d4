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


def decode_html(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace").lstrip("\ufeff")
    declared = _META_CHARSET.search(data[:4096])
    encoding = "utf-8"
    if declared:
        # An unknown charset name is ignored: the site writes UTF-8.
        with contextlib.suppress(LookupError):
            encoding = codecs.lookup(declared[1].decode("ascii")).name
    # A page labelled Latin-1 that is really UTF-8 is the common lie; trust UTF-8 when it decodes.
    if encoding != "utf-8":
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return data.decode(encoding, errors="replace")
