"""The windows a person's dates must fall in, checked by the forms (a message next to the field) and
again by the services, so that the admin, imports, commands and tasks are held to them too.

- date of birth: from 01/01/1900 to 16 years before today;
- a step of the procedure (sourced, a step, a dossier form, the decision, the ceremony, the end of
  probation): not before the person turned 16, not after today;
- an awareness class's dates may be planned: cells.dates.planned_date_error.
"""
from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from cells.dates import format_day, planned_date_error, refuse, years_after

__all__ = ["birth_date_error", "step_date_error", "planned_date_error", "refuse", "years_after"]

EARLIEST_BIRTH = datetime.date(1900, 1, 1)
# Nobody is sourced, trained or admitted younger (the admission itself needs 18, counted at the vote).
MIN_AGE_YEARS = 16


def birth_window(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    today = today or timezone.localdate()
    return EARLIEST_BIRTH, years_after(today, -MIN_AGE_YEARS)


def birth_date_error(day: datetime.date, today: datetime.date | None = None) -> str | None:
    """Why `day` cannot be a date of birth, or None."""
    start, end = birth_window(today)
    if start <= day <= end:
        return None
    return _("Enter a date of birth between %(start)s and %(end)s (at least %(years)d years ago).") % {
        "start": format_day(start), "end": format_day(end), "years": MIN_AGE_YEARS,
    }


def step_window(born: datetime.date | None, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """First and last day a step of this person can be dated (`born` None: not known yet)."""
    today = today or timezone.localdate()
    return years_after(born or EARLIEST_BIRTH, MIN_AGE_YEARS), today


def step_date_error(
    day: datetime.date, *, born: datetime.date | None, today: datetime.date | None = None
) -> str | None:
    """Why `day` cannot date a step of a person born on `born`, or None."""
    start, end = step_window(born, today)
    if start <= day <= end:
        return None
    if day > end:
        return _("This date is after today (%(today)s): record a step once it has happened.") % {"today": format_day(end)}
    return _("This date is before %(start)s, when the person turned %(years)d.") % {
        "start": format_day(start), "years": MIN_AGE_YEARS,
    }
