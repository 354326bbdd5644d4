"""Archives made by crawling the replica site, and the records the replica's pages hold, for the
tests of what reads an archive (search, show, export, stats, schema)."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from replica import DEFAULT_ROOT, start_replica

from newsarchive.config import Config, CrawlSettings, FetchSettings, StoreSettings
from newsarchive.crawl import Crawl, CrawlReport
from newsarchive.store import Archive

SITE_ROOT = "https://kinhtedothi.vn"
# The seed page, the one tests edit to make a second version of.
SEED = f"{SITE_ROOT}/huyen-hoai-duc-nang-cao-chat-luong-cai-cach-hanh-chinh-tang-su-hai-long.html"


def expected_records(root: Path = DEFAULT_ROOT) -> dict[str, dict[str, Any]]:
    """Every article of the replica, by URL, as its `*.expected.json` gives it (written by hand,
    not by the code under test)."""
    return {
        f"{SITE_ROOT}/" + p.relative_to(root).as_posix().replace(".expected.json", ".html"): (
            json.loads(p.read_text(encoding="utf-8"))
        )
        for p in sorted(root.rglob("*.expected.json"))
    }


def crawl(db: Path, root: Path = DEFAULT_ROOT, *, again: Iterable[str] = ()) -> CrawlReport:
    """Crawl the replica served from `root` into `db`; `again` are articles made due anew."""
    with start_replica(root) as replica:
        config = Config(
            fetch=FetchSettings(delay=0.0, backoff_base=0.01, backoff_max=0.05, retries=1),
            crawl=CrawlSettings(base_url=replica.base_url),
            store=StoreSettings(url=f"sqlite:///{db}"),
        )
        with Archive.open(config.store.url) as archive:
            archive.reschedule(again)
            return asyncio.run(Crawl(config, archive).run())


def copy_of_site(folder: Path) -> Path:
    """A copy of the replica's pages that a test may edit."""
    return Path(shutil.copytree(DEFAULT_ROOT, folder / "site"))


def edit_page(root: Path, url: str, *replacements: tuple[str, str]) -> None:
    """Change the page of `url` in the site at `root`: each (old, new) once, exactly."""
    page = root / url.removeprefix(f"{SITE_ROOT}/")
    html = page.read_text(encoding="utf-8")
    for old, new in replacements:
        assert html.count(old) == 1, f"{old!r} is not once in {page.name}"
        html = html.replace(old, new)
    page.write_text(html, encoding="utf-8")
