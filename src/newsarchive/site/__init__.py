"""Everything particular to kinhtedothi.vn: addresses, layouts and their selectors, labels."""

from datetime import UTC, datetime, timedelta, timezone

# The site publishes in Hanoi time: UTC+07:00, no daylight saving.
HANOI = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def hanoi_time(moment: datetime) -> str:
    """A moment as every command shows it: Hanoi time to the second with its offset, the zone
    the records' dates are in (`2026-12-07T18:51:13+07:00`); a naive moment is UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(HANOI).isoformat(timespec="seconds")
