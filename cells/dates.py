"""The window a planned date must fall in, and the date arithmetic the windows need.

Dates accept 01/01/0001–31/12/9999: a slip of the keyboard (2206 for 2026) would otherwise be
stored, and a date beyond the calendar's end once broke every page that showed its person. A
restructuring may be planned ahead (decided in December, effective on 1 January), so its
effective date may be up to a year after today; nothing in the tree is older than the Party.
The person's own windows (birth, steps) are in candidates/dates.py.
"""
from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

EARLIEST_PLANNED = datetime.date(1930, 1, 1)
PLANNING_YEARS = 1


def years_after(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` later (or earlier with a negative count); 28 February for a 29 February
    that year lacks; the calendar's first or last day past its ends, so that a stored date never raises."""
    year = day.year + years
    if year > datetime.MAXYEAR:
        return datetime.date.max
    if year < datetime.MINYEAR:
        return datetime.date.min
    if (day.month, day.day) == (2, 29):
        try:
            return day.replace(year=year)
        except ValueError:
            return day.replace(year=year, day=28)
    return day.replace(year=year)


def format_day(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def planned_window(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """First and last day a date that may be planned ahead can take."""
    today = today or timezone.localdate()
    return EARLIEST_PLANNED, years_after(today, PLANNING_YEARS)


def planned_date_error(day: datetime.date, today: datetime.date | None = None) -> str | None:
    """Why `day` cannot be a planned date (a class's dates, a restructuring's effective date), or None."""
    start, end = planned_window(today)
    if start <= day <= end:
        return None
    return _("Enter a date between %(start)s and %(end)s (at most a year from today).") % {
        "start": format_day(start), "end": format_day(end),
    }


def refuse(errors: dict[str, str | None]) -> None:
    """Raise the messages found, by field, as one ValidationError (none found: nothing happens)."""
    found = {field: [message] for field, message in errors.items() if message}
    if found:
        raise ValidationError(found)
