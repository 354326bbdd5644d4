"""Diacritic folding for search: `Hoài Đức` and `hoai duc` index and match alike.

Folding works character by character and never changes the length of the (NFC) text, so an
offset into the folded copy is the same offset into the original: search marks matches in the
folded copy and shows them in the original, diacritics and all.
"""

from __future__ import annotations

import unicodedata

# Marker characters around matches in highlighted folded text (private use: never in real text;
# folding turns any that do occur into spaces so they cannot be mistaken for markers).
MATCH_START = "\ue000"
MATCH_END = "\ue001"

# Letters with a stroke do not decompose under NFD; Vietnamese `đ` is the one that matters.
# U+00D0 (Icelandic eth) is a frequent stand-in for `Đ` in Vietnamese web text.
_STROKED = {"đ": "d", "Đ": "D", "Ð": "D"}


def _fold_char(char: str) -> str:
    if char in (MATCH_START, MATCH_END):
        return " "
    base = _STROKED.get(char) or unicodedata.normalize("NFD", char)[0]
    lowered = base.lower()
    return lowered if len(lowered) == 1 else base


class _FoldTable(dict[int, str]):
    """A `str.translate` table filled on first sight of each character: translating runs in C,
    some ten times faster than folding character by character in Python."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_INDEX_FOLD = _FoldTable()


def fold(text: str) -> str:
    """The index form of `text`: NFC, base letters only, lower case; one character per character."""
    return unicodedata.normalize("NFC", text).translate(_INDEX_FOLD)
