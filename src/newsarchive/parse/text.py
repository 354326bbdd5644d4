"""Text normalisation of ARTICLE.md: NFC, no zero-width characters, one space, trimmed."""

from __future__ import annotations

import re
import unicodedata

# U+200B-U+200D, U+2060, U+FEFF: invisible, and they break search and hashing.
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")


def clean(text: str) -> str:
    """One line of text as ARTICLE.md wants every string."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    # str.split() splits on every Unicode space, U+00A0 included: it folds and trims at once.
    if _ZERO_WIDTH.search(text):
        text = _ZERO_WIDTH.sub("", text)
    text = " ".join(text.split())
    # Removing a character can bring a base letter and a combining mark together again.
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def clean_lines(text: str) -> str:
    """Like `clean`, but `\\n` (from `<br>`) survives: each line cleaned, empty lines dropped."""
    if "\n" not in text:
        return clean(text)
    lines = (clean(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def folded_key(text: str) -> str:
    """A comparison key for labels: cleaned, case-folded, without a trailing colon."""
    return clean(text).casefold().rstrip(" :")
