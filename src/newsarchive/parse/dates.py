"""Dates as the site writes them (day first, Hanoi time) and as metadata gives them (ISO 8601),
always returned as ISO 8601 to the second in Hanoi time: `2024-03-15T16:05:00+07:00`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from ..site import HANOI

_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?!\d)")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_TIME = re.compile(r"(?<![\d/.-])(\d{1,2})\s*[:hH]\s*(\d{2})(?:\s*:\s*(\d{2}))?(?!\d)")
# Dates written out: "ngày 12 tháng 1 năm 2026", "12 January 2026", "January 12, 2026".
_WORDED_VI = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:năm|,)?\s*(\d{4})", re.I)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WORDED_DAY_FIRST = re.compile(rf"(?<!\d)(\d{{1,2}})\s+({_MONTH})\.?,?\s+(\d{{4}})", re.I)
_WORDED_MONTH_FIRST = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})", re.I)
# "(GMT+7)" on Vietnamese pages means UTC+07:00, never the POSIX reading with the sign flipped.
_GMT = re.compile(r"(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)


def to_hanoi_iso(moment: datetime) -> str:
    """A moment as ISO 8601 in Hanoi time, to the second; a naive time is taken as Hanoi time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=HANOI)
    return moment.astimezone(HANOI).replace(microsecond=0).isoformat()


def parse_iso(value: str) -> str | None:
    """An ISO 8601 timestamp from metadata; None when it is not one."""
    value = value.strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        # Forms Python's parser refuses: "+0700" offsets and a space before the offset.
        fixed = re.sub(r"\s*([+-]\d{2}):?(\d{2})$", r"\1:\2", value)
        try:
            moment = datetime.fromisoformat(fixed)
        except ValueError:
            return parse_visible(value)
    return to_hanoi_iso(moment)


def parse_visible(text: str) -> str | None:
    """A date as shown on a page: `17/01/2025 | 09:20`, `Thứ Sáu, 09:20 17/01/2025`,
    `08-11-2020 15:11`, `05/10/2025` (day first: 5 October). Seconds are :00 when not shown."""
    found = _day_month_year(text)
    if found is None:
        return None
    (day, month, year), date = found
    rest = text[: date.start()] + " " + text[date.end() :] if date else text
    time = _TIME.search(rest)
    hour, minute, second = (int(time[1]), int(time[2]), int(time[3] or 0)) if time else (0, 0, 0)
    zone = HANOI
    gmt = _GMT.search(text)
    if gmt:
        sign = 1 if gmt[1] == "+" else -1
        zone = timezone(sign * timedelta(hours=int(gmt[2]), minutes=int(gmt[3] or 0)))
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        return None
    return to_hanoi_iso(moment)


def _day_month_year(text: str) -> tuple[tuple[int, int, int], re.Match[str] | None] | None:
    """(day, month, year) of the first date the text shows, and the match to cut out of it
    before its time is looked for (None for an ISO date, which holds no time digits)."""
    date = _DATE.search(text) or _WORDED_VI.search(text)
    if date:
        return (int(date[1]), int(date[2]), int(date[3])), date
    worded = _WORDED_DAY_FIRST.search(text)
    if worded:
        return (int(worded[1]), _MONTHS[worded[2].lower()], int(worded[3])), worded
    worded = _WORDED_MONTH_FIRST.search(text)
    if worded:
        return (int(worded[2]), _MONTHS[worded[1].lower()], int(worded[3])), worded
    iso = _ISO_DATE.search(text)
    if iso:
        return (int(iso[3]), int(iso[2]), int(iso[1])), None
    return None
