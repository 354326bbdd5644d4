"""Normalisation of strings and of dates, as ARTICLE.md and SITE.md's traps require."""

import unicodedata

import pytest

from newsarchive.parse.dates import parse_iso, parse_visible
from newsarchive.parse.text import clean, clean_lines


def test_clean_gives_nfc_single_spaces_and_no_zero_width() -> None:
    decomposed = unicodedata.normalize("NFD", "Hoài Đức")
    assert decomposed != "Hoài Đức"
    assert clean(f"  {decomposed}\u00a0\u00a0 huyện\u200b\ufeff  ") == "Hoài Đức huyện"


def test_line_breaks_survive_one_per_run_and_never_at_the_ends() -> None:
    assert clean_lines("\n a \u00a0\n\n\n  b \n") == "a\nb"


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("17/01/2025 | 09:20", "2025-01-17T09:20:00+07:00"),
        ("Thứ Sáu, 09:20 17/01/2025", "2025-01-17T09:20:00+07:00"),
        ("08-11-2020 15:11", "2020-11-08T15:11:00+07:00"),
        # Day first, always: 5 October, not May 10.
        ("05/10/2025 08:00", "2025-10-05T08:00:00+07:00"),
        ("05/10/2025", "2025-10-05T00:00:00+07:00"),
        # (GMT+7) is UTC+07:00, not the POSIX reading with its sign flipped.
        ("10:30 05/10/2025 (GMT+7)", "2025-10-05T10:30:00+07:00"),
        ("10:30 05/10/2025 (GMT+0)", "2025-10-05T17:30:00+07:00"),
        # Written out, as other news templates show them.
        ("Hà Nội, ngày 12 tháng 1 năm 2026", "2026-01-12T00:00:00+07:00"),
        ("12 January 2026, 01:15 GMT+0", "2026-01-12T08:15:00+07:00"),
        ("Published Jan. 5, 2026 at 08:15", "2026-01-05T08:15:00+07:00"),
        ("không có ngày", None),
        ("31/02/2025", None),
    ],
)
def test_visible_dates_are_day_first_in_hanoi_time(shown: str, expected: str | None) -> None:
    assert parse_visible(shown) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-15T09:05:00Z", "2024-03-15T16:05:00+07:00"),
        ("2024-03-15T16:05:00+07:00", "2024-03-15T16:05:00+07:00"),
        ("2024-03-15T16:05:00+0700", "2024-03-15T16:05:00+07:00"),
        ("2024-03-15T16:05:00.123+07:00", "2024-03-15T16:05:00+07:00"),
        ("2024-03-15T16:05:00", "2024-03-15T16:05:00+07:00"),  # no zone: Hanoi time
        ("2024-03-15T11:05:00+02:00", "2024-03-15T16:05:00+07:00"),
        ("", None),
    ],
)
def test_metadata_dates_are_expressed_in_hanoi_time(value: str, expected: str | None) -> None:
    assert parse_iso(value) == expected
