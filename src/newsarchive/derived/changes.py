"""What changed between two versions of an article record: per field, with a readable diff.

Diff lines start with `-` (only in the earlier version), `+` (only in the later one), two spaces
(unchanged context) or `~` (one text block edited in place, words marked as `[-old-]{+new+}`,
as `git diff --word-diff` does). A skipped run of unchanged blocks is shown as `  …`.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from ..record import FIELDS, Article

# `body_text` is `paragraphs` joined, and `parser_version` is not content.
COMPARED_FIELDS: tuple[str, ...] = tuple(
    name for name in FIELDS if name not in ("body_text", "parser_version")
)
CONTEXT_BLOCKS = 1


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any  # the field's value in the record (JSON types)
    after: Any
    diff: tuple[str, ...]


def changes(old: Article, new: Article) -> list[FieldChange]:
    """The fields that differ from `old` to `new`, in ARTICLE.md order."""
    before, after = old.to_dict(), new.to_dict()
    return [
        FieldChange(name, before[name], after[name], tuple(diff(before[name], after[name])))
        for name in COMPARED_FIELDS
        if before[name] != after[name]
    ]


def diff(before: Any, after: Any) -> list[str]:
    """A field's change as diff lines: a list block by block, a text word by word."""
    old, new = _blocks(before), _blocks(after)
    lines: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT_BLOCKS):
        if lines:
            lines.append("  …")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [f"  {block}" for block in old[i1:i2]]
            elif tag == "replace" and i2 - i1 == j2 - j1:
                lines += [
                    f"~ {word_diff(a, b)}" for a, b in zip(old[i1:i2], new[j1:j2], strict=True)
                ]
            else:
                lines += [f"- {block}" for block in old[i1:i2]]
                lines += [f"+ {block}" for block in new[j1:j2]]
    return lines


def word_diff(before: str, after: str) -> str:
    """`after`, with the words it dropped from `before` as `[-…-]` and the new ones as `{+…+}`."""
    old, new = before.split(" "), after.split(" ")
    pieces: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new).get_opcodes():
        if tag == "equal":
            pieces += old[i1:i2]
            continue
        if i2 > i1:
            pieces.append(f"[-{' '.join(old[i1:i2])}-]")
        if j2 > j1:
            pieces.append(f"{{+{' '.join(new[j1:j2])}+}}")
    return " ".join(pieces)


def _blocks(value: Any) -> list[str]:
    """A field's value as the blocks a diff compares: list items, or the one text."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    # A line break inside a block (`<br>`) is shown, not taken: one block is one diff line.
    return [
        item.replace("\n", " ↵ ") if isinstance(item, str) else _one_line(item) for item in items
    ]


def _one_line(item: Any) -> str:
    return json.dumps(item, ensure_ascii=False)
