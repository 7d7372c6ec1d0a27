"""Periods the figures are computed for: a calendar year ("2023") or a term ("2020-2025")."""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cells.models import Term

_YEAR = re.compile(r"^\d{4}$")
_TERM = re.compile(r"^(\d{4})\s*[-–]\s*(\d{4})$")


class PeriodError(ValueError):
    """The period key is malformed or names no known term; the message is for the user."""


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: datetime.date
    end: datetime.date
    year: int | None = None
    term: Term | None = None

    @property
    def is_term(self) -> bool:
        return self.term is not None

    @property
    def target_lookup(self) -> dict:
        """How a Target of this period is found: by its year or by its term."""
        return {"year": self.year} if self.year else {"term": self.term}

    def elapsed_days(self, today: datetime.date) -> tuple[int, int]:
        """(days gone by at the end of `today`, days in the period): 0 before it starts, all after."""
        total = (self.end - self.start).days + 1
        if today < self.start:
            return 0, total
        if today >= self.end:
            return total, total
        return (today - self.start).days + 1, total

    def elapsed_fraction(self, today: datetime.date) -> float:
        """Share of the period gone by at the end of `today` (0 before it starts, 1 after)."""
        elapsed, total = self.elapsed_days(today)
        return elapsed / total

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def has_ended(self, today: datetime.date) -> bool:
        """Over by `today`: such a period forecasts nothing and raises no source-gap alert."""
        return today > self.end


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (or earlier), or the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    # Past the calendar's ends (from a date stored as 31/12/9999): its last or first day, never an error.
    if year > datetime.MAXYEAR:
        return datetime.date.max
    if year < datetime.MINYEAR:
        return datetime.date.min
    # 29 February plus a year is 28 February.
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def year_period(year: int) -> Period:
    return Period(
        key=str(year), label=str(year), start=datetime.date(year, 1, 1), end=datetime.date(year, 12, 31), year=year
    )


def term_period(term: Term) -> Period:
    return Period(key=term.key, label=term.label, start=term.start_date, end=term.end_date, term=term)


def parse_period(key: str) -> Period:
    """Turn "2023" or "2020-2025" into a Period; raise PeriodError with a message for the user."""
    key = (key or "").strip()
    if _YEAR.match(key):
        year = int(key)
        if not 1930 <= year <= 2100:
            raise PeriodError(_("The year must be between 1930 and 2100."))
        return year_period(year)
    match = _TERM.match(key)
    if match:
        start_year, end_year = int(match.group(1)), int(match.group(2))
        term = Term.objects.filter(start_date__year=start_year, end_date__year=end_year).first()
        if term is None:
            raise PeriodError(_("There is no term %(start)d–%(end)d.") % {"start": start_year, "end": end_year})
        return term_period(term)
    raise PeriodError(_("Unknown period “%(key)s”: use a year such as 2023 or a term such as 2020-2025.") % {"key": key})


# The first year counted when no term says otherwise (the demo's and the synthetic country's first).
FIRST_YEAR = 2020


def years_shown(today: datetime.date, terms: list[Term] | None = None) -> range:
    """The years a page, the API or the targets table may be asked for: from the first term's start
    (2020 without a term) to next year. Every year asked for is counted and stored, and changes keep it
    counted: 60 requests for 2040–2099 were 60 more periods to recount for ever.

    `terms`: every term, when the caller has read them already (a page's period picker)."""
    if terms is None:
        first_term_start = Term.objects.order_by("start_date").values_list("start_date", flat=True).first()
    else:
        first_term_start = min((term.start_date for term in terms), default=None)
    first = min(first_term_start.year if first_term_start else FIRST_YEAR, today.year)
    return range(first, today.year + 2)


def parse_period_shown(key: str, today: datetime.date, terms: list[Term] | None = None) -> Period:
    """`parse_period` for what a user asks for: a term that exists, or a year of `years_shown`."""
    period = parse_period(key)
    years = years_shown(today, terms)
    if period.year is not None and period.year not in years:
        raise PeriodError(_("Choose a year from %(first)d to %(last)d.") % {"first": years[0], "last": years[-1]})
    return period


def current_year(today: datetime.date) -> Period:
    return year_period(today.year)


def current_term(today: datetime.date) -> Period | None:
    term = Term.containing(today)
    return term_period(term) if term else None


def month_end(month: datetime.date) -> datetime.date:
    """The last day of the month `month` falls in."""
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)
