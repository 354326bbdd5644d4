"""The first day of a new user (issue 19), driven as a user drives it: the demo and the commands
it prints, the placeholder contact, pipes, times, inputs that mean nothing, small crawls, raw
pages, audits for scripts, and the Python API with pandas and DuckDB."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from crawled import (
    SEED,
    SITE_ROOT,
    copy_of_site,
    crawl,
    edit_page,
    expected_records,
    holds,
    without_version,
)
from netwatch import watching
from replica import DEFAULT_ROOT, Replica

from newsarchive import Article, open_archive
from newsarchive.cli import run as cli
from newsarchive.site import HANOI

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = expected_records()
IN_ORDER = sorted(EXPECTED, key=lambda url: EXPECTED[url]["published_at"])
# The layout-C article whose own URL carries the site's id 779416.
BY_SITE_ID = (
    f"{SITE_ROOT}/ha-noi-day-manh-thanh-toan-khong-dung-tien-mat-tai-cho-dan-sinh.779416.html"
)
PAGE = DEFAULT_ROOT / BY_SITE_ID.removeprefix(f"{SITE_ROOT}/")
FAST = "[fetch]\ndelay = 0.0\nretries = 0\n"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("first-day") / "archive.db"
    crawl(path)
    return f"sqlite:///{path}"


@pytest.fixture
def fast(tmp_path: Path) -> str:
    """A config with no delay between requests (the replica is on this machine)."""
    path = tmp_path / "fast.toml"
    path.write_text(FAST, encoding="utf-8")
    return str(path)


def newsarchive(*args: str, cwd: Path = ROOT, **options: Any) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: its own process."""
    return subprocess.run(
        [sys.executable, "-m", "newsarchive", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **options,
    )


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


# -- 1. from the demo to a real archive -----------------------------------------------------


def test_the_demo_prints_commands_that_work_as_printed(tmp_path: Path, fast: str) -> None:
    script = [sys.executable, "scripts/demo.py", "--db", str(tmp_path / "demo.db")]
    demo = subprocess.run(
        [*script, "--port", "0", "--config", fast],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr
    out = demo.stdout
    # The replica's 404s are explained where they are counted.
    assert "gone: HTTP 404" in out
    assert re.search(r"The \d+ 'gone: HTTP 404' are on purpose: .* the replica leaves out", out)
    tried = out.split("Try next", 1)[1]
    assert ". .venv/bin/activate" in tried
    commands = [line.strip() for line in tried.splitlines() if line.startswith("  newsarchive ")]
    assert len(commands) >= 4, f"fewer than four commands to try:\n{tried}"
    # As printed, in the project's folder, with newsarchive on PATH as the README sets it up.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    for command in commands:
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command],
            cwd=ROOT,
            env={**os.environ, "PATH": path},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert (done.returncode, done.stderr) == (0, ""), command
        assert done.stdout.strip(), command


def test_the_demo_on_a_busy_port_names_demo_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        script = [sys.executable, "scripts/demo.py", "--db", str(tmp_path / "demo.db")]
        demo = subprocess.run(
            [*script, "--port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert demo.returncode == 2
    line = one_line(demo.stderr)
    assert "DEMO_PORT" in line and str(port) in line


@pytest.mark.parametrize(
    "command",
    [
        ["crawl", "--max-pages", "5"],
        ["audit"],
        ["check", "--live"],
        ["capture", "https://kinhtedothi.vn/a-1234567.html", "--out", "unused"],
    ],
)
def test_fetching_the_live_site_with_the_placeholder_contact_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    # config.toml as it ships: only the archive is the test's own.
    args = [*command, "--config", str(ROOT / "config.toml")]
    if command[0] in ("crawl", "audit"):
        args += ["--db", f"sqlite:///{tmp_path / 'a.db'}"]
    with watching() as seen:
        code = cli(args)
    err = capsys.readouterr().err
    assert code == 2
    assert "contact_url" in one_line(err) and "placeholder" in err
    assert seen.connects == [] and seen.lookups == []
    assert not (tmp_path / "a.db").exists()


def test_a_crawl_with_the_placeholder_contact_still_crawls_a_mirror(
    replica: Replica, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    args = ["crawl", "--config", str(ROOT / "config.toml"), "--db", db]
    code = cli([*args, "--base-url", replica.base_url, "--max-pages", "3"])
    assert code == 0, capsys.readouterr().err
    assert replica.requests, "the mirror was asked nothing"


def test_first_crawl_guide_is_linked_and_its_commands_exist() -> None:
    guide = (ROOT / "docs" / "first-crawl.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/first-crawl.md)" in readme
    for needed in ("contact_url", "--max-pages", "--backfill --since", "scheduling.md"):
        assert needed in guide
    # Every command the guide shows is one the CLI knows, with options it takes.
    for line in re.findall(r"^\s*(?:\$ )?newsarchive (.+)$", guide, re.MULTILINE):
        words = line.split("#")[0].split()
        help_ = newsarchive(words[0], "--help")
        assert help_.returncode == 0, line
        for option in (w for w in words if w.startswith("--")):
            assert option in help_.stdout, (line, option)


# -- 2. the record's contract lives in the repository ----------------------------------------


def test_no_document_points_outside_the_repository_for_the_record() -> None:
    documents = [ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("fixtures/**/README.md")]
    for document in documents:
        text = document.read_text(encoding="utf-8")
        assert "shared/site/ARTICLE.md" not in text, document
        for target in re.findall(r"\]\(([^)#]+\.md)\)", text):
            assert (document.parent / target).resolve().is_file(), (document, target)
    record = (ROOT / "docs" / "record.md").read_text(encoding="utf-8")
    for field in next(iter(EXPECTED.values())):
        assert f"| `{field}` |" in record  # every field with its type and rule
    assert "May be null" in record and "Never null" in record


# -- 4. pipes and zones ------------------------------------------------------------------------


def closed_reader(*args: str) -> subprocess.CompletedProcess[str]:
    """The command with its standard output a pipe whose reader has gone already."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [sys.executable, "-m", "newsarchive", *args],
            cwd=ROOT,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write)


def test_every_printing_command_ends_quietly_with_0_when_its_reader_is_gone(
    db: str, replica: Replica, fast: str, tmp_path: Path
) -> None:
    mirror = ["--config", fast, "--base-url", replica.base_url]
    scratch = f"sqlite:///{tmp_path / 'scratch.db'}"
    commands = [
        ["show", "--db", db, "779416"],
        ["show", "--db", db, "779416", "--history"],
        ["show", "--db", db, "779416", "--json", "--explain"],
        ["show", "--db", db, "779416", "--raw"],
        ["search", "--db", db, "ha noi"],
        ["search", "--db", db, "ha noi", "--json"],
        ["export", "--db", db, "--format", "jsonl"],
        ["export", "--db", db, "--format", "csv"],
        ["stats", "--db", db],
        ["stats", "--db", db, "--json"],
        ["audit", "--db", db, *mirror, "--since", "2025-01-01", "--until", "2025-12-31"],
        ["audit", "--db", db, *mirror, "--json"],
        ["parse", str(PAGE)],
        ["reparse", "--db", scratch],
        ["crawl", "--db", scratch, *mirror, "--max-pages", "5"],
    ]
    for command in commands:
        done = closed_reader(*command)
        assert (done.returncode, done.stderr) == (0, ""), command


def test_times_shown_are_hanoi_time_with_their_offset(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?([+-]\d\d:\d\d|Z)?")
    outputs = []
    for command in (
        ["show", "--db", db, "779416", "--history"],
        ["show", "--db", db, "779416", "--history", "--json"],
        ["stats", "--db", db],
        ["stats", "--db", db, "--json"],
    ):
        assert cli(command) == 0
        outputs.append(capsys.readouterr().out)
    zones = {match.group(1) for out in outputs for match in stamp.finditer(out)}
    assert zones == {"+07:00"}
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        [(stored,)] = conn.execute("SELECT first_seen_at FROM article WHERE url = ?", (BY_SITE_ID,))
    seen = datetime.fromisoformat(stored).astimezone(HANOI).isoformat(timespec="seconds")
    assert stored.endswith("+00:00") and f"seen {seen}" in outputs[0]


# -- 5. inputs mean something or are refused --------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [
        ("--layout", "Z", "A, B, C, generic"),
        ("--layout", "a", "A, B, C, generic"),
        ("--parser-version-below", "abc", "'abc'"),
        ("--parser-version-below", "", "''"),
    ],
)
def test_reparse_refuses_what_means_nothing(
    db: str, capsys: pytest.CaptureFixture[str], option: str, value: str, named: str
) -> None:
    assert cli(["reparse", "--db", db, option, value]) == 2
    line = one_line(capsys.readouterr().err)
    assert option in line and named in line


@pytest.mark.parametrize("layout", ["A", "B", "C", "generic"])
def test_reparse_takes_each_known_layout(
    db: str, capsys: pytest.CaptureFixture[str], layout: str
) -> None:
    assert cli(["reparse", "--db", db, "--layout", layout, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["of"] == [r["layout"] for r in EXPECTED.values()].count(layout)


@pytest.mark.parametrize(
    "typed",
    [
        "779416",  # the site's id, from the URL
        BY_SITE_ID,
        BY_SITE_ID.replace("https://", "http://www."),
        BY_SITE_ID + "?utm_source=facebook&fbclid=x",
        BY_SITE_ID.removeprefix("https://"),
        BY_SITE_ID.removeprefix(SITE_ROOT),
    ],
)
def test_show_finds_an_article_by_the_site_id_and_any_url_form(
    db: str, capsys: pytest.CaptureFixture[str], typed: str
) -> None:
    assert cli(["show", "--db", db, typed, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["url"] == BY_SITE_ID and record["site_id"] == "779416"


def test_show_takes_the_archive_id_when_no_article_has_that_site_id(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(["show", "--db", db, "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["url"] in EXPECTED
    assert cli(["show", "--db", db, "123456789"]) == 1
    assert "123456789" in one_line(capsys.readouterr().err)


def test_parse_of_a_file_that_is_no_html_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "photo.html"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
    assert cli(["parse", str(image)]) == 3
    assert one_line(capsys.readouterr().err) == (
        "not an article: empty (binary, not HTML: a PNG image)"
    )
    blank = tmp_path / "blank.html"
    blank.write_text("<html><body></body></html>", encoding="utf-8")
    assert cli(["parse", str(blank)]) == 3
    assert one_line(capsys.readouterr().err) == "not an article: empty"


# -- 6. small crawls reach articles ---------------------------------------------------------


@pytest.mark.parametrize("budget", [10, 4])
def test_a_small_crawl_archives_articles_and_says_what_its_budget_went_to(
    replica: Replica, tmp_path: Path, fast: str, budget: int
) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    done = newsarchive(
        "crawl", "--config", fast, "--db", db, "--base-url", replica.base_url,
        "--max-pages", str(budget),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    counts = done.stdout.strip().splitlines()[-1]
    assert counts.startswith(f"fetched {budget}, new ")
    line = next(x for x in done.stdout.splitlines() if x.startswith(f"--max-pages {budget} "))
    spent = re.search(r"went to (\d+) pages that list articles .* and (\d+) to articles", line)
    assert spent is not None, line
    finding, articles = int(spent[1]), int(spent[2])
    assert finding <= budget - budget // 2 and finding + articles == budget
    with open_archive(db) as archive:
        stored = list(archive.articles())
    assert len(stored) == articles > 0
    assert all(article.url in EXPECTED for article in stored)


# -- 7. reading the archive from Python ---------------------------------------------------


def check_reading(url: str) -> None:
    """What the API gives on the replica's archive at `url`, against the hand-written records."""
    with open_archive(url) as archive:
        every = list(archive.articles())
        assert all(isinstance(article, Article) for article in every)
        assert [a.url for a in every] == IN_ORDER  # oldest first
        for article in every:
            assert without_version(article.to_dict()) == without_version(EXPECTED[article.url])

        chosen = list(archive.articles(since="2025-01-01", until="2025-06-30", category="do thi"))
        wanted = [
            u
            for u in IN_ORDER
            if "2025-01-01" <= EXPECTED[u]["published_at"][:10] <= "2025-06-30"
            and EXPECTED[u]["category"] == "Đô thị"
        ]
        assert wanted, "no article of Đô thị in the first half of 2025 in the replica"
        assert [a.url for a in chosen] == wanted
        assert list(archive.articles(category="no such section")) == []

        article = archive.get("779416")
        assert article is not None and article.url == BY_SITE_ID
        assert archive.get(BY_SITE_ID.replace("https://", "http://www.")) == article
        assert archive.get(999_999_999) is None

        results = archive.search("hoai duc", limit=5)
        on_hoai_duc = {url for url, record in EXPECTED.items() if holds(record, "hoai", "duc")}
        assert {result.article.url for result in results} == on_hoai_duc
        for result in results:
            assert result.article == archive.get(result.article.url)
            assert "[Hoài Đức]" in result.snippet
        assert len(archive.search("hoai duc", limit=1)) == 1

        table = archive.to_arrow(category="Kinh tế")
        assert table.column_names == list(EXPECTED[SEED])
        economy = [u for u in IN_ORDER if EXPECTED[u]["category"] == "Kinh tế"]
        assert table.column("url").to_pylist() == economy
        assert str(table.schema.field("published_at").type) == "timestamp[us, tz=Asia/Ho_Chi_Minh]"


def test_open_archive_reads_a_sqlite_archive(db: str) -> None:
    check_reading(db)


@pytest.mark.postgresql
def test_open_archive_reads_a_postgresql_archive(
    pg_url: str, replica: Replica, fast: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(["crawl", "--config", fast, "--db", pg_url, "--base-url", replica.base_url]) == 0
    check_reading(pg_url)


def test_to_arrow_has_the_columns_and_types_of_the_parquet_export(db: str, tmp_path: Path) -> None:
    out = tmp_path / "all.parquet"
    assert cli(["export", "--db", db, "--format", "parquet", "--out", str(out)]) == 0
    with open_archive(db) as archive:
        table = archive.to_arrow()
    assert table.equals(pq.read_table(out))


def python_examples() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    return [block for block in blocks if "open_archive" in block]


def test_the_readme_examples_of_reading_an_archive_run(db: str, tmp_path: Path) -> None:
    examples = python_examples()
    assert len(examples) >= 3, "the README's three examples of reading an archive not found"
    assert any("to_pandas()" in e for e in examples) and any("duckdb.sql" in e for e in examples)
    # In a folder holding the demo's archive, as after `make demo`.
    (tmp_path / "demo.db").write_bytes(Path(db.removeprefix("sqlite:///")).read_bytes())
    for example in examples:
        done = subprocess.run(
            [sys.executable, "-c", example],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert (done.returncode, done.stderr) == (0, ""), example
        assert done.stdout.strip(), f"the example printed nothing:\n{example}"
    duck = next(e for e in examples if "duckdb.sql" in e)
    out = subprocess.run(
        [sys.executable, "-c", duck], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    categories = {r["category"] for r in EXPECTED.values()}
    biggest = max(categories, key=[r["category"] for r in EXPECTED.values()].count)
    assert out.startswith(f"[('{biggest}', ")


# -- 8. raw pages and audits for scripts ----------------------------------------------------


def test_show_raw_writes_the_page_as_fetched(
    db: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert cli(["show", "--db", db, "779416", "--raw"]) == 0
    assert capsysbinary.readouterr().out == PAGE.read_bytes()
    out = tmp_path / "page.html"
    assert cli(["show", "--db", db, BY_SITE_ID, "--raw", "--out", str(out)]) == 0
    assert out.read_bytes() == PAGE.read_bytes()
    assert cli(["show", "--db", db, BY_SITE_ID, "--raw", "--out", str(out)]) == 2  # exists
    capsysbinary.readouterr()
    assert cli(["show", "--db", db, "/", "--raw"]) == 0  # any archived page, not only articles
    assert capsysbinary.readouterr().out.startswith(b"<!DOCTYPE html>")
    assert cli(["show", "--db", db, "779416", "--raw", "--at", "2001-01-01"]) == 1
    assert cli(["show", "--db", db, "779416", "--raw", "--at", "yesterday"]) == 2
    assert cli(["show", "--db", db, "779416", "--at", "2001-01-01"]) == 2  # --at needs --raw


def test_show_raw_at_a_moment_gives_the_page_as_it_was_then(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    site = copy_of_site(tmp_path)
    path = tmp_path / "a.db"
    crawl(path, site)
    before = (site / SEED.removeprefix(f"{SITE_ROOT}/")).read_bytes()
    between = datetime.now(HANOI).replace(tzinfo=None).isoformat()  # Hanoi time, as typed
    edit_page(site, SEED, ("tăng sự hài lòng</h1>", "nâng sự hài lòng của người dân</h1>"))
    crawl(path, site, again=[SEED])
    after = (site / SEED.removeprefix(f"{SITE_ROOT}/")).read_bytes()
    capsysbinary.readouterr()
    db = f"sqlite:///{path}"

    assert cli(["show", "--db", db, SEED, "--raw", "--at", between]) == 0
    assert capsysbinary.readouterr().out == before
    assert cli(["show", "--db", db, SEED, "--raw"]) == 0
    assert capsysbinary.readouterr().out == after


def test_audit_json_and_summary(
    db: str, replica: Replica, fast: str, capsys: pytest.CaptureFixture[str]
) -> None:
    window = ["--since", "2025-01-01", "--until", "2025-01-31"]
    args = ["audit", "--config", fast, "--db", db, "--base-url", replica.base_url, *window]
    assert cli([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    january = [u for u in EXPECTED if EXPECTED[u]["published_at"].startswith("2025-01")]
    assert (report["since"], report["until"]) == ("2025-01-01", "2025-01-31")
    assert report["listed"] == report["archived"] == len(january)
    assert report["missing"] == report["failed"] == report["unreadable"] == []
    assert len(report["days"]) == 31
    assert sum(day["articles"] for day in report["days"]) == len(january)
    tuesday = report["days"][27]
    assert (tuesday["day"], tuesday["articles"], tuesday["gap"]) == ("2025-01-28", 2, None)

    assert cli([*args, "--summary"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        f"audit 2025-01-01 to 2025-01-31: {len(january)} articles listed in the sitemaps, "
        f"{len(january)} archived, 0 missing, 0 failed"
    )
    days = [line for line in lines if re.match(r"  2025-01-\d\d ", line)]
    assert len(days) == 10 and all(line.endswith("<- none") for line in days)
    with pytest.raises(SystemExit) as refused:  # argparse's own refusal
        cli([*args, "--summary", "--json"])
    assert refused.value.code == 2
