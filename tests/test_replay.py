"""Replay: a crawl's WARC files, with pywb's index or with the crawl's own CDXJ, served by pywb
on 127.0.0.1 give the seed article back byte for byte at its archived URL and capture time."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from replica import Replica

from newsarchive.cli import run as cli

BIN = Path(sys.executable).parent
SITE = Path(__file__).resolve().parent.parent / "fixtures" / "site"
SEED = "hoai-duc-tien-gan-muc-tieu-huyen-nong-thon-moi-nang-cao.html"
SEED_URL = f"https://kinhtedothi.vn/{SEED}"


def wb_manager(root: Path, *args: str) -> None:
    subprocess.run([str(BIN / "wb-manager"), *args], cwd=root, check=True, capture_output=True)


@contextmanager
def wayback(root: Path) -> Iterator[str]:
    """pywb serving the collections under `root`, on a free port of 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(BIN / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/", timeout=2)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("pywb did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def crawled(replica: Replica, tmp_path: Path) -> tuple[Path, str]:
    """A demo crawl written to WARC: the directory, and the archive's URL."""
    (tmp_path / "config.toml").write_text("[fetch]\ndelay = 0.0\nretries = 0\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    args = ["--config", str(tmp_path / "config.toml"), "--db", db, "--base-url", replica.base_url]
    assert cli(["crawl", *args, "--warc", str(tmp_path / "warc")]) == 0
    return tmp_path / "warc", db


def test_pywb_replays_the_seed_article_byte_for_byte(
    crawled: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warc, db = crawled
    capsys.readouterr()
    # Where and when the archive says it captured the page: what a citation names.
    assert cli(["cite", "--db", db, SEED_URL, "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    captured = datetime.fromisoformat(facts["captured_at"]).astimezone(UTC)
    stamp = captured.strftime("%Y%m%d%H%M%S")
    assert Path(facts["warc"]["file"]).parent == warc

    root = tmp_path / "pywb"
    root.mkdir()
    # As docs/warc.md tells a user: pywb indexes the files it is given.
    wb_manager(root, "init", "kinhtedothi")
    wb_manager(root, "add", "kinhtedothi", *map(str, sorted(warc.glob("*.warc.gz"))))
    # And the crawl's own CDXJ index, used as it is beside the files.
    wb_manager(root, "init", "ours")
    for path in warc.iterdir():
        folder = "archive" if path.name.endswith(".warc.gz") else "indexes"
        shutil.copy(path, root / "collections" / "ours" / folder / path.name)

    expected = (SITE / SEED).read_bytes()
    with wayback(root) as base:
        for collection in ("kinhtedothi", "ours"):
            # `id_`: the payload as archived, without pywb's rewriting for display.
            answer = httpx.get(f"{base}/{collection}/{stamp}id_/{SEED_URL}", timeout=30)
            assert answer.status_code == 200, collection
            assert answer.content == expected, collection
            assert answer.headers["Memento-Datetime"] == captured.strftime(
                "%a, %d %b %Y %H:%M:%S GMT"
            )
        # The page as shown to a reader: pywb's frame around the archived page.
        shown = httpx.get(f"{base}/kinhtedothi/{stamp}/{SEED_URL}", timeout=30)
        assert shown.status_code == 200 and SEED_URL in shown.text
