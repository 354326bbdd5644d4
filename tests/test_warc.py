"""WARC out (crawls write WARC/1.1 with a CDXJ index) and WARC in (import-warc), on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
from collections import Counter
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from crawled import FAST_CONFIG, SITE_ROOT, expected_records, without_version
from faultserver import FaultServer, Reply
from replica import Replica
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsarchive.cli import run as cli
from newsarchive.config import FetchSettings
from newsarchive.fetch import Fetcher
from newsarchive.store import Archive
from newsarchive.warc import WarcWriter

SITE = Path(__file__).resolve().parent.parent / "fixtures" / "site"
EXPECTED = expected_records()
WARCIO = Path(sys.executable).with_name("warcio")


def write_config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(FAST_CONFIG + extra, encoding="utf-8")
    return path


def crawl(replica: Replica, tmp_path: Path, warc: Path, db: str = "a.db", extra: str = "") -> None:
    config = write_config(tmp_path, extra)
    args = ["--config", str(config), "--db", f"sqlite:///{tmp_path / db}"]
    status = cli(["crawl", *args, "--base-url", replica.base_url, "--warc", str(warc)])
    assert status == 0


def records(path: Path) -> list[dict[str, Any]]:
    """Every record of a WARC file: type, WARC headers, HTTP headers and payload."""
    found = []
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            found.append(
                {
                    "type": record.rec_type,
                    "warc": dict(record.rec_headers.headers),
                    "http": record.http_headers,
                    "payload": record.content_stream().read(),
                }
            )
    return found


def warcio_check(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WARCIO), "check", *map(str, paths)], capture_output=True, text=True, check=False
    )


def cdxj_lines(directory: Path) -> list[tuple[str, str, dict[str, str]]]:
    lines = []
    for index in sorted(directory.glob("*.cdxj")):
        for line in index.read_text(encoding="utf-8").splitlines():
            key, timestamp, fields = line.split(" ", 2)
            lines.append((key, timestamp, json.loads(fields)))
    return lines


def record_at(path: Path, offset: int, length: int) -> Any:
    """The one record stored at `offset` (a whole gzip member of `length` bytes)."""
    with path.open("rb") as handle:
        handle.seek(offset)
        member = handle.read(length)
    [record] = [
        (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
        for r in ArchiveIterator(BytesIO(member))
    ]
    return record


# -- WARC out --------------------------------------------------------------------------------


def test_a_crawl_writes_each_response_with_its_request_under_the_sites_url(
    replica: Replica, tmp_path: Path
) -> None:
    warc = tmp_path / "warc"
    crawl(replica, tmp_path, warc)
    files = sorted(warc.glob("*.warc.gz"))
    assert len(files) == 1, "a crawl of the replica is under one file's size: one file"
    check = warcio_check(files)
    assert check.returncode == 0, check.stdout + check.stderr
    found = records(files[0])
    info = found[0]
    assert info["type"] == "warcinfo"
    assert f"mirror: {replica.base_url}" in info["payload"].decode()
    responses = {r["warc"]["WARC-Target-URI"]: r for r in found if r["type"] == "response"}
    requests = [r for r in found if r["type"] == "request"]
    # One request per response, tied to it, for the same site URL and moment.
    assert len(requests) == len(responses)
    ids = {r["warc"]["WARC-Record-ID"]: r for r in responses.values()}
    for request in requests:
        response = ids[request["warc"]["WARC-Concurrent-To"]]
        assert request["warc"]["WARC-Target-URI"] == response["warc"]["WARC-Target-URI"]
        assert request["warc"]["WARC-Date"] == response["warc"]["WARC-Date"]
        assert request["http"].protocol == "GET"
        assert request["http"].get_header("Host") == replica.host + ":" + str(replica.port)
    for record in found[1:]:
        assert record["warc"]["WARC-Target-URI"].startswith(SITE_ROOT + "/")
        assert record["warc"]["WARC-Block-Digest"].startswith("sha1:")
        assert record["warc"]["WARC-Payload-Digest"].startswith("sha1:")
    # Every article is there byte for byte as the replica serves it, and the 404s as 404s.
    for url in EXPECTED:
        page = responses[url]
        assert page["http"].get_statuscode() == "200"
        assert page["payload"] == (SITE / url.removeprefix(SITE_ROOT + "/")).read_bytes()
    missing = SITE_ROOT + "/trien-lam-anh-tu-lieu-ve-cuoc-tong-tien-cong-xuan-mau-than-306455.html"
    assert responses[missing]["http"].get_statuscode() == "404"


def test_every_cdxj_line_points_at_its_record(replica: Replica, tmp_path: Path) -> None:
    warc = tmp_path / "warc"
    crawl(replica, tmp_path, warc)
    lines = cdxj_lines(warc)
    [warc_file] = warc.glob("*.warc.gz")
    responses = [r for r in records(warc_file) if r["type"] == "response"]
    assert len(lines) == len(responses)
    assert [line[:2] for line in lines] == sorted(line[:2] for line in lines)
    for key, timestamp, fields in lines:
        rec_type, uri, _payload = record_at(
            warc / fields["filename"], int(fields["offset"]), int(fields["length"])
        )
        assert (rec_type, uri) == ("response", fields["url"])
        assert key == "vn,kinhtedothi)" + fields["url"].removeprefix(SITE_ROOT).lower()
        assert len(timestamp) == 14 and timestamp.isdigit()
    article = next(f for _, _, f in lines if f["url"] in EXPECTED)
    assert article["mime"] == "text/html" and article["status"] == "200"


def test_every_raw_page_written_names_its_record_and_show_prints_it(
    replica: Replica, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warc = tmp_path / "warc"
    crawl(replica, tmp_path, warc)
    crawl(replica, tmp_path, warc)  # the second run writes revisits: linked as well
    with sqlite3.connect(tmp_path / "a.db") as conn:
        pages = conn.execute(
            "SELECT id, url, status, warc_file, warc_offset, warc_length, warc_record_id "
            "FROM raw_page ORDER BY id"
        ).fetchall()
    answered = [page for page in pages if page[2] is not None]
    assert len(answered) > 40, "fewer answered pages than the replica's articles and listings"
    kinds = Counter()
    with Archive.open(f"sqlite:///{tmp_path / 'a.db'}") as archive:
        for page_id, url, _status, file, offset, length, record_id in answered:
            assert file is not None and Path(file).is_absolute() and Path(file).parent == warc
            with Path(file).open("rb") as handle:
                handle.seek(offset)
                member = handle.read(length)
            [(rec_type, target, payload, found_id)] = [
                (
                    r.rec_type,
                    r.rec_headers.get_header("WARC-Target-URI"),
                    r.content_stream().read(),
                    r.rec_headers.get_header("WARC-Record-ID"),
                )
                for r in ArchiveIterator(BytesIO(member))
            ]
            assert (found_id, target) == (record_id, url)
            kinds[rec_type] += 1
            if rec_type == "response":
                assert payload == archive.raw_body(page_id)
    assert kinds["response"] > 20 and kinds["revisit"] >= 10

    article = next(iter(EXPECTED))
    assert cli(["show", "--db", f"sqlite:///{tmp_path / 'a.db'}", article]) == 0
    shown = capsys.readouterr().out
    with sqlite3.connect(tmp_path / "a.db") as conn:
        [(file, offset, length, record_id)] = conn.execute(
            "SELECT warc_file, warc_offset, warc_length, warc_record_id FROM article "
            "JOIN raw_page ON raw_page.id = article.raw_page_id WHERE article.url = ?",
            (article,),
        )
    assert (
        f"WARC:      {record_id} in {file}\n           at offset {offset}, {length} bytes" in shown
    )


def test_a_second_crawl_writes_unchanged_pages_as_revisits_of_the_first_capture(
    replica: Replica, tmp_path: Path
) -> None:
    warc = tmp_path / "warc"
    crawl(replica, tmp_path, warc)
    [first] = warc.glob("*.warc.gz")
    crawl(replica, tmp_path, warc)
    [second] = set(warc.glob("*.warc.gz")) - {first}
    assert warcio_check([first, second]).returncode == 0
    captured = {r["warc"]["WARC-Target-URI"]: r for r in records(first) if r["type"] == "response"}
    again = [r for r in records(second) if r["type"] in ("response", "revisit")]
    revisits = [r for r in again if r["type"] == "revisit"]
    # The second run asks for the entry points again (home, sections, feed, sitemaps); the
    # replica answers 304 or the same bytes. Only the 404s are new responses.
    assert revisits, "the pages the replica answered unchanged are no revisit records"
    assert {r["http"].get_statuscode() for r in again if r["type"] == "response"} == {"404"}
    for revisit in revisits:
        headers = revisit["warc"]
        earlier = captured[headers["WARC-Refers-To-Target-URI"]]
        assert headers["WARC-Refers-To-Target-URI"] == headers["WARC-Target-URI"]
        assert headers["WARC-Refers-To-Date"] == earlier["warc"]["WARC-Date"]
        assert headers["WARC-Payload-Digest"] == earlier["warc"]["WARC-Payload-Digest"]
        profile = (
            "server-not-modified"
            if revisit["http"].get_statuscode() == "304"
            else "identical-payload-digest"
        )
        assert headers["WARC-Profile"].endswith("/revisit/" + profile)
        assert revisit["payload"] == b""
    second_lines = [f for _, _, f in cdxj_lines(warc) if f["filename"] == second.name]
    assert sum(f["mime"] == "warc/revisit" for f in second_lines) == len(revisits)


def test_warc_files_rotate_by_size_keeping_each_request_with_its_response(
    replica: Replica, tmp_path: Path
) -> None:
    warc = tmp_path / "warc"
    limit = 40_000
    crawl(replica, tmp_path, warc, extra=f"[archive]\nwarc_max_bytes = {limit}\n")
    files = sorted(warc.glob("*.warc.gz"), key=lambda p: p.name)
    assert len(files) >= 3, f"files not rotated at warc_max_bytes {limit}"
    assert warcio_check(files).returncode == 0
    for path in files[:-1]:
        assert path.stat().st_size >= limit
    for path in files:
        kinds = Counter(r["type"] for r in records(path))
        assert kinds["warcinfo"] == 1
        assert kinds["request"] == kinds["response"] + kinds["revisit"] > 0
        # A file is closed as soon as it passes the limit: by less than one page and request.
        assert path.stat().st_size < limit + 20_000


async def test_a_304_is_a_server_not_modified_revisit_and_decoded_gzip_is_declared(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    page = "<html><body><p>Trang báo</p></body></html>".encode()
    packed = gzip.compress(page)
    first = Reply(
        headers=(
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Encoding", "gzip"),
            ("ETag", '"v1"'),
        ),
        body=packed,
    )
    fault_server.route("/a.html", first, Reply(status=304, headers=(("ETag", '"v1"'),)))
    warc = tmp_path / "warc"
    settings = FetchSettings(delay=0.0, retries=0)
    base = f"http://{fault_server.netloc}"
    with WarcWriter(warc, max_bytes=10**9, mirror=base) as writer:
        async with Fetcher(settings, {fault_server.netloc}) as fetcher:
            writer.record(await fetcher.fetch(fault_server.url("/a.html")))
            writer.record(await fetcher.fetch(fault_server.url("/a.html"), etag='"v1"'))
    [path] = warc.glob("*.warc.gz")
    assert warcio_check([path]).returncode == 0
    found = [r for r in records(path) if r["type"] != "warcinfo"]
    assert [r["type"] for r in found] == ["response", "request", "revisit", "request"]
    response, _, revisit, conditional = found
    http = response["http"]
    assert response["payload"] == page
    assert http.get_header("Content-Encoding") is None
    assert http.get_header("X-Archive-Orig-Content-Encoding") == "gzip"
    assert http.get_header("X-Archive-Orig-Content-Length") == str(len(packed))
    assert http.get_header("Content-Length") == str(len(page))
    assert response["warc"]["WARC-Target-URI"] == SITE_ROOT + "/a.html"
    assert revisit["http"].get_statuscode() == "304"
    assert revisit["warc"]["WARC-Profile"].endswith("/revisit/server-not-modified")
    assert revisit["warc"]["WARC-Refers-To-Date"] == response["warc"]["WARC-Date"]
    assert conditional["http"].get_header("If-None-Match") == '"v1"'


async def test_a_new_writer_remembers_captures_of_earlier_runs_from_the_index(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    body = b"<html><body>same</body></html>"
    fault_server.route("/b.html", Reply(headers=(("Content-Type", "text/html"),), body=body))
    warc = tmp_path / "warc"
    for _run in range(2):
        with WarcWriter(warc, max_bytes=10**9) as writer:
            async with Fetcher(FetchSettings(delay=0.0), {fault_server.netloc}) as fetcher:
                writer.record(await fetcher.fetch(fault_server.url("/b.html")))
    files = sorted(warc.glob("*.warc.gz"), key=lambda p: p.stat().st_mtime)
    assert len(files) == 2, "not one file per writer"
    kinds = [[r["type"] for r in records(path) if r["type"] != "warcinfo"] for path in files]
    assert kinds == [["response", "request"], ["revisit", "request"]]
    [revisit] = [r for r in records(files[1]) if r["type"] == "revisit"]
    assert revisit["warc"]["WARC-Profile"].endswith("/revisit/identical-payload-digest")


def test_a_bad_warc_setting_is_refused_naming_its_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, "[archive]\nwarc_max_bytes = 0\n")
    db = tmp_path / "a.db"
    assert cli(["crawl", "--config", str(config), "--db", f"sqlite:///{db}"]) == 2
    assert "archive.warc_max_bytes" in capsys.readouterr().err
    assert not db.exists()


# -- WARC in ---------------------------------------------------------------------------------


def _response(
    writer: WARCWriter,
    uri: str,
    body: bytes,
    *,
    content_type: str = "text/html; charset=utf-8",
    date: str = "2025-12-20T03:00:00Z",
    status: str = "200 OK",
    extra: tuple[tuple[str, str], ...] = (),
) -> Any:
    headers = StatusAndHeaders(
        status, [("Content-Type", content_type), *extra], protocol="HTTP/1.1"
    )
    return writer.create_warc_record(
        uri,
        "response",
        payload=BytesIO(body),
        length=len(body),
        http_headers=headers,
        warc_headers_dict={"WARC-Date": date},
    )


def _request(writer: WARCWriter, uri: str) -> Any:
    headers = StatusAndHeaders("GET / HTTP/1.1", [("Host", "kinhtedothi.vn")], is_http_request=True)
    return writer.create_warc_record(uri, "request", http_headers=headers)


def fixture(name: str) -> bytes:
    return (SITE / name).read_bytes()


A = "khai-mac-le-hoi-van-hoa-am-thuc-ha-noi-2025.790377.html"
B = "ha-noi-day-manh-thanh-toan-khong-dung-tien-mat-tai-cho-dan-sinh.779416.html"
C = "pho-hang-ma-ruc-ro-sac-mau-truoc-tet-trung-thu.768220.html"


def build_warc(path: Path, *, compress: bool) -> int:
    """A crawl's file as others write them: the site among other hosts, images, a revisit,
    and a last record cut short. Returns how many records it holds."""
    out = BytesIO()
    writer = WARCWriter(out, gzip=compress, warc_version="1.0")
    chunked = gzip.compress(fixture(B))
    body = f"{len(chunked):x}\r\n".encode() + chunked + b"\r\n0\r\n\r\n"
    written = [
        writer.create_warcinfo_record(path.name, {"software": "some crawler"}),
        _response(writer, f"{SITE_ROOT}/{A}", fixture(A)),
        _request(writer, f"{SITE_ROOT}/{A}"),
        _response(writer, "https://example.com/news.html", b"<html><body>other</body></html>"),
        _response(
            writer,
            f"http://www.kinhtedothi.vn/{B}",
            body,
            extra=(("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")),
        ),
        _response(writer, f"{SITE_ROOT}/logo.png", b"\x89PNG...", content_type="image/png"),
        writer.create_revisit_record(
            f"{SITE_ROOT}/{A}",
            digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            refers_to_uri=f"{SITE_ROOT}/{A}",
            refers_to_date="2025-12-20T03:00:00Z",
        ),
    ]
    for record in written:
        writer.write_record(record)
    tail = BytesIO()
    WARCWriter(tail, gzip=compress, warc_version="1.0").write_record(
        _response(WARCWriter(BytesIO()), f"{SITE_ROOT}/{C}", fixture(C))
    )
    cut = tail.getvalue()
    path.write_bytes(out.getvalue() + cut[: len(cut) * 2 // 3])
    return len(written) + 1


@pytest.mark.parametrize("compress", [True, False], ids=["warc.gz", "warc"])
def test_import_archives_only_the_sites_html_responses_and_counts_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], compress: bool
) -> None:
    path = tmp_path / ("crawl.warc.gz" if compress else "crawl.warc")
    total = build_warc(path, compress=compress)
    config = write_config(tmp_path)
    db = tmp_path / "a.db"
    status = cli(["import-warc", "--config", str(config), "--db", f"sqlite:///{db}", str(path)])
    out = capsys.readouterr()
    assert status == 0
    assert out.out.splitlines()[-1] == (
        f"records {total}, kept 2, new 2, updated 0, unchanged 0, older 0, skipped {total - 2}"
    )
    for line in (
        "1  skipped: other host",
        "1  skipped: not HTML",
        "1  skipped: request record",
        "1  skipped: revisit record",
        "1  skipped: warcinfo record",
        "1  skipped: truncated",
    ):
        assert line in out.out
    with Archive.open(f"sqlite:///{db}") as archive:
        assert archive.article_count() == 2
        for name in (A, B):
            stored = archive.get_article(f"{SITE_ROOT}/{name}")
            assert stored is not None
            expected = EXPECTED[f"{SITE_ROOT}/{name}"]
            assert without_version(stored.to_dict()) == without_version(expected), name
        assert archive.get_article(f"{SITE_ROOT}/{C}") is None
    with sqlite3.connect(db) as conn:
        # One raw page per kept record, dated by the record; nothing of the cut-off one.
        rows = conn.execute("SELECT url, fetched_at, status FROM raw_page ORDER BY url").fetchall()
        links = conn.execute(
            "SELECT warc_file, warc_offset, warc_length, warc_record_id FROM raw_page"
        ).fetchall()
    assert rows == sorted(
        (f"{SITE_ROOT}/{name}", "2025-12-20T03:00:00.000000+00:00", 200) for name in (A, B)
    )
    # Each names the record it came from, in either form of file.
    for file, offset, length, record_id in links:
        assert file == str(path)
        with path.open("rb") as handle:
            handle.seek(offset)
            [found] = [
                r.rec_headers.get_header("WARC-Record-ID")
                for r in ArchiveIterator(BytesIO(handle.read(length)))
            ]
        assert found == record_id


def test_an_import_never_rolls_an_article_back_to_an_older_capture(tmp_path: Path) -> None:
    page = fixture(A)
    newer = page.replace(b"Khai m\xe1\xba\xa1c L\xe1\xbb\x85 h\xe1\xbb\x99i", b"Khai mac Le hoi")
    assert newer != page
    out_new, out_old = tmp_path / "new.warc", tmp_path / "old.warc"
    for out, body, date in (
        (out_new, newer, "2025-12-21T00:00:00Z"),
        (out_old, page, "2025-12-20T00:00:00Z"),
    ):
        buffer = BytesIO()
        writer = WARCWriter(buffer, gzip=False)
        writer.write_record(_response(writer, f"{SITE_ROOT}/{A}", body, date=date))
        out.write_bytes(buffer.getvalue())
    config = write_config(tmp_path)
    db = f"sqlite:///{tmp_path / 'a.db'}"
    assert cli(["import-warc", "--config", str(config), "--db", db, str(out_new)]) == 0
    assert cli(["import-warc", "--config", str(config), "--db", db, str(out_old)]) == 0
    with Archive.open(db) as archive:
        stored = archive.get_article(f"{SITE_ROOT}/{A}")
        assert stored is not None
        assert stored.title.startswith("Khai mac Le hoi")
        assert stored.to_dict()["title"] != EXPECTED[f"{SITE_ROOT}/{A}"]["title"]


def test_a_crawls_own_warc_imports_into_the_same_articles(
    replica: Replica, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warc = tmp_path / "warc"
    crawl(replica, tmp_path, warc)
    capsys.readouterr()
    config = write_config(tmp_path)
    db = f"sqlite:///{tmp_path / 'b.db'}"
    files = [str(p) for p in warc.glob("*.warc.gz")]
    assert cli(["import-warc", "--config", str(config), "--db", db, *files]) == 0
    assert f"new {len(EXPECTED)}," in capsys.readouterr().out
    with Archive.open(db) as archive:
        assert archive.article_count() == len(EXPECTED)
        for url, expected in EXPECTED.items():
            stored = archive.get_article(url)
            assert stored is not None, url
            assert without_version(stored.to_dict()) == without_version(expected), url


def test_import_refuses_a_missing_file_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "a.db"
    status = cli(["import-warc", "--db", f"sqlite:///{db}", str(tmp_path / "nope.warc.gz")])
    assert status == 2
    assert "nope.warc.gz" in capsys.readouterr().err
    assert not db.exists()
