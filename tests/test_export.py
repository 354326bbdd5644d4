"""`newsarchive export`: JSON Lines, CSV and Parquet of a crawl of the replica, the filters,
and files that are never left half-written or overwritten by accident."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from crawled import crawl, expected_records, without_version

from newsarchive.cli import run as cli
from newsarchive.export import replacing
from newsarchive.record import Article
from newsarchive.store import Archive, ArticleFilter, RawPage

EXPECTED = expected_records()
FIELDS = list(next(iter(EXPECTED.values())))  # ARTICLE.md's order, as the fixtures write it
JSON_CELLS = ("paragraphs", "captions", "images", "authors", "tags", "related")
IN_ORDER = sorted(EXPECTED, key=lambda url: EXPECTED[url]["published_at"])


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("export") / "archive.db"
    crawl(path)
    return f"sqlite:///{path}"


def export(
    capsysbinary: pytest.CaptureFixture[bytes], db: str, *args: str
) -> tuple[int, bytes, str]:
    code = cli(["export", "--db", db, *args])
    out, err = capsysbinary.readouterr()
    return code, out, err.decode()


def test_jsonl_on_stdout_is_every_record_oldest_first(
    capsysbinary: pytest.CaptureFixture[bytes], db: str
) -> None:
    code, out, err = export(capsysbinary, db, "--format", "jsonl")
    assert (code, err) == (0, "")
    records = [json.loads(line) for line in out.decode("utf-8").splitlines()]
    assert [r["url"] for r in records] == IN_ORDER
    for record in records:
        assert list(record) == FIELDS
        assert without_version(record) == without_version(EXPECTED[record["url"]])


def test_csv_has_a_bom_the_record_columns_and_json_in_list_cells(
    capsysbinary: pytest.CaptureFixture[bytes], db: str, tmp_path: Path
) -> None:
    out = tmp_path / "articles.csv"
    code, printed, _ = export(capsysbinary, db, "--format", "csv", "--out", str(out))
    assert code == 0 and printed.decode() == f"exported {len(EXPECTED)} articles to {out}\n"
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfurl,site_id,title,")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == FIELDS
    assert [row["url"] for row in rows] == IN_ORDER
    for row in rows:
        expected = EXPECTED[row["url"]]
        for name in FIELDS:
            if name == "parser_version":
                continue
            if name in JSON_CELLS:
                assert json.loads(row[name]) == expected[name], name
            else:
                assert row[name] == ("" if expected[name] is None else expected[name]), name
    # The same bytes go to standard output.
    assert export(capsysbinary, db, "--format", "csv")[1] == data


def test_parquet_keeps_lists_structs_and_timestamps_with_their_zone(
    capsysbinary: pytest.CaptureFixture[bytes], db: str, tmp_path: Path
) -> None:
    out = tmp_path / "articles.parquet"
    assert export(capsysbinary, db, "--format", "parquet", "--out", str(out))[0] == 0
    table = pq.read_table(out)
    schema = table.schema
    assert schema.names == FIELDS
    hanoi = pa.timestamp("us", tz="Asia/Ho_Chi_Minh")
    assert schema.field("published_at").type == hanoi
    assert schema.field("updated_at").type == hanoi
    for name in ("paragraphs", "captions", "authors", "tags"):
        assert schema.field(name).type.value_type == pa.string()
    image = schema.field("images").type.value_type
    assert [image.field(i).name for i in range(image.num_fields)] == ["url", "caption"]
    link = schema.field("related").type.value_type
    assert [link.field(i).name for i in range(link.num_fields)] == ["url", "title", "kind"]
    rows = table.to_pylist()
    assert [row["url"] for row in rows] == IN_ORDER
    for row in rows:
        expected = EXPECTED[row["url"]]
        for name in ("published_at", "updated_at"):
            moment = expected[name] and datetime.fromisoformat(expected[name])
            assert row[name] == moment, name
            if moment:
                assert row[name].utcoffset() == timedelta(hours=7)
        for name in set(FIELDS) - {"published_at", "updated_at", "parser_version"}:
            assert row[name] == expected[name], name


@pytest.mark.parametrize(
    ("args", "chosen"),
    [
        (
            ["--since", "2025-01-28", "--until", "2025-01-29"],
            lambda r: "2025-01-28" <= r["published_at"][:10] <= "2025-01-29",
        ),
        (["--until", "2021-03-28"], lambda r: r["published_at"][:10] <= "2021-03-28"),
        (["--category", "VĂN HOÁ"], lambda r: r["category"] == "Văn hóa"),
        (
            ["--category", "do thi", "--since", "2025-01-29"],
            lambda r: r["category"] == "Đô thị" and r["published_at"] >= "2025-01-29",
        ),
    ],
)
def test_filters_choose_articles_by_hanoi_day_and_category(
    capsysbinary: pytest.CaptureFixture[bytes], db: str, args: list[str], chosen: Any
) -> None:
    code, out, _ = export(capsysbinary, db, "--format", "jsonl", *args)
    assert code == 0
    found = [json.loads(line)["url"] for line in out.splitlines()]
    expected = [url for url in IN_ORDER if chosen(EXPECTED[url])]
    assert found == expected and expected


def test_an_existing_file_is_left_untouched_without_force(
    capsysbinary: pytest.CaptureFixture[bytes], db: str, tmp_path: Path
) -> None:
    out = tmp_path / "articles.jsonl"
    out.write_text("earlier export\n")
    code, printed, err = export(capsysbinary, db, "--format", "jsonl", "--out", str(out))
    assert (code, printed) == (2, b"")
    assert err == f"newsarchive: {out} exists; add --force to replace it\n"
    assert out.read_text() == "earlier export\n"

    code, _, _ = export(capsysbinary, db, "--format", "jsonl", "--out", str(out), "--force")
    assert code == 0
    assert len(out.read_text().splitlines()) == len(EXPECTED)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["articles.jsonl"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--format", "parquet"], "--format parquet needs --out PATH"),
        (
            ["--format", "csv", "--out", "no/such/folder/a.csv"],
            "folder no/such/folder does not exist",
        ),
        (["--format", "csv", "--since", "28/01/2025"], "--since must be a day as YYYY-MM-DD"),
        (["--format", "csv", "--category", "Thể thao"], "no article has category 'Thể thao'"),
    ],
)
def test_bad_export_usage_exits_2_with_one_line(
    capsysbinary: pytest.CaptureFixture[bytes], db: str, args: list[str], says: str
) -> None:
    code, out, err = export(capsysbinary, db, *args)
    assert (code, out) == (2, b"")
    assert err.count("\n") == 1 and says in err


def test_a_failed_write_leaves_the_earlier_file_and_no_half_file(tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    out.write_text("earlier export\n")
    with pytest.raises(RuntimeError), replacing(out) as handle:
        handle.write(b"half of a new export")
        raise RuntimeError("killed half-way")
    assert out.read_text() == "earlier export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["articles.csv"]


def test_articles_stream_in_order_across_reads_with_shared_dates_and_undated_last(
    tmp_path: Path,
) -> None:
    """More articles than one read takes (200), many sharing a publication time."""
    dates = [f"2024-03-{1 + n % 3:02}T08:00:00+07:00" for n in range(430)] + [None] * 20
    at = datetime(2024, 3, 5, tzinfo=UTC)
    with Archive.open(f"sqlite:///{tmp_path / 'many.db'}") as archive:
        for n, date in enumerate(dates):
            url = f"https://kinhtedothi.vn/tin-{n}.html"
            raw = RawPage(url, url, url, 200, "ok", (), b"<html>", at)
            article = Article(url=url, title=f"Tin {n}", published_at=date)
            archive.record_fetch(raw, article=article, page_kind="article")
        got = [(a.published_at, int(a.title.split()[1])) for a in archive.iter_articles()]
        march_2 = ArticleFilter(
            since=datetime(2024, 3, 2).date(), until=datetime(2024, 3, 2).date()
        )
        second_day = [a.published_at for a in archive.iter_articles(march_2)]
    dated = sorted((d, n) for n, d in enumerate(dates) if d is not None)
    assert got == dated + [(None, n) for n, d in enumerate(dates) if d is None]
    assert second_day == [d for d, _ in dated if d.startswith("2024-03-02")]
    assert len(second_day) == 143, "not every third of the 430 dated articles"
