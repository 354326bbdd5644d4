"""Generated replicas of kinhtedothi.vn for tests that need more articles than the fixtures hold.

The pages and the record each must give come from `bench/generate.py` (the fixture articles
recombined: new slugs, ids, titles, paragraphs, dates in all three layouts, with listings, a feed
and a sitemap index of monthly url sets). What the sitemaps list is read back here from the files
written, with the standard library, not by the code under test.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import Replica as GeneratedSite  # noqa: E402

SITE_ROOT = "https://kinhtedothi.vn"
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def generated_site(count: int, seed: int = 11) -> GeneratedSite:
    """`count` articles, the same for the same seed."""
    return GeneratedSite(count, seed)


def expected_record(site: GeneratedSite, index: int) -> dict[str, Any]:
    """The record the parser must read from article `index`, parser version left out."""
    record = site.article(index).to_dict()
    del record["parser_version"]
    return record


def sitemap_urls(root: Path) -> tuple[set[str], set[str]]:
    """(the url sets the sitemap index at `root` lists, the article URLs those url sets list)."""
    index = ElementTree.parse(root / "sitemap.xml").getroot()
    url_sets = {loc.text.strip() for loc in index.iter(f"{_SITEMAP_NS}loc") if loc.text}
    articles: set[str] = set()
    for url_set in url_sets:
        path = root / url_set.removeprefix(f"{SITE_ROOT}/")
        tree = ElementTree.parse(path).getroot()
        articles |= {loc.text.strip() for loc in tree.iter(f"{_SITEMAP_NS}loc") if loc.text}
    return url_sets, articles


__all__ = ["SITE_ROOT", "GeneratedSite", "expected_record", "generated_site", "sitemap_urls"]
