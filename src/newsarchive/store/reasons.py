"""What went wrong with an archive, put in one line a user can act on."""

from __future__ import annotations

# The store's own errors, in the one tree; its modules raise them from here.
from ..errors import SearchSyntaxError as SearchSyntaxError
from ..errors import StoreError as StoreError


def one_line(text: object) -> str:
    """Error text from a driver or library, squeezed onto one line."""
    return " ".join(str(text).split())


def reason(exc: BaseException) -> str:
    """What the database driver said, if it said anything, else the error itself; one line."""
    original = getattr(exc, "orig", None)
    return one_line(original if original is not None else exc)
