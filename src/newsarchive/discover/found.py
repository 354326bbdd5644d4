from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ..record import PickledByFields

# "page": a teaser's link of no known URL form; the page, once fetched, says what it is.
Kind = Literal["article", "listing", "sitemap", "feed", "page"]


@dataclass(frozen=True, slots=True)
class Found(PickledByFields):
    """A URL worth fetching, with what is known of it before the fetch."""

    url: str  # canonical site URL
    kind: Kind
    source: str  # "sitemap", "feed", "listing", "link"
    lastmod: datetime | None = None
    # A listing page's place in its section's paging: 1 for the first page, N+1 for the next
    # page of page N; None for other pages.
    depth: int | None = None
