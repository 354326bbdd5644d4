"""What a hostile site or a hostile query cannot make newsarchive do.

- Links in pages, feeds and sitemaps lead only to http(s) URLs of the site without credentials:
  a link elsewhere is never requested, dialled or even looked up.
- Files are written where the command line says, never at a path built from page content.
- Queries reach the database only as bound parameters: a search, an id or a category that
  reads as SQL is just text, and the archive is left as it was.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import figures
import pytest
from crawled import SITE_ROOT, copy_of_site, crawl, edit_page, expected_records
from faultserver import FaultServer, Reply
from netwatch import watching
from replica import start_replica
from sqlalchemy import event
from sqlalchemy.engine import Engine

from newsarchive.cli import run as cli
from newsarchive.config import Config, CrawlSettings, FetchSettings, StoreSettings
from newsarchive.runs.crawl import Crawl
from newsarchive.store import Archive

SEED_PAGE = "huyen-hoai-duc-nang-cao-chat-luong-cai-cach-hanh-chinh-tang-su-hai-long.html"
MARK = "doc-hai"  # in every hostile link's path: the servers must never see it


def hostile_links(replica_port: int, other: FaultServer, far: FaultServer) -> list[str]:
    far_port = far.netloc.rsplit(":", 1)[1]
    return [
        f"http://user:pw@kinhtedothi.vn/{MARK}-mat-khau-700001.html",
        f"https://kinhtedothi.vn@127.0.0.2:{far_port}/{MARK}-gia-mao-700002.html",
        f"ftp://kinhtedothi.vn/{MARK}-ftp-700003.html",
        f"gopher://kinhtedothi.vn/{MARK}-gopher-700004.html",
        f"http://10.0.0.1/{MARK}-noi-bo-700005.html",
        f"http://169.254.169.254/{MARK}-metadata-700006.html",
        f"http://127.0.0.2:{far_port}/{MARK}-may-khac-700007.html",
        f"{other.url('')}/{MARK}-cong-khac-700008.html",
        f"http://localhost:{replica_port}/{MARK}-localhost-700009.html",
        f"http://[::1]:{replica_port}/{MARK}-ipv6-700010.html",
        f"http://[broken/{MARK}-hong-700011.html",
        f"http://kinhtedothi.vn:99999/{MARK}-cong-sai-700012.html",
        f"//evil.example/{MARK}-tuong-doi-700013.html",
        f"https://kinhtedothi.vn.evil.example/{MARK}-duoi-700014.html",
        "file:///etc/passwd",
        f"javascript:fetch('http://10.0.0.1/{MARK}-js-700015.html')",
        f"data:text/html,<a href='/{MARK}-data-700016.html'>x</a>",
    ]


@pytest.fixture
def bait() -> Iterator[tuple[FaultServer, FaultServer]]:
    """Servers that hostile links point at, on another port of 127.0.0.1 and on 127.0.0.2."""
    with FaultServer() as other, FaultServer(host="127.0.0.2") as far:
        for server in (other, far):
            server.route("/", Reply(body=b"bait"))
        yield other, far


def test_links_to_other_schemes_hosts_credentials_or_private_addresses_are_never_requested(
    tmp_path: Path, bait: tuple[FaultServer, FaultServer]
) -> None:
    other, far = bait
    root = copy_of_site(tmp_path)
    with start_replica(root) as replica:
        links = hostile_links(replica.port, other, far)
        anchors = "".join(f'<a href="{link}">x</a>' for link in links)
        # On the home page, in an article's body, in the feed and in a url set.
        home = root / "index.html"
        home.write_text(
            home.read_text(encoding="utf-8").replace("</body>", anchors + "</body>"),
            encoding="utf-8",
        )
        edit_page(root, f"{SITE_ROOT}/{SEED_PAGE}", ("</body>", anchors + "</body>"))
        feed = root / "rss" / "home.rss"
        items = "".join(f"<item><title>x</title><link>{link}</link></item>" for link in links)
        feed.write_text(
            feed.read_text(encoding="utf-8").replace("</channel>", items + "</channel>"),
            encoding="utf-8",
        )
        url_set = sorted((root / "sitemaps").glob("*.xml"))[-1]
        locs = "".join(f"<url><loc>{link.replace('&', '&amp;')}</loc></url>" for link in links)
        url_set.write_text(
            url_set.read_text(encoding="utf-8").replace("</urlset>", locs + "</urlset>"),
            encoding="utf-8",
        )
        db = tmp_path / "b.db"
        config = Config(
            fetch=FetchSettings(delay=0.0, retries=0),
            crawl=CrawlSettings(base_url=replica.base_url),
            store=StoreSettings(url=f"sqlite:///{db}"),
        )
        with watching() as net, Archive.open(config.store.url) as archive:
            report = asyncio.run(Crawl(config, archive).run())

    assert report.exit_status == 0, report.note()
    assert [p for p in replica.requests if MARK in p] == []
    assert other.requests == [] and far.requests == []
    assert net.addresses() == {("127.0.0.1", replica.port)}
    assert {host for host in net.lookups if host != "127.0.0.1"} == set()
    with sqlite3.connect(db) as conn:
        on_frontier = [u for (u,) in conn.execute("SELECT url FROM frontier") if MARK in u]
        archived = {u for (u,) in conn.execute("SELECT url FROM article")}
    assert on_frontier == []
    assert archived == set(expected_records())  # and the crawl went on as usual
    figures.count("hostile links refused", len(links) * 4)
    figures.scenario(
        "boundary",
        f"{len(links)} hostile links (credentials, ftp/file/javascript/data, private, loopback, "
        "broken) in a page, an article, the feed and a url set",
        "never requested, dialled or looked up; the crawl goes on",
        f"0 requests, connections only to the replica, {len(archived)} articles archived",
    )


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a digest of its content."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


HOSTILE_TITLE = "../../../../tmp/pwned ..\\..\\boot.ini"


def test_pages_naming_paths_do_not_choose_where_files_are_written(
    tmp_path: Path, fault_server: FaultServer, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_of_site(tmp_path)
    seed = root / SEED_PAGE
    seed.write_text(
        seed.read_text(encoding="utf-8").replace("Huyện Hoài Đức:", f"{HOSTILE_TITLE} Hoài Đức:"),
        encoding="utf-8",
    )
    work = tmp_path / "work"
    work.mkdir()
    before = tree(tmp_path)
    db = work / "a.db"
    warc = work / "warc"
    conf = tmp_path / "c.toml"
    conf.write_text("[fetch]\ndelay = 0.0\n", encoding="utf-8")
    with start_replica(root) as replica:
        assert cli(["crawl", "--config", str(conf), "--db", f"sqlite:///{db}",
                    "--base-url", replica.base_url, "--warc", str(warc)]) == 0  # fmt: skip
    with sqlite3.connect(db) as conn:
        [(title,)] = conn.execute("SELECT title FROM article WHERE url LIKE ?", (f"%{SEED_PAGE}",))
    assert title.startswith("../../../../tmp/pwned")  # the page did say it
    out = work / "export" / "all.jsonl"
    out.parent.mkdir()
    assert cli(["export", "--db", f"sqlite:///{db}", "--format", "jsonl", "--out", str(out)]) == 0
    parquet = work / "all.parquet"
    assert (
        cli(["export", "--db", f"sqlite:///{db}", "--format", "parquet", "--out", str(parquet)])
        == 0
    )

    # capture: a URL and a page full of `../` still give files in --out, named from the URL.
    page = (
        (root / SEED_PAGE)
        .read_bytes()
        .replace(
            b'<link rel="canonical" href="',
            b'<link rel="canonical" href="https://kinhtedothi.vn/../../../../tmp/',
        )
    )
    sneaky = "/..%2F..%2F..%2Fthoat-ra-ngoai.html"
    fault_server.route(sneaky, Reply(headers=(("Content-Type", "text/html"),), body=page))
    captured = work / "captured"
    assert (
        cli(["capture", "--config", str(conf), fault_server.url(sneaky), "--out", str(captured)])
        == 0
    )
    capsys.readouterr()

    after = tree(tmp_path)
    new = sorted(set(after) - set(before))
    outside = [
        name for name in new
        if not name.startswith(("work/warc/", "work/export/", "work/captured/"))
        and name not in ("work/a.db", "work/a.db-wal", "work/a.db-shm", "work/all.parquet", "c.toml")
    ]  # fmt: skip
    assert outside == []
    assert [k for k in before if before[k] != after.get(k)] == []  # nothing else touched
    assert sorted(p.name for p in captured.iterdir()) == [
        "..-2f..-2f..-2fthoat-ra-ngoai.capture.json",
        "..-2f..-2f..-2fthoat-ra-ngoai.expected.json",
        "..-2f..-2f..-2fthoat-ra-ngoai.html",
    ]
    assert [p for p in Path("/tmp").glob("pwned*")] == []
    figures.scenario(
        "boundary",
        "a page titled `../../../../tmp/pwned`, a URL with `..%2F`: crawl --warc, export, capture",
        "files only where the command line says",
        f"{len(new)} files written, all under --warc, --out and --db",
    )


INJECTIONS = [
    "'; DROP TABLE article; --",
    '"; DROP TABLE article; --',
    "x' OR '1'='1",
    "1 OR 1=1",
    "1; DELETE FROM article",
    "hà nội') UNION SELECT sql FROM sqlite_master --",
    "%' OR 1=1 --",
    "\\'; PRAGMA writable_schema=1; --",
]


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("sql") / "a.db"
    crawl(db)
    return db


def snapshot(db: Path) -> dict[str, Any]:
    with sqlite3.connect(db) as conn:
        tables = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        counts = {
            name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for (kind, name, _sql) in tables
            if kind == "table"
        }
        digest = hashlib.sha256(
            repr(
                conn.execute(
                    "SELECT id, url, title, content_hash FROM article ORDER BY id"
                ).fetchall()
            ).encode()
        ).hexdigest()
    return {"schema": tables, "counts": counts, "articles": digest}


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every SQL statement sent to any database in this process while the test runs."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", record)


@pytest.mark.parametrize("text", INJECTIONS)
def test_search_show_and_export_take_sql_as_plain_text(
    text: str, archive_db: Path, statements: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{archive_db}"
    before = snapshot(archive_db)
    codes = {
        "search": cli(["search", text, "--db", db]),
        "search --category": cli(["search", "Hà Nội", "--category", text, "--db", db]),
        "show": cli(["show", text, "--db", db]),
        "show --history": cli(["show", text, "--history", "--db", db]),
        "export --category": cli(["export", "--format", "jsonl", "--category", text, "--db", db]),
    }
    err = capsys.readouterr().err

    assert snapshot(archive_db) == before
    # The text travelled as a bound parameter: never inside a statement.
    assert [s for s in statements if text in s or "DROP" in s.upper()] == []
    # Each command answered in its own terms: nothing found (0), no such article (1), or a
    # query it cannot read / a category no article has (2); one line each, no traceback.
    assert set(codes.values()) <= {0, 1, 2}, codes
    assert codes["show"] == 1 and codes["export --category"] == 2
    assert "Traceback" not in err and "unexpected error" not in err
    assert all(line.startswith("newsarchive: ") for line in err.splitlines())
    figures.count("injection attempts", len(codes))


def test_sql_in_a_query_finds_articles_by_its_words_only(
    archive_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{archive_db}"
    assert cli(["search", '"OR 1=1" OR "Hà Nội"', "--db", db, "--limit", "3", "--json"]) == 0
    hits = capsys.readouterr().out.splitlines()
    assert len(hits) == 3  # "Hà Nội" matched; the SQL-looking phrase is just words
    assert snapshot(archive_db)["counts"]["article"] == len(expected_records())
    figures.scenario(
        "boundary",
        f"{len(INJECTIONS)} SQL injections through search, search/export --category, show",
        "bound parameters: text, never SQL; archive unchanged",
        "no statement held the text; schema, rows and articles unchanged",
    )
