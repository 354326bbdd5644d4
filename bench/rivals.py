"""The tools people would use instead: trafilatura and newspaper4k, on the HTML we give them.

Both are installed by the `bench` extra only. Each rival's output is mapped to the fields of our
record that it has an equivalent for; none of them is asked to fetch anything (the benchmark
refuses any connection off 127.0.0.1 while they run).
"""

from __future__ import annotations

import importlib.util
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

# The record's fields each rival has an equivalent for (our name: what the rival calls it).
TRAFILATURA_FIELDS = {
    "title": "title",
    "sapo": "description",
    "body_text": "text",
    "published_at": "date",
    "authors": "author",
    "category": "categories",
    "tags": "tags",
}
NEWSPAPER_FIELDS = {
    "title": "title",
    "sapo": "meta_description",
    "body_text": "text",
    "published_at": "publish_date",
    "authors": "authors",
    "tags": "tags",
}


@dataclass
class RivalRecord:
    """A rival's reading of a page, in our field names; only the fields it has are set."""

    fields: dict[str, object] = field(default_factory=dict)

    @property
    def body(self) -> str:
        return str(self.fields.get("body_text") or "")


Extractor = Callable[[bytes, str], RivalRecord]


def missing() -> dict[str, str]:
    """Rival tools that cannot be imported here, with the reason (install `.[bench]`)."""
    absent = {}
    for name, module in (("trafilatura", "trafilatura"), ("newspaper4k", "newspaper")):
        if importlib.util.find_spec(module) is None:
            absent[name] = f"{name} is not installed (pip install -e '.[bench]')"
    return absent


def extractors() -> dict[str, Extractor]:
    """The rivals that are installed, by name."""
    absent = missing()
    found: dict[str, Extractor] = {}
    if "trafilatura" not in absent:
        found["trafilatura"] = trafilatura_record
    if "newspaper4k" not in absent:
        found["newspaper4k"] = newspaper_record
    return found


def trafilatura_record(html: bytes, url: str) -> RivalRecord:
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        # Its best chance at a time and an offset, not only a day.
        date_extraction_params={
            "extensive_search": True,
            "original_date": True,
            "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        },
    )
    if document is None:
        return RivalRecord()
    found = document if isinstance(document, dict) else document.as_dict()
    authors = [a.strip() for a in (found.get("author") or "").split(";") if a.strip()]
    categories = found.get("categories") or []
    return RivalRecord(
        {
            "title": found.get("title"),
            "sapo": found.get("description"),
            "body_text": found.get("text") or "",
            "published_at": found.get("date"),
            "authors": authors,
            "category": categories[-1] if categories else None,
            "tags": list(found.get("tags") or []),
        }
    )


def newspaper_record(html: bytes, url: str) -> RivalRecord:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from newspaper import Article as NewspaperArticle  # type: ignore[import-untyped]

        article = NewspaperArticle(url, language="vi", fetch_images=False)
        # The page as given: newspaper4k takes it instead of downloading.
        article.download(input_html=html.decode("utf-8", errors="replace"))
        article.parse()
    published = article.publish_date
    return RivalRecord(
        {
            "title": article.title,
            "sapo": article.meta_description or None,
            "body_text": article.text or "",
            "published_at": _iso(published) if isinstance(published, datetime) else None,
            "authors": list(article.authors or []),
            "tags": sorted(article.tags or []),
        }
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
