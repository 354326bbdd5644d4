"""Text normalisation of ARTICLE.md: NFC, no zero-width characters, one space, trimmed."""

from __future__ import annotations

import re
import unicodedata

_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
# \s covers U+00A0 and the other Unicode spaces in Python's re.
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """One line of text as ARTICLE.md wants every string."""
    text = unicodedata.normalize("NFC", text)
    text = _ZERO_WIDTH.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    return unicodedata.normalize("NFC", text)


def clean_lines(text: str) -> str:
    """Like `clean`, but `\\n` (from `<br>`) survives: each line cleaned, empty lines dropped."""
    lines = (clean(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def folded_key(text: str) -> str:
    """A comparison key for labels: cleaned, case-folded, without a trailing colon."""
    return clean(text).casefold().rstrip(" :")
