"""`capture` (real pages kept as fixtures, rechecked) and `check --live`, against the replica."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from replica import Replica, start_replica

from newsarchive.cli import run as cli

SITE = Path(__file__).resolve().parent.parent / "fixtures" / "site"
SITE_ROOT = "https://kinhtedothi.vn"
PAGE = "khai-mac-le-hoi-van-hoa-am-thuc-ha-noi-2025.790377"


def expected(path: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(
        (SITE / path.replace(".html", ".expected.json")).read_text(encoding="utf-8")
    )
    return record


@pytest.fixture
def config(fast_conf: Path) -> Path:
    return fast_conf


def run(config: Path, *args: str) -> int:
    return cli([*args[:1], "--config", str(config), *args[1:]])


# -- capture ---------------------------------------------------------------------------------


def test_capture_saves_the_page_where_it_came_from_and_a_draft_recheck_accepts(
    replica: Replica, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "captured"
    before = datetime.now(UTC).replace(microsecond=0)
    url = f"{SITE_ROOT}/{PAGE}.html"
    assert run(config, "capture", url, "--base-url", replica.base_url, "--out", str(out)) == 0
    assert (out / f"{PAGE}.html").read_bytes() == (SITE / f"{PAGE}.html").read_bytes()
    sidecar = json.loads((out / f"{PAGE}.capture.json").read_text(encoding="utf-8"))
    assert sidecar["url"] == url
    assert sidecar["fetched_from"] == f"{replica.base_url}/{PAGE}.html"
    assert before <= datetime.fromisoformat(sidecar["captured_at"]) <= datetime.now(UTC)
    assert sidecar["checked_by_eye"] is False
    draft = json.loads((out / f"{PAGE}.expected.json").read_text(encoding="utf-8"))
    record = expected(f"{PAGE}.html")
    del draft["parser_version"], record["parser_version"]
    assert draft == record
    capsys.readouterr()
    assert run(config, "capture", "--recheck", str(out)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "1 of 1 captured pages read as expected"
    assert f"not yet checked by eye: {PAGE}" in lines


def test_recheck_shows_every_field_that_differs_and_fails(
    replica: Replica, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "captured"
    # A mirror's own address stands for the same path on the site.
    assert run(config, "capture", f"{replica.base_url}/{PAGE}.html", "--out", str(out)) == 0
    draft_path = out / f"{PAGE}.expected.json"
    draft = json.loads(draft_path.read_text(encoding="utf-8"))
    assert draft["url"] == f"{SITE_ROOT}/{PAGE}.html"
    checked = dict(draft, title="Tiêu đề khác", tags=[], parser_version="0")
    draft_path.write_text(json.dumps(checked, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert run(config, "capture", "--recheck", "--out", str(out)) == 1
    text = capsys.readouterr().out
    assert f'{PAGE}: title\n    expected "Tiêu đề khác"\n    found    "{draft["title"]}"' in text
    assert f"{PAGE}: tags\n    expected []" in text
    assert "parser_version" not in text
    assert text.splitlines()[-1] == "0 of 1 captured pages read as expected"


def test_capture_of_a_page_that_cannot_be_fetched_fails_with_one_line(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with start_replica() as gone:
        url = f"{gone.base_url}/{PAGE}.html"
    out = tmp_path / "captured"
    assert run(config, "capture", url, "--out", str(out)) == 1, "a failed fetch is no usage error"
    err = capsys.readouterr().err
    assert err.startswith(f"newsarchive: cannot capture {url}") and err.count("\n") == 1, err
    assert not out.exists() or not any(out.iterdir()), "nothing is saved of a page not fetched"


def test_capture_keeps_an_existing_fixture_unless_forced(
    replica: Replica, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "captured"
    url = f"{replica.base_url}/{PAGE}.html"
    assert run(config, "capture", url, "--out", str(out)) == 0
    (out / f"{PAGE}.expected.json").write_text("{}", encoding="utf-8")
    assert run(config, "capture", url, "--out", str(out)) == 2
    assert "--force" in capsys.readouterr().err
    assert (out / f"{PAGE}.expected.json").read_text(encoding="utf-8") == "{}"
    assert run(config, "capture", url, "--out", str(out), "--force") == 0
    assert (out / f"{PAGE}.expected.json").read_text(encoding="utf-8") != "{}"


def test_a_page_that_is_no_article_is_kept_with_what_it_is(
    replica: Replica, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "captured"
    assert run(config, "capture", f"{replica.base_url}/kinh-te/", "--out", str(out)) == 0
    draft = json.loads((out / "kinh-te.expected.json").read_text(encoding="utf-8"))
    assert draft == {"not_article": "listing"}
    assert run(config, "capture", "--recheck", str(out)) == 0


def test_capture_of_a_missing_page_fails_naming_it(
    replica: Replica, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "captured"
    assert run(config, "capture", f"{replica.base_url}/khong-co.html", "--out", str(out)) == 1
    err = capsys.readouterr().err
    assert "khong-co.html" in err and "404" in err
    assert not out.exists() or not list(out.iterdir())


# -- check --live ----------------------------------------------------------------------------


def feed_articles(root: Path = SITE) -> list[str]:
    """The article paths the replica's RSS feed lists."""
    tree = ET.parse(root / "rss" / "home.rss")
    links = [item.findtext("link") or "" for item in tree.iter("item")]
    return [link.removeprefix(SITE_ROOT + "/") for link in links]


def test_check_live_reports_empty_fields_and_layouts_of_the_newest_articles(
    replica: Replica, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    newest = feed_articles()
    assert len(newest) == 10, "the replica's feed lists other than the 10 newest articles"
    records = [expected(path) for path in newest]
    args = ["check", "--live", "--base-url", replica.base_url, "--n", "10", "--json"]
    assert run(config, *args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["checked"] == 10
    assert report["source"] == replica.base_url
    assert report["alarms"] == [] and report["failed"] == []
    assert report["layouts"] == dict(Counter(r["layout"] for r in records))
    for name, count in report["empty"].items():
        assert count == sum(r[name] in (None, "", []) for r in records), name
    assert report["empty"]["title"] == report["empty"]["published_at"] == 0
    # For people: a table of fields, the layouts that read the pages, and exit 0.
    assert run(config, "check", "--live", "--base-url", replica.base_url, "--n", "3") == 0
    text = capsys.readouterr().out
    assert text.startswith(f"checked 3 articles from {replica.base_url}\nlayout rules: ")
    assert "  title            0 of 3  (required)" in text


def test_check_live_alarms_when_a_required_field_goes_missing(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "site"
    shutil.copytree(SITE, broken)
    newest = feed_articles(broken)[0]
    page = broken / newest
    html = page.read_text(encoding="utf-8")
    title = expected(newest)["title"]
    assert html.count(f">{title}</h1>") == 1
    # Gone from the page and from its metadata alike: nothing could give it back.
    page.write_text(html.replace(title, ""), encoding="utf-8")
    with start_replica(broken) as mirror:
        status = run(config, "check", "--live", "--base-url", mirror.base_url, "--n", "5")
    assert status == 4
    alarms = [line for line in capsys.readouterr().out.splitlines() if line.startswith("ALARM")]
    assert len(alarms) == 1, alarms
    assert f"{SITE_ROOT}/{newest}" in alarms[0]


def test_check_without_live_is_refused(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "check") == 2
    assert "--live" in capsys.readouterr().err


def test_check_live_fails_when_the_site_cannot_be_reached(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with start_replica() as gone:
        address = gone.base_url
    assert run(config, "check", "--live", "--base-url", address) == 1
    assert "nothing to check" in capsys.readouterr().err
