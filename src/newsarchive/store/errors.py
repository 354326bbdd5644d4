"""What can go wrong with an archive, in one line a user can act on."""

from __future__ import annotations


class StoreError(Exception):
    """The archive cannot be opened, read or written; the message says which and why."""


class SearchSyntaxError(StoreError):
    """A search query that FTS5 cannot read; the message says what is wrong with it."""


def one_line(text: object) -> str:
    """Error text from a driver or library, squeezed onto one line."""
    return " ".join(str(text).split())


def reason(exc: BaseException) -> str:
    """What the database driver said, if it said anything, else the error itself; one line."""
    original = getattr(exc, "orig", None)
    return one_line(original if original is not None else exc)
