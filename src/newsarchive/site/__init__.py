"""What newsarchive knows of kinhtedothi.vn, in one place: addresses, layouts, selectors, labels."""

from datetime import UTC, datetime, timedelta, timezone

# The newspaper's name, as citations give it.
NEWSPAPER = "Kinh tế & Đô thị"
# The site publishes in Hanoi time: UTC+07:00, no daylight saving.
HANOI = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def hanoi_time(moment: datetime, *, exact: bool = False) -> str:
    """A moment as every command shows it: Hanoi time with its offset, the zone the records'
    dates are in; to the second for people (`2026-12-07T18:51:13+07:00`), to the microsecond
    as stored where `exact` (JSON, which scripts compare); a naive moment is UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(HANOI).isoformat(timespec="microseconds" if exact else "seconds")
