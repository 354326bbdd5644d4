"""`cite`: the version held at a time, in four formats each read back by its own library, and a
fingerprint `cite --verify` checks; names cited as Vietnamese bylines are."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bibtexparser
import pytest
import rispy
from bibtexparser import middlewares
from citeproc.source.json import CiteProcJSON

from newsarchive.cli import run as cli
from newsarchive.record import Article
from newsarchive.store import Archive, RawPage
from newsarchive.warclink import WarcLink

SITE = "https://kinhtedothi.vn"
URL = f"{SITE}/ha-noi-mo-rong-khong-gian-cong-cong-ven-ho.html"
T0 = datetime(2025, 4, 18, 2, 30, tzinfo=UTC)
T1 = T0 + timedelta(days=3)
BODY_0 = b"<html><body><h1>Ha Noi mo rong</h1> first capture</body></html>"
BODY_1 = b"<html><body><h1>Ha Noi mo rong</h1> second capture, title edited</body></html>"
LINK = WarcLink("/srv/warc/newsarchive-1.warc.gz", 1234, 5678, "<urn:uuid:0000-aaaa>")


def article(**changes: object) -> Article:
    fields: dict[str, object] = {
        "url": URL,
        "title": "Hà Nội mở rộng không gian công cộng ven hồ",
        "sapo": "Thành phố mở thêm lối đi ven hồ & cây xanh.",
        "paragraphs": ("Đoạn một.", "Đoạn hai."),
        "published_at": "2025-04-18T09:20:00+07:00",
        "authors": ("Nguyễn Văn An", "Thu Hằng", "Nhóm PV"),
        "layout": "standard",
    }
    fields.update(changes)
    return Article(**fields)  # type: ignore[arg-type]


def archive_fetch(
    db: str, body: bytes, record: Article, at: datetime, warc: WarcLink | None
) -> None:
    with Archive.open(db) as archive:
        raw = RawPage(
            URL, URL, URL, 200, "ok", (("Content-Type", "text/html"),), body, at, warc=warc
        )
        archive.record_fetch(raw, article=record, page_kind="article")


@pytest.fixture
def db(tmp_path: Path) -> str:
    """An archive holding two versions of one article: the title was edited between captures."""
    url = f"sqlite:///{tmp_path / 'a.db'}"
    archive_fetch(url, BODY_0, article(), T0, LINK)
    archive_fetch(url, BODY_1, article(title="Hà Nội mở rộng không gian ven hồ Tây"), T1, None)
    return url


def cite(db: str, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli(["cite", "--db", db, *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_bibtex_parses_back_with_persons_split_and_desks_whole(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = cite(db, capsys, URL, "--at", "2025-04-19", "--format", "bibtex")
    assert status == 0
    library = bibtexparser.parse_string(
        out,
        append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()],
    )
    assert library.failed_blocks == []
    [entry] = library.entries
    assert entry.entry_type == "article"
    names = entry["author"]
    # Family name first: Nguyễn is the family name; a pen name and a desk are one name each.
    assert (names[0].last, names[0].first) == (["Nguyễn"], ["Văn", "An"])
    assert names[1].last == ["{Thu Hằng}"] and names[1].first == []
    assert names[2].last == ["{Nhóm PV}"] and names[2].first == []
    decoded = bibtexparser.parse_string(
        out, append_middleware=[middlewares.LatexDecodingMiddleware()]
    ).entries[0]
    assert decoded["title"] == "Hà Nội mở rộng không gian công cộng ven hồ"  # the first version
    assert decoded["journal"] == "Kinh tế & Đô thị"
    assert decoded["date"] == "2025-04-18"
    assert decoded["url"] == URL
    assert decoded["urldate"] == "2025-04-18"
    assert LINK.record_id in decoded["note"] and LINK.file in decoded["note"]


def test_ris_parses_back_with_the_newspaper_dates_and_fingerprint(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _, facts, _ = cite(db, capsys, URL, "--json")
    status, out, _ = cite(db, capsys, URL, "--format", "ris")
    assert status == 0
    [entry] = rispy.loads(out)
    assert entry["type_of_reference"] == "NEWS"
    assert entry["title"] == "Hà Nội mở rộng không gian ven hồ Tây"  # the newest by default
    assert entry["authors"] == ["Nguyễn, Văn An", "Thu Hằng", "Nhóm PV"]
    assert entry["secondary_title"] == "Kinh tế & Đô thị"
    assert entry["date"] == "2025/04/18/" and entry["year"] == "2025"
    assert entry["urls"] == [URL]
    assert entry["access_date"] == "2025/04/21"
    assert entry["accession_number"] == json.loads(facts)["fingerprint"]


@pytest.mark.filterwarnings("ignore:The following arguments for Name are unsupported")
def test_csl_json_reads_in_citeproc_with_vietnamese_names_in_static_order(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = cite(
        db, capsys, "1", "--at", "2025-04-18T10:00:00+07:00", "--format", "csl-json"
    )
    assert status == 0
    items = json.loads(out)
    source = CiteProcJSON(items)
    [item] = items
    assert item["id"] in source
    assert item["type"] == "article-newspaper"
    assert item["container-title"] == "Kinh tế & Đô thị"
    assert item["author"] == [
        {"family": "Nguyễn", "given": "Văn An", "static-ordering": True},
        {"literal": "Thu Hằng"},
        {"literal": "Nhóm PV"},
    ]
    assert item["issued"] == {"date-parts": [[2025, 4, 18]]}
    assert item["accessed"] == {"date-parts": [[2025, 4, 18]]}
    assert item["archive_location"] == LINK.record_id


def test_text_reads_names_as_written_and_states_capture_fingerprint_and_record(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = cite(db, capsys, URL, "--at", "2025-04-20")
    assert status == 0
    reference, note = out.strip().splitlines()
    assert reference.startswith(
        "Nguyễn Văn An, Thu Hằng and Nhóm PV (2025)"
    )  # never "Nguyễn, V. A."
    assert "“Hà Nội mở rộng không gian công cộng ven hồ”" in reference
    assert "Kinh tế & Đô thị, 18 April" in reference and URL in reference
    assert note.startswith(
        "Archived on 2025-04-18T09:30:00+07:00 by newsarchive (version 1 of 2)"
    ), "the capture's time in Hanoi time with its offset, as every command shows times"
    assert f"WARC record {LINK.record_id} in {LINK.file}" in note


def test_an_undated_article_by_a_desk_alone_is_cited_without_a_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'b.db'}"
    archive_fetch(db, BODY_0, article(published_at=None, authors=("PV",)), T0, None)
    _, text, _ = cite(db, capsys, URL)
    assert text.startswith("PV (no date) “Hà Nội")
    assert "WARC record" not in text  # not written to WARC: none named
    _, bib, _ = cite(db, capsys, URL, "--format", "bibtex")
    [entry] = bibtexparser.parse_string(bib).entries
    assert entry["author"] == "{PV}" and "year" not in entry.fields_dict
    _, ris, _ = cite(db, capsys, URL, "--format", "ris")
    [record] = rispy.loads(ris)
    assert "date" not in record and "year" not in record and record["authors"] == ["PV"]


def test_verify_holds_the_version_cited_then_and_refuses_what_changed(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _, old, _ = cite(db, capsys, URL, "--at", "2025-04-19", "--json")
    _, new, _ = cite(db, capsys, URL, "--json")
    first, latest = json.loads(old), json.loads(new)
    assert first["fingerprint"] != latest["fingerprint"]
    assert (first["version"], latest["version"]) == (1, 2)
    assert [datetime.fromisoformat(c["captured_at"]) for c in (first, latest)] == [T0, T1]
    assert first["captured_at"].endswith("+07:00"), "JSON times are Hanoi time, as stored exactly"

    status, out, _ = cite(db, capsys, "--verify", first["fingerprint"])
    assert status == 0 and out.startswith("held:")
    assert "version 1 of 2" in out

    record_part, page_part = first["fingerprint"].removeprefix("na1:").split("-")
    other_record = f"na1:{'0' * len(record_part)}-{page_part}"
    status, out, _ = cite(db, capsys, "--verify", other_record, "--json")
    verdict = json.loads(out)
    assert status == 1 and verdict["held"] is False and "no version" in verdict["reason"]
    unknown_page = f"na1:{record_part}-{'0' * len(page_part)}"
    status, out, _ = cite(db, capsys, "--verify", unknown_page)
    assert status == 1 and out.startswith("not held: the archive holds no raw page")


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--verify", "na1:abc"], 2, "is not a fingerprint"),
        ([URL, "--at", "18/04/2025"], 2, "--at must be a day"),
        ([URL, "--at", "2025-04-18T25:00"], 2, "or an ISO 8601 time"),
        ([], 2, "cite needs an article"),
        ([URL, "--at", "2025-04-17"], 1, "no version of"),
        ([f"{SITE}/khong-co.html"], 1, "no article"),
    ],
)
def test_bad_requests_fail_with_one_line(
    db: str, capsys: pytest.CaptureFixture[str], args: list[str], code: int, says: str
) -> None:
    status, out, err = cite(db, capsys, *args)
    assert status == code
    assert out == "" and len(err.strip().splitlines()) == 1 and says in err


def test_at_a_moment_between_two_captures_of_one_version_cites_the_earlier_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fetch that finds the same text in a page whose link boxes changed keeps the version
    and notes the newer page; a citation of the moment before it names the page read then."""
    db = f"sqlite:///{tmp_path / 'c.db'}"
    archive_fetch(db, BODY_0, article(), T0, LINK)
    archive_fetch(db, BODY_1, article(), T1, None)
    _, before, _ = cite(db, capsys, URL, "--at", "2025-04-19", "--json")
    _, now, _ = cite(db, capsys, URL, "--json")
    earlier, latest = json.loads(before), json.loads(now)
    assert (earlier["version"], latest["version"]) == (1, 1)
    assert (
        datetime.fromisoformat(earlier["captured_at"]) == T0
        and earlier["warc"]["record_id"] == LINK.record_id
    )
    assert datetime.fromisoformat(latest["captured_at"]) == T1 and latest["warc"] is None
    record_0, page_0 = earlier["fingerprint"].removeprefix("na1:").split("-")
    record_1, page_1 = latest["fingerprint"].removeprefix("na1:").split("-")
    assert record_0 == record_1 and page_0 != page_1
    assert page_0 == hashlib.sha256(BODY_0).hexdigest()[: len(page_0)]
    for fingerprint in (earlier["fingerprint"], latest["fingerprint"]):
        assert cite(db, capsys, "--verify", fingerprint)[0] == 0


def test_an_article_without_a_byline_is_cited_under_the_newspaper(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'd.db'}"
    archive_fetch(db, BODY_0, article(authors=()), T0, None)
    _, text, _ = cite(db, capsys, URL)
    # The style's rule for no author: the newspaper stands in, cased as it is written.
    assert text.startswith("Kinh tế & Đô thị (2025) “Hà Nội mở rộng không gian công cộng ven hồ”")
    _, bib, _ = cite(db, capsys, URL, "--format", "bibtex")
    assert "author" not in bibtexparser.parse_string(bib).entries[0].fields_dict
    _, csl, _ = cite(db, capsys, URL, "--format", "csl-json")
    assert "author" not in json.loads(csl)[0]


@pytest.mark.postgresql
def test_cite_and_verify_on_postgresql(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    archive_fetch(pg_url, BODY_0, article(), T0, LINK)
    archive_fetch(pg_url, BODY_1, article(title="Hà Nội mở rộng không gian ven hồ Tây"), T1, None)
    status, out, _ = cite(pg_url, capsys, URL, "--at", "2025-04-19", "--json")
    first = json.loads(out)
    assert status == 0 and first["version"] == 1 and first["warc"]["offset"] == LINK.offset
    status, out, _ = cite(pg_url, capsys, "--verify", first["fingerprint"])
    assert status == 0 and "version 1 of 2" in out
