"""`browse`: the archive in Datasette, driven by headless Chromium (Debian's `chromium` and
`chromium-driver`, no browser downloaded): search `hoai duc`, open the seed article's page and
read it as a reader sees it; and the command's refusals."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from replica import Replica
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from newsarchive.cli import run as cli
from newsarchive.store import Archive

ROOT = Path(__file__).resolve().parent.parent
# Where `make demo` points to: the seed article's page as Chromium rendered it.
SCREENSHOT = ROOT / "build" / "browse-article.png"
SEED_TITLE = "Hoài Đức tiến gần mục tiêu huyện nông thôn mới nâng cao"
SEED_CAPTION = "Nhiều tuyến đường giao thông nông thôn tại huyện Hoài Đức được đầu tư khang trang."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def archive(replica: Replica, tmp_path: Path) -> str:
    """The demo's archive: the replica crawled into SQLite."""
    (tmp_path / "config.toml").write_text("[fetch]\ndelay = 0.0\nretries = 0\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    args = ["--config", str(tmp_path / "config.toml"), "--db", db]
    assert cli(["crawl", *args, "--base-url", replica.base_url]) == 0
    return db


@pytest.fixture
def browsing(archive: str) -> Iterator[str]:
    """`newsarchive browse` running on the archive; the address it prints."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "newsarchive", "browse", "--db", archive, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert first.startswith("Browsing "), first + (
            server.stderr.read() if server.stderr else ""
        )
        address = first.split(" at ")[1].split()[0]
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(address, timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "browse did not answer"
                time.sleep(0.2)
        yield address
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def chromium() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--window-size=1280,1600",
        # Nothing but 127.0.0.1: the article's images name the real site.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ):
        options.add_argument(argument)
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not fetch a driver
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    try:
        yield driver
    finally:
        driver.quit()


def test_search_hoai_duc_then_read_the_seed_article_in_chromium(
    browsing: str, chromium: webdriver.Chrome
) -> None:
    chromium.get(browsing)
    # The articles, newest first, with their facets.
    facets = {
        element.get_attribute("data-column")
        for element in chromium.find_elements(By.CSS_SELECTOR, ".facet-info[data-column]")
    }
    assert {"category", "layout", "month", "authors"} == facets
    dates = [c.text for c in chromium.find_elements(By.CSS_SELECTOR, "td.col-published_at")]
    assert len(dates) == 25 and dates[0] == "2025-12-20T10:05:00+07:00"
    assert dates[:24] == sorted(dates[:24], reverse=True)  # dated ones newest first
    box = chromium.find_element(By.CSS_SELECTOR, "form.newsarchive-search input[name=q]")
    box.send_keys("hoai duc")
    box.submit()
    hits = chromium.find_elements(By.CSS_SELECTOR, "ol.newsarchive-hits li a")
    titles = [hit.text for hit in hits]
    assert SEED_TITLE in titles, titles
    assert all("Hoài Đức" in title or "hoai" in title.lower() for title in titles[:1])
    hits[titles.index(SEED_TITLE)].click()

    assert chromium.find_element(By.CSS_SELECTOR, "h1#title").text == SEED_TITLE
    captions = [c.text for c in chromium.find_elements(By.CSS_SELECTOR, "figure figcaption")]
    assert SEED_CAPTION in captions
    cite = chromium.find_element(By.CSS_SELECTOR, "#cite pre").text
    assert cite.startswith(f"Đức Thắng (2023) “{SEED_TITLE}”, Kinh tế & Đô thị, 26 December.")
    assert "fingerprint na1:" in cite
    SCREENSHOT.parent.mkdir(exist_ok=True)
    assert chromium.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.read_bytes().startswith(b"\x89PNG")


def test_the_canned_queries_answer(browsing: str) -> None:
    base = browsing.rsplit("/", 1)[0]
    days = httpx.get(
        f"{base}/articles_per_day.json",
        params={"since": "2025-01-25", "until": "2025-01-30", "_shape": "array"},
    ).json()
    # The replica's articles of those days: two on the 28th and 29th, one on the 27th.
    assert [(d["day"], d["articles"]) for d in days] == [
        ("2025-01-30", 0),
        ("2025-01-29", 2),
        ("2025-01-28", 2),
        ("2025-01-27", 1),
        ("2025-01-26", 0),
        ("2025-01-25", 0),
    ]
    outcomes = httpx.get(f"{base}/last_crawl.json", params={"_shape": "array"}).json()
    assert {(o["outcome"], o["status"]) for o in outcomes} == {("ok", 200), ("gone", 404)}
    changed = httpx.get(f"{base}/changed_this_week.json", params={"_shape": "array"})
    assert changed.status_code == 200 and changed.json() == []  # one crawl: nothing changed
    folded = httpx.get(
        f"{base}.json", params={"sql": "select fold('Hoài Đức') as f", "_shape": "array"}
    )
    assert folded.json() == [{"f": "hoai duc"}]
    root = base.rsplit("/", 1)[0]
    unclosed = httpx.get(f"{root}/search", params={"q": '"hoai duc'})
    assert unclosed.status_code == 400 and "message-error" in unclosed.text
    assert httpx.get(f"{root}/article/999999").status_code == 404


def test_browse_refuses_what_it_cannot_serve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(["browse", "--db", "postgresql+psycopg://127.0.0.1/test"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "copy this one to SQLite first" in err
    db = f"sqlite:///{tmp_path / 'a.db'}"
    assert cli(["browse", "--db", db]) == 1  # no archive there: none made
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no archive" in err and not (tmp_path / "a.db").exists()
    Archive.open(db).close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli(["browse", "--db", db, "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"port {port}" in err
