"""The crawl's one stream of events: what `newsarchive crawl --log-format json --warc` subscribes
to it, and a subscriber of a test's own beside them."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pytest
from crawled import crawl_config, expected_records
from replica import Replica
from warcio.archiveiterator import ArchiveIterator

from newsarchive.cli.crawl import event_hooks, json_line
from newsarchive.config import ArchiveSettings
from newsarchive.runs.crawl import Crawl
from newsarchive.runs.crawl_events import Event
from newsarchive.store import Archive
from newsarchive.warc import open_warc_writer

ARTICLES = expected_records()


def test_a_second_subscriber_hears_what_the_json_log_writes_and_warc_links_reach_the_store(
    replica: Replica, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, warc_dir = tmp_path / "a.db", tmp_path / "warc"
    config = replace(
        crawl_config(replica.base_url, db),
        archive=ArchiveSettings(warc=True, warc_dir=str(warc_dir)),
    )
    heard: list[Event] = []
    with Archive.open(config.store.url) as archive, open_warc_writer(config) as warc:
        hooks = event_hooks(json_line, warc)  # the JSON log's and the WARC writer's, as the CLI's
        hooks["fetched"].append(heard.append)
        hooks["article"].append(heard.append)
        hooks["summary"].append(heard.append)
        report = asyncio.run(Crawl(config, archive, event_hooks=hooks).run())
    assert report.exit_status == 0, report.note()

    logged = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert all("time" in event for event in logged), "a JSON log line without its time"
    wanted = ("fetched", "article", "summary")
    in_log = [
        {key: value for key, value in event.items() if key != "time"}
        for event in logged
        if event["event"] in wanted
    ]
    # Field for field and in the same order; JSON's round trip so that both are plain values.
    assert json.loads(json.dumps(heard)) == in_log, "the second subscriber heard other events"
    stored = [event for event in heard if event["event"] == "article"]
    assert sorted(event["url"] for event in stored) == sorted(ARTICLES), "articles not heard"
    assert heard[-1]["event"] == "summary" and heard[-1]["line"] == report.summary_line()
    fetched = [event for event in heard if event["event"] == "fetched"]
    assert len(fetched) >= len(ARTICLES) + 1, "fewer fetches heard than articles and a seed"

    # The WARC writer's hook linked every answered page before it was stored.
    with sqlite3.connect(db) as conn:
        links = conn.execute(
            "SELECT url, warc_file, warc_offset, warc_length, warc_record_id FROM raw_page "
            "WHERE status IS NOT NULL"
        ).fetchall()
    assert len(links) >= len(ARTICLES)
    for url, file, offset, length, record_id in links:
        assert file is not None, f"{url} stored without its WARC link"
        with Path(file).open("rb") as handle:
            handle.seek(offset)
            [(found_id, target)] = [
                (
                    r.rec_headers.get_header("WARC-Record-ID"),
                    r.rec_headers.get_header("WARC-Target-URI"),
                )
                for r in ArchiveIterator(BytesIO(handle.read(length)))
            ]
        assert (found_id, target) == (record_id, url), f"{url}'s link names another record"
