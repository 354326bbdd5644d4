"""The revisit schedule and the scheduling settings: read from config.toml, checked by key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsarchive.config import ConfigError, RevisitRule, load_config, parse_duration
from newsarchive.runs.revisit import next_visit

NOW = datetime(2025, 12, 20, 12, 0, tzinfo=UTC)
RULES = (
    RevisitRule(timedelta(hours=1), timedelta(days=1)),
    RevisitRule(timedelta(days=1), timedelta(days=7)),
)


@pytest.mark.parametrize(
    ("age", "due_in"),
    [
        (timedelta(minutes=5), timedelta(hours=1)),
        (timedelta(hours=23), timedelta(hours=1)),
        (timedelta(days=1), timedelta(days=1)),
        (timedelta(days=6, hours=23), timedelta(days=1)),
        (timedelta(days=7), None),
        (timedelta(days=400), None),
    ],
)
def test_young_articles_are_revisited_often_old_ones_never(
    age: timedelta, due_in: timedelta | None
) -> None:
    expected = None if due_in is None else NOW + due_in
    assert next_visit(RULES, NOW - age, NOW) == expected


def test_no_rules_means_no_revisits() -> None:
    assert next_visit((), NOW, NOW) is None


def test_revisit_rules_and_durations_are_read_from_the_config(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[crawl]\nrevisit = ["30m@6h", "12h@2w", "7d@90d"]\n', encoding="utf-8")
    rules = load_config(path).crawl.revisit_rules
    assert rules == (
        RevisitRule(timedelta(minutes=30), timedelta(hours=6)),
        RevisitRule(timedelta(hours=12), timedelta(weeks=2)),
        RevisitRule(timedelta(days=7), timedelta(days=90)),
    )
    assert parse_duration("x", "90") == timedelta(seconds=90)
    assert parse_duration("x", "1.5h") == timedelta(minutes=90)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('[crawl]\nrevisit = ["1h"]\n', "crawl.revisit"),
        ('[crawl]\nrevisit = ["1h@soon"]\n', "crawl.revisit"),
        ('[crawl]\nrevisit = ["1d@7d", "1h@1d"]\n', "crawl.revisit"),
        ("[crawl]\nfailure_share = 0\n", "crawl.failure_share"),
        ("[crawl]\nfailure_window = 0\n", "crawl.failure_window"),
        ("[crawl]\nalarm_missing_share = 1.5\n", "crawl.alarm_missing_share"),
        ("[fetch]\npage_deadline = 0\n", "fetch.page_deadline"),
        ("[fetch]\nslow_response = -1\n", "fetch.slow_response"),
    ],
)
def test_a_bad_scheduling_setting_is_refused_naming_its_key(
    tmp_path: Path, text: str, names: str
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=names):
        load_config(path)
