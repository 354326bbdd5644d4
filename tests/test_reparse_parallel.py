"""`reparse` over an archive large enough for its reading processes: the same records as one
process reads, a stop and a resume that together read every article once, progress as it goes,
and the archive readable all along."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import Replica  # noqa: E402
from newsarchive.cli import run as cli  # noqa: E402
from newsarchive.runs import reparse as rereading  # noqa: E402
from newsarchive.store import Archive, Fetched, RawPage  # noqa: E402

ARTICLES = 4 * rereading.PARALLEL_FROM  # more chunks than two processes take ahead
SPOILED = (3, 150, 390)  # articles whose stored title the test spoils


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive of generated articles of real size, each with its page."""
    db = tmp_path_factory.mktemp("parallel") / "pristine.db"
    site = Replica(ARTICLES, seed=5)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    fetched = []
    for i in range(ARTICLES):
        article = site.article(i)
        raw = RawPage(
            url=article.url,
            fetch_url=article.url,
            final_url=article.url,
            status=200,
            outcome="ok",
            headers=(("content-type", "text/html; charset=utf-8"),),
            body=site.page(i),
            fetched_at=start + timedelta(seconds=i),
        )
        fetched.append(Fetched(raw, article, "article"))
    with Archive.open(f"sqlite:///{db}") as archive:
        archive.record_fetches(fetched)
    return db


@pytest.fixture
def spoiled(pristine: Path, tmp_path: Path) -> Path:
    """A copy of the archive where a few stored titles are not what their pages say."""
    db = tmp_path / "a.db"
    with sqlite3.connect(pristine) as source, sqlite3.connect(db) as target:
        source.backup(target)
    with sqlite3.connect(db) as conn:
        for row in SPOILED:
            conn.execute(
                "UPDATE article SET title = 'spoiled', content_hash = 'x' WHERE id = ?", (row + 1,)
            )
    return db


def titles(db: Path) -> dict[int, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT id, title FROM article"))


def test_processes_rewrite_exactly_the_records_one_process_rewrites(
    pristine: Path, spoiled: Path
) -> None:
    with Archive.open(f"sqlite:///{spoiled}") as archive:
        report = rereading.reparse(archive, workers=2)
    assert (report.considered, report.changed, report.stopped) == (ARTICLES, len(SPOILED), False)
    assert report.fields == {"title": len(SPOILED)}
    assert not report.refused and not report.not_articles
    assert titles(spoiled) == titles(pristine)
    with sqlite3.connect(spoiled) as conn:
        hashes = dict(conn.execute("SELECT id, content_hash FROM article"))
    with sqlite3.connect(pristine) as conn:
        assert hashes == dict(conn.execute("SELECT id, content_hash FROM article"))
    with Archive.open(f"sqlite:///{spoiled}") as archive:
        again = rereading.reparse(archive, workers=2)
        assert (again.considered, again.changed, again.resumed_after) == (ARTICLES, 0, 0)
        # The full-text index followed the rewritten titles.
        assert archive.search("spoiled") == [], "the index still holds the spoiled titles"


def test_a_stopped_reparse_goes_on_where_it_stopped(spoiled: Path) -> None:
    seen: list[int] = []
    with Archive.open(f"sqlite:///{spoiled}") as archive:
        first = rereading.reparse(
            archive,
            workers=2,
            progress=lambda report, total: seen.append(report.considered),
            stop=lambda: bool(seen),
        )
        assert first.stopped, "the stop asked for was not heeded"
        assert 0 < first.considered < ARTICLES
        assert seen == sorted(seen), "progress went backwards"
        assert seen[-1] == first.considered, "the last progress is not where it stopped"
        second = rereading.reparse(archive, workers=2)
    assert not second.stopped, "stopped though no stop was asked for"
    assert second.resumed_after == first.considered
    assert second.considered == ARTICLES  # every article read once over the two runs
    assert second.changed == len(SPOILED)
    assert "spoiled" not in titles(spoiled).values()
    with Archive.open(f"sqlite:///{spoiled}") as archive:
        # Done: the next re-parse starts from the first article again.
        assert rereading.reparse(archive, workers=0).resumed_after == 0


def test_progress_counts_up_to_every_article_chosen(spoiled: Path) -> None:
    calls: list[tuple[int, int]] = []
    with Archive.open(f"sqlite:///{spoiled}") as archive:
        rereading.reparse(
            archive,
            workers=2,
            progress=lambda report, total: calls.append((report.considered, total)),
        )
    assert {total for _, total in calls} == {ARTICLES}
    counts = [read for read, _ in calls]
    assert counts == sorted(set(counts)) and counts[-1] == ARTICLES
    assert len(counts) == -(-ARTICLES // rereading.CHUNK)


def test_the_archive_answers_reads_while_a_reparse_writes(spoiled: Path) -> None:
    url = f"sqlite:///{spoiled}"
    finished = threading.Event()
    answers: list[int] = []
    failures: list[BaseException] = []

    def keep_reading() -> None:
        with Archive.open(url) as reader:
            while not finished.is_set():
                try:
                    answers.append(len(reader.search("Hà Nội", limit=5)))
                    assert reader.get_article(1) is not None
                except BaseException as exc:
                    failures.append(exc)
                    return

    thread = threading.Thread(target=keep_reading)
    thread.start()
    try:
        with Archive.open(url) as archive:
            rereading.reparse(archive, workers=2)
    finally:
        finished.set()
        thread.join()
    assert failures == [], "reads failed while the reparse wrote"
    assert answers, "no read got through during the reparse"
    assert set(answers) == {5}, "a read saw other than the five articles"


def test_reparse_refuses_a_negative_number_of_workers(
    spoiled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(["reparse", "--db", f"sqlite:///{spoiled}", "--workers", "-1"]) == 2
    assert "--workers" in capsys.readouterr().err


def test_ctrl_c_stops_the_command_cleanly_and_running_it_again_goes_on(spoiled: Path) -> None:
    command = [sys.executable, "-m", "newsarchive", "reparse", "--db", f"sqlite:///{spoiled}"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        with sqlite3.connect(spoiled, timeout=30) as conn:
            found = conn.execute("SELECT max(done_through) FROM reparse_run").fetchone()
        if found and found[0]:  # the first chunk is written: stop it there
            process.send_signal(signal.SIGINT)
            break
        time.sleep(0.01)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "stopped before the end" in err
    first = int(out.split()[3])  # "changed N of M"
    assert 0 < first < ARTICLES
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"went on from a re-parse stopped after {first} articles" in again.stderr
    assert again.stdout.splitlines()[0] == f"changed {len(SPOILED)} of {ARTICLES}"
