"""`newsarchive parse`: a record as JSON, or one line and the exit status of CLI.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsarchive.cli import run

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<link rel="canonical" href="https://kinhtedothi.vn/mot-bai-viet.712345.html"></head><body>
<h1 class="article-title">Một bài viết</h1><div id="article-brief">KTĐT - Lời dẫn.</div>
<div class="article-published-on">Thứ Sáu, 09:20 17/01/2025</div>
<div id="article-detail"><p>Đoạn văn thứ nhất của bài viết, đủ dài để là thân bài.</p></div>
</body></html>"""


def test_parse_prints_the_record_as_one_json_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    assert run(["parse", str(page)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["url"] == "https://kinhtedothi.vn/mot-bai-viet.712345.html"
    assert record["site_id"] == "712345"
    assert record["layout"] == "C"
    assert record["sapo"] == "Lời dẫn."
    assert record["published_at"] == "2025-01-17T09:20:00+07:00"


def test_parse_reads_standard_input() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "newsarchive", "parse", "-"],
        input=PAGE.encode(),
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0
    assert json.loads(done.stdout)["title"] == "Một bài viết"


def test_a_page_that_is_not_an_article_exits_3_saying_what_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "404.html"
    page.write_text(
        "<html><head><title>Không tìm thấy trang</title></head><body><h1>404</h1></body></html>"
    )
    assert run(["parse", str(page)]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "not an article: not_found\n"


def test_a_missing_file_is_bad_usage_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["parse", str(tmp_path / "nope.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope.html" in err and "Traceback" not in err


def test_the_console_script_is_installed() -> None:
    done = subprocess.run(
        [Path(sys.executable).with_name("newsarchive"), "--version"],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.startswith(b"newsarchive ")


def test_a_saved_page_of_another_site_keeps_its_own_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "saved.html"
    page.write_text(
        '<html><head><link rel="canonical" href="https://baokhac.vn/tin-a-b-c-4812345.html">'
        "</head><body><article><h1>Tin khác</h1><p>"
        + "Một đoạn văn đủ dài của bài báo trên một trang báo khác, có dấu phẩy, có số liệu. " * 4
        + "</p></article></body></html>",
        encoding="utf-8",
    )
    assert run(["parse", str(page)]) == 0
    assert json.loads(capsys.readouterr().out)["url"] == "https://baokhac.vn/tin-a-b-c-4812345.html"
