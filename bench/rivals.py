"""The tools people would use instead: trafilatura, newspaper4k and goose3, on the HTML we give
them.

All three are installed by the `bench` extra only. Each rival's output is mapped to the fields of
our record that it has an equivalent for; none of them is asked to fetch anything (the benchmark
refuses any connection off 127.0.0.1 while they run).
"""

from __future__ import annotations

import importlib.util
import logging
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

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
GOOSE_FIELDS = {
    "title": "title",
    "sapo": "meta_description",
    "body_text": "cleaned_text",
    "published_at": "publish_date",
    "authors": "authors",
    "tags": "tags",
}
_HTML_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2})\b", re.IGNORECASE)
# Each rival: the module it is imported as.
MODULES = {"trafilatura": "trafilatura", "newspaper4k": "newspaper", "goose3": "goose3"}


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
    for name, module in MODULES.items():
        if importlib.util.find_spec(module) is None:
            absent[name] = f"{name} is not installed (pip install -e '.[bench]')"
    return absent


def extractors() -> dict[str, Extractor]:
    """The rivals that are installed, by name, in the order of `MODULES`."""
    absent = missing()
    every: dict[str, Extractor] = {
        "trafilatura": trafilatura_record,
        "newspaper4k": newspaper_record,
        "goose3": goose_record,
    }
    return {name: extract for name, extract in every.items() if name not in absent}


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

        # Its stop words are those of the language it is told: the page's own (`<html lang>`,
        # Vietnamese on every page of the site), so that an English page of another site is
        # not read with Vietnamese ones.
        article = NewspaperArticle(url, language=page_language(html), fetch_images=False)
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


def goose_record(html: bytes, url: str) -> RivalRecord:
    article = _goose().extract(url=url, raw_html=html.decode("utf-8", errors="replace"))
    return RivalRecord(
        {
            "title": article.title or None,
            "sapo": article.meta_description or None,
            "body_text": article.cleaned_text or "",
            "published_at": _goose_date(article.publish_date, article.publish_datetime_utc),
            "authors": list(article.authors or []),
            "tags": list(article.tags or []),
        }
    )


@cache
def _goose() -> Any:
    """One goose3 extractor, reused: it reads the `raw_html` given, never fetches it (image
    fetching is off, which is its default); its own guess of the language is kept (from the
    page's `lang`), Vietnamese where the page names none."""
    from goose3 import Goose  # type: ignore[import-untyped]
    from goose3.configuration import Configuration  # type: ignore[import-untyped]

    logging.getLogger("goose3").setLevel(logging.CRITICAL)
    config = Configuration()
    config.enable_image_fetching = False
    config.target_language = "vi"
    config.use_meta_language = True
    return Goose(config)


def _goose_date(text: str | None, utc: datetime | None) -> str | None:
    """goose3's publish date as the page wrote it where that is ISO 8601 (its offset kept), else
    its own reading of it (`publish_datetime_utc`: in UTC when it found an offset, else naive)."""
    if text:
        try:
            return _iso(datetime.fromisoformat(text.strip()))
        except ValueError:
            pass
    return _iso(utc) if isinstance(utc, datetime) else None


def page_language(html: bytes, default: str = "vi") -> str:
    """The two-letter language of a page's `<html lang>`, else `default`."""
    found = _HTML_LANG.search(html, 0, 8192)
    return found.group(1).decode("ascii").lower() if found else default


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
