"""`import-warc` of captures made by other tools, in their usual forms.

None of the tools themselves installs from the package registries (ArchiveWeb.page is a
browser extension, Heritrix a Java crawler, Common Crawl's files come from its crawler), so the
files are written by warcio, the Webrecorder project's library, in the form each tool writes:
the records, WARC headers and payload codings listed in each builder. That is the stand-in.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from crawled import SITE_ROOT, expected_records, without_version
from test_warc import A, fixture, write_config
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsarchive.cli import run as cli
from newsarchive.site.urls import canonical_url
from newsarchive.store import Archive

URL = f"{SITE_ROOT}/{A}"


def _http(status: str, headers: list[tuple[str, str]]) -> StatusAndHeaders:
    return StatusAndHeaders(status, headers, protocol="HTTP/1.1")


def browser_extension(path: Path) -> dict[str, int]:
    """As ArchiveWeb.page (Webrecorder's browser extension) downloads a capture: WARC/1.1,
    dates to the millisecond, the page's records tagged with its `WARC-Page-ID`, a `request`
    record before each response, the page's images and scripts from other hosts, and a
    `urn:pageinfo:` resource record describing the page."""
    out = BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    page = {"WARC-Page-ID": "f4a1c2d3-0000-4000-8000-000000000001"}
    writer.write_record(
        writer.create_warcinfo_record(path.name, {"software": "ArchiveWeb.page 0.15.7"})
    )
    writer.write_record(
        writer.create_warc_record(
            URL,
            "request",
            http_headers=StatusAndHeaders(
                f"GET /{A} HTTP/1.1", [("Host", "kinhtedothi.vn")], is_http_request=True
            ),
            warc_headers_dict={"WARC-Date": "2025-12-20T03:00:00.481Z", **page},
        )
    )
    body = fixture(A)
    writer.write_record(
        writer.create_warc_record(
            URL,
            "response",
            payload=BytesIO(body),
            length=len(body),
            http_headers=_http("200 OK", [("content-type", "text/html; charset=utf-8")]),
            warc_headers_dict={
                "WARC-Date": "2025-12-20T03:00:00.512Z",
                "WARC-Resource-Type": "document",
                "WARC-JSON-Metadata": json.dumps({"cert": {"issuer": "R11"}}),
                **page,
            },
        )
    )
    image = b"\xff\xd8\xff\xe0 jpeg"
    writer.write_record(
        writer.create_warc_record(
            "https://cdn.kinhtedothi.vn/images/a.jpg",
            "response",
            payload=BytesIO(image),
            length=len(image),
            http_headers=_http("200 OK", [("content-type", "image/jpeg")]),
            warc_headers_dict={"WARC-Date": "2025-12-20T03:00:00.700Z", **page},
        )
    )
    info = json.dumps({"pages": [{"url": URL, "title": "Khai mạc"}]}).encode()
    writer.write_record(
        writer.create_warc_record(
            "urn:pageinfo:" + URL,
            "resource",
            payload=BytesIO(info),
            length=len(info),
            warc_content_type="application/json",
            warc_headers_dict={"WARC-Date": "2025-12-20T03:00:01.000Z", **page},
        )
    )
    path.write_bytes(out.getvalue())
    return {"warcinfo record": 1, "request record": 1, "other host": 1, "resource record": 1}


def heritrix(path: Path) -> dict[str, int]:
    """As Heritrix writes: WARC/1.0, one gzip member per record, a `dns:` lookup record, each
    response as received on the wire (gzip content coding and chunked transfer coding kept in
    the payload), `WARC-IP-Address` and `WARC-Warcinfo-ID`, a request record and a metadata
    record listing the outlinks, robots.txt fetched first."""
    out = BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.0")
    info = writer.create_warcinfo_record(
        path.name,
        {"software": "Heritrix/3.4.0 http://crawler.archive.org", "format": "WARC File Format 1.0"},
    )
    common = {
        "WARC-Warcinfo-ID": info.rec_headers.get_header("WARC-Record-ID"),
        "WARC-IP-Address": "203.162.0.1",
    }
    writer.write_record(info)
    dns = b"20251220030000\nkinhtedothi.vn.\t300\tIN\tA\t203.162.0.1\n"
    writer.write_record(
        writer.create_warc_record(
            "dns:kinhtedothi.vn",
            "response",
            payload=BytesIO(dns),
            length=len(dns),
            warc_content_type="text/dns",
            warc_headers_dict={"WARC-Date": "2025-12-20T02:59:59Z", **common},
        )
    )
    robots = b"User-agent: *\nAllow: /\n"
    writer.write_record(
        writer.create_warc_record(
            f"{SITE_ROOT}/robots.txt",
            "response",
            payload=BytesIO(robots),
            length=len(robots),
            http_headers=_http("200 OK", [("Content-Type", "text/plain")]),
            warc_headers_dict={"WARC-Date": "2025-12-20T02:59:59Z", **common},
        )
    )
    zipped = gzip.compress(fixture(A))
    wire = b"".join(
        f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (zipped[:1000], zipped[1000:])
    )
    wire += b"0\r\n\r\n"
    headers = [
        ("Server", "nginx"),
        ("Content-Type", "text/html; charset=UTF-8"),
        ("Transfer-Encoding", "chunked"),
        ("Content-Encoding", "gzip"),
    ]
    response = writer.create_warc_record(
        URL,
        "response",
        payload=BytesIO(wire),
        length=len(wire),
        http_headers=_http("200 OK", headers),
        warc_headers_dict={"WARC-Date": "2025-12-20T03:00:00Z", **common},
    )
    writer.write_record(response)
    concurrent = {"WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")}
    writer.write_record(
        writer.create_warc_record(
            URL,
            "request",
            http_headers=StatusAndHeaders(
                f"GET /{A} HTTP/1.0", [("Host", "kinhtedothi.vn")], is_http_request=True
            ),
            warc_headers_dict={"WARC-Date": "2025-12-20T03:00:00Z", **common, **concurrent},
        )
    )
    outlinks = b"outlink: https://kinhtedothi.vn/ha-noi/ L a/@href\n"
    writer.write_record(
        writer.create_warc_record(
            URL,
            "metadata",
            payload=BytesIO(outlinks),
            length=len(outlinks),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": "2025-12-20T03:00:00Z", **concurrent},
        )
    )
    path.write_bytes(out.getvalue())
    return {
        "warcinfo record": 1,
        "other host": 1,  # the dns: record
        "not HTML": 1,  # robots.txt
        "request record": 1,
        "metadata record": 1,
    }


def common_crawl(path: Path) -> dict[str, int]:
    """A Common Crawl extract: the records of one site cut out of the crawl's files by their
    index's offsets and lengths, each its own gzip member, concatenated. WARC/1.0; payloads
    stored decoded with the original coding headers renamed `X-Crawler-…`;
    `WARC-Identified-Payload-Type`; a record cut at the crawler's size limit marked
    `WARC-Truncated: length`; the www. host."""
    members = []
    body = fixture(A)
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("X-Crawler-Content-Encoding", "gzip"),
        ("X-Crawler-Content-Length", "9999"),
        ("Content-Length", str(len(body))),
    ]
    for uri, payload, extra in (
        (f"https://www.kinhtedothi.vn/{A}", body, {}),
        (f"{SITE_ROOT}/video/long-page.html", b"<html>" + b"x" * 500, {"WARC-Truncated": "length"}),
    ):
        member = BytesIO()
        writer = WARCWriter(member, gzip=True, warc_version="1.0")
        writer.write_record(
            writer.create_warc_record(
                uri,
                "response",
                payload=BytesIO(payload),
                length=len(payload),
                http_headers=_http("200 OK", headers),
                warc_headers_dict={
                    "WARC-Date": "2025-12-20T03:00:00Z",
                    "WARC-Identified-Payload-Type": "text/html",
                    **extra,
                },
            )
        )
        members.append(member.getvalue())
    path.write_bytes(b"".join(members))
    return {}


Builder = Callable[[Path], dict[str, int]]


@pytest.mark.parametrize(
    ("build", "kept"),
    [(browser_extension, 1), (heritrix, 1), (common_crawl, 2)],
    ids=["browser-extension", "heritrix", "common-crawl"],
)
def test_import_reads_other_tools_captures_into_the_same_article(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], build: Builder, kept: int
) -> None:
    path = tmp_path / "capture.warc.gz"
    skipped = build(path)
    config = write_config(tmp_path)
    db = f"sqlite:///{tmp_path / 'a.db'}"
    assert cli(["import-warc", "--config", str(config), "--db", db, str(path)]) == 0
    out = capsys.readouterr().out
    records = kept + sum(skipped.values())
    assert out.splitlines()[-1] == (
        f"records {records}, kept {kept}, new 1, updated 0, unchanged 0, older 0, "
        f"skipped {sum(skipped.values())}"
    )
    for reason, count in skipped.items():
        assert f"{count}  skipped: {reason}" in out
    with Archive.open(db) as archive:
        stored = archive.get_article(URL)
        assert stored is not None
        assert without_version(stored.to_dict()) == without_version(expected_records()[URL])
        [version] = archive.history(URL) or []
        assert version.first_seen_at.isoformat().startswith("2025-12-20T03:00:00")
        # The raw page names the record it was imported from: there it is, whole.
        link = archive.page_capture(version.raw_page_id or 0).warc
    assert link is not None and link.file == str(path)
    with path.open("rb") as handle:
        handle.seek(link.offset)
        member = handle.read(link.length)
    [(record_id, uri)] = [
        (r.rec_headers.get_header("WARC-Record-ID"), r.rec_headers.get_header("WARC-Target-URI"))
        for r in ArchiveIterator(BytesIO(member))
    ]
    assert record_id == link.record_id and canonical_url(uri) == URL
