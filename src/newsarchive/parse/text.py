"""Text normalisation of ARTICLE.md: NFC, no zero-width characters, one space, trimmed."""

from __future__ import annotations

import re
import unicodedata

# U+200B-U+200D, U+2060, U+FEFF: invisible, and they break search and hashing.
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")


def clean(text: str) -> str:
    """One line of text as ARTICLE.md wants every string."""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _is_clean(text):  # most strings: checking is cheaper than splitting into words
        return text
    if _ZERO_WIDTH.search(text):
        text = _ZERO_WIDTH.sub("", text)
        # Removing a character can bring a base letter and a combining mark together again.
        text = unicodedata.normalize("NFC", text)
    # str.split() splits on every Unicode space, U+00A0 included: it folds and trims at once.
    # Folding spaces keeps NFC: no space composes, and a space still separates what it did.
    return " ".join(text.split())


def _is_clean(text: str) -> bool:
    """Whether an NFC string is one line already. Every space but U+0020 and every zero-width
    character is unprintable, so only U+0020 needs looking at."""
    return text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "


def clean_lines(text: str) -> str:
    """Like `clean`, but `\\n` (from `<br>`) survives: each line cleaned, empty lines dropped."""
    if "\n" not in text:
        return clean(text)
    lines = (clean(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def folded_key(text: str) -> str:
    """A comparison key for labels: cleaned, case-folded, without a trailing colon."""
    return clean(text).casefold().rstrip(" :")
