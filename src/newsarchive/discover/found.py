from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ..record import PickledByFields

Kind = Literal["article", "listing", "sitemap", "feed"]


@dataclass(frozen=True, slots=True)
class Found(PickledByFields):
    """A URL worth fetching, with what is known of it before the fetch."""

    url: str  # canonical site URL
    kind: Kind
    source: str  # "sitemap", "feed", "listing", "link"
    lastmod: datetime | None = None
