"""Archives made by crawling the replica site, the config such a crawl runs with, and the records
the replica's pages hold: for the tests of the crawl and of what reads an archive (search, show,
export, stats, schema)."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from replica import DEFAULT_ROOT, start_replica

from newsarchive.config import Config, CrawlSettings, FetchSettings, StoreSettings
from newsarchive.runs.crawl import Crawl
from newsarchive.runs.crawl_report import CrawlOptions, CrawlReport
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


def without_version(record: dict[str, Any]) -> dict[str, Any]:
    """A record without its `parser_version`, which a new parser changes alone."""
    return {k: v for k, v in record.items() if k != "parser_version"}


def plain(text: str) -> str:
    """Lower case without Vietnamese diacritics, written out here rather than taken from the
    code under test."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def searchable(record: dict[str, Any]) -> str:
    """The record's searched text (title, sapo, body, captions), `plain`."""
    texts = [record["title"], record["sapo"] or "", *record["paragraphs"], *record["captions"]]
    return plain(" ".join(texts))


def words(record: dict[str, Any]) -> list[str]:
    """The words of the record's searched text, `plain`."""
    return re.findall(r"[^\W_]+", searchable(record))


def holds(record: dict[str, Any], *phrases: str) -> bool:
    """Whether every phrase (words, lower case, no diacritics) is in the record, in order."""
    found = words(record)
    return all(
        any(found[at : at + len(phrase.split())] == phrase.split() for at in range(len(found)))
        for phrase in phrases
    )


# The config file of a fast crawl of a server on 127.0.0.1: no politeness delay, no retries.
FAST_CONFIG = "[fetch]\ndelay = 0.0\nretries = 0\n"


def crawl_config(base_url: str, db: Path, *, retries: int = 1, **crawl: Any) -> Config:
    """The config of a fast crawl of the server at `base_url` into the SQLite file `db`."""
    return Config(
        fetch=FetchSettings(delay=0.0, backoff_base=0.01, backoff_max=0.05, retries=retries),
        crawl=CrawlSettings(base_url=base_url, **crawl),
        store=StoreSettings(url=f"sqlite:///{db}"),
    )


def run_crawl(
    config: Config,
    options: CrawlOptions | None = None,
    clock: Callable[[], datetime] | None = None,
    *,
    again: Iterable[str] = (),
) -> CrawlReport:
    """One crawl run with `config`; `again` are articles made due anew before it."""
    with Archive.open(config.store.url) as archive:
        if again:
            archive.reschedule(again)
        if clock is None:
            return asyncio.run(Crawl(config, archive, options=options).run())
        return asyncio.run(Crawl(config, archive, options=options, clock=clock).run())


def crawl(db: Path, root: Path = DEFAULT_ROOT, *, again: Iterable[str] = ()) -> CrawlReport:
    """Crawl the replica served from `root` into `db`; `again` are articles made due anew."""
    with start_replica(root) as replica:
        return run_crawl(crawl_config(replica.base_url, db), again=again)


def crawl_command(config: Path | str, db_url: str, base_url: str, *more: str) -> list[str]:
    """The arguments of `newsarchive crawl` from the server at `base_url` into `db_url`."""
    return ["crawl", "--config", str(config), "--db", db_url, "--base-url", base_url, *more]


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """The rows `sql` reads from the SQLite archive `db`, read without the store."""
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


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
