"""The admission rules: eligibility, the working-day calendar and deadlines.

Every rule reads its numbers from the RuleSet in force on the date of the step it judges.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache

import holidays
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.periods import add_months

from .models import (
    DOSSIER_FORMS,
    UNION_INTRODUCED,
    Admission,
    Candidate,
    DayOff,
    DossierDocument,
    EducationLevel,
    RuleSet,
    Stage,
    StageEvent,
)

# The order of the procedure; a step can only follow the one before it.
SEQUENCE = [
    Stage.SOURCED, Stage.TRAINED, Stage.APPLIED, Stage.VERIFIED, Stage.CELL_RESOLUTION,
    Stage.COMMITTEE_RESOLUTION, Stage.DECIDED, Stage.PROBATIONARY,
]
FINAL = {Stage.FULL_MEMBER, Stage.NOT_CONFIRMED, Stage.DROPPED}
# Recording these steps files the form that records them.
STAGE_FORMS = {
    Stage.APPLIED: "1-KNĐ",
    Stage.CELL_RESOLUTION: "6-KNĐ",
    Stage.COMMITTEE_RESOLUTION: "8-KNĐ",
    Stage.DECIDED: "9-KNĐ",
    Stage.FULL_MEMBER: "13-KNĐ",
}


def next_stages(stage: str) -> list[str]:
    """The steps that may be recorded after `stage`."""
    if stage in FINAL:
        return []
    if stage == Stage.PROBATIONARY:
        return [Stage.FULL_MEMBER, Stage.NOT_CONFIRMED]
    following = [SEQUENCE[SEQUENCE.index(stage) + 1]]
    # Leaving the pipeline is possible until the admission decision.
    return following + ([Stage.DROPPED] if SEQUENCE.index(stage) < SEQUENCE.index(Stage.DECIDED) else [])


# ---- calendar ---------------------------------------------------------------------------

@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("VN", years=[year]))


def days_off(start: datetime.date, end: datetime.date) -> set[datetime.date]:
    """Public holidays (lunar Tết included) and the days an admin added, between two dates."""
    found = set(DayOff.objects.filter(date__gte=start, date__lte=end).values_list("date", flat=True))
    for year in range(start.year, end.year + 1):
        found |= {day for day in _public_holidays(year) if start <= day <= end}
    return found


class WorkingCalendar:
    """Working days (Monday to Friday, not a day off), reading each year's days off once: a list of
    deadlines then costs one query per year it spans, not one per person."""

    def __init__(self) -> None:
        self._off: dict[int, set[datetime.date]] = {}

    def is_working_day(self, day: datetime.date) -> bool:
        if day.year not in self._off:
            self._off[day.year] = days_off(datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31))
        return day.weekday() < 5 and day not in self._off[day.year]

    def add_working_days(self, start: datetime.date, count: int) -> datetime.date:
        """The `count`-th working day after `start`; the calendar's last day when it ends first (a step stored
        on 31/12/9999 must not break the pages that show its deadline)."""
        day, left = start, count
        while left > 0:
            if day == datetime.date.max:
                return day
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day


def add_working_days(start: datetime.date, count: int) -> datetime.date:
    """The `count`-th working day after `start` (Monday to Friday, not a day off)."""
    return WorkingCalendar().add_working_days(start, count)


# ---- eligibility ------------------------------------------------------------------------

def age_in_months(born: datetime.date, day: datetime.date) -> int:
    months = (day.year - born.year) * 12 + day.month - born.month
    return months - (1 if day.day < born.day else 0)


def _education_rank(level: str) -> int:
    return EducationLevel.values.index(level)


def cell_resolution_errors(
    *,
    candidate: Candidate,
    on: datetime.date,
    votes_for: int | None,
    members_total: int | None,
    approval_reference: str = "",
) -> dict[str, list[str]]:
    """Why the cell's vote on `on` cannot admit the candidate, by form field; empty when it can."""

    rules = RuleSet.in_force_on(on)
    errors: dict[str, list[str]] = {}
    months = age_in_months(candidate.date_of_birth, on)
    if months < rules.min_age_months:
        errors.setdefault("occurred_on", []).append(
            _("%(name)s is %(years)d years %(months)d months old on the day of the vote; the minimum is %(min)d years (%(rules)s).")
            % {"name": candidate.full_name, "years": months // 12, "months": months % 12,
               "min": rules.min_age_months // 12, "rules": rules.code}
        )
    if months > rules.max_age_months and not approval_reference.strip():
        errors.setdefault("approval_reference", []).append(
            _("%(name)s is over %(max)d: record the approval of the higher committee.")
            % {"name": candidate.full_name, "max": rules.max_age_months // 12}
        )
    if _education_rank(candidate.education_level) < _education_rank(rules.min_education):
        errors.setdefault("occurred_on", []).append(
            _("The minimum education is %(level)s.") % {"level": EducationLevel(rules.min_education).label}
        )
    introduction = DossierDocument.objects.filter(candidate=candidate, form_code="3-KNĐ").select_related("introducer").first()
    if introduction is None or introduction.introducer is None:
        errors.setdefault("occurred_on", []).append(_("Record the introduction by a full member (3-KNĐ) first."))
    else:
        member = introduction.introducer
        if member.full_member_on is None or add_months(member.full_member_on, rules.introducer_min_months) > introduction.received_on:
            errors.setdefault("occurred_on", []).append(
                _("%(member)s has not been a full member for %(months)d months when introducing.")
                % {"member": member.full_name, "months": rules.introducer_min_months}
            )
    if votes_for is None or not members_total:
        errors.setdefault("votes_for", []).append(_("Enter the votes in favour and the number of full members."))
    elif votes_for > members_total:
        errors.setdefault("votes_for", []).append(_("There cannot be more votes than full members."))
    elif votes_for * rules.vote_denominator < members_total * rules.vote_numerator:
        errors.setdefault("votes_for", []).append(
            _("%(votes)d of %(total)d is less than %(num)d/%(den)d of the cell's full members.")
            % {"votes": votes_for, "total": members_total, "num": rules.vote_numerator, "den": rules.vote_denominator}
        )
    return errors


# ---- checklist and deadlines ------------------------------------------------------------

@dataclass
class ChecklistItem:
    code: str
    label: str
    needed_for: str
    document: DossierDocument | None
    needed_now: bool  # due by the next step (or by a step already recorded): "missing" when not in
    due_on: datetime.date | None = None  # for a form not yet due, the day it falls due when known
    not_needed: bool = False  # the person left the pipeline: no step is coming

    @property
    def status(self) -> str:
        """"in", "missing" (due and not in), "not_yet_due" or "not_needed"."""
        if self.document is not None:
            return "in"
        if self.needed_now:
            return "missing"
        return "not_needed" if self.not_needed else "not_yet_due"


def checklist(candidate: Candidate, admission: Admission | None = None, today: datetime.date | None = None) -> list[ChecklistItem]:
    """Every form of the dossier, whether it is in, and whether it is due: the forms of the steps up to the
    next one are due ("missing" when not in), those of later steps not yet. The probation's papers
    (10- to 13-KNĐ) are written at its end: after the ceremony they fall due on the day the probation
    ends, not at once. A person who left the pipeline has no next step: nothing is due."""
    received = {doc.form_code: doc for doc in candidate.documents.all()}
    required = set(RuleSet.in_force_on(candidate.stage_date).required_forms) or set(DOSSIER_FORMS)
    upcoming = next_stages(candidate.stage)
    horizon = max([SEQUENCE.index(s) for s in upcoming if s in SEQUENCE] or [len(SEQUENCE)])
    probation_ends_on = None
    if candidate.stage == Stage.PROBATIONARY:
        admission = admission or Admission.objects.filter(candidate=candidate).first()
        probation_ends_on = admission.probation_ends_on if admission is not None else None
        today = today or timezone.localdate()
        if probation_ends_on is not None and today < probation_ends_on:
            horizon = SEQUENCE.index(Stage.PROBATIONARY)  # the ceremony's forms are due; the probation's later
    if candidate.stage == Stage.DROPPED:
        horizon = -1
    items = []
    for code, (label, stage) in DOSSIER_FORMS.items():
        if code not in required or (code == "4-KNĐ" and candidate.occupation_category not in UNION_INTRODUCED):
            continue
        position = SEQUENCE.index(stage) if stage in SEQUENCE else len(SEQUENCE)
        due = position <= horizon
        items.append(ChecklistItem(
            code, str(label), Stage(stage).label, received.get(code), due,
            probation_ends_on if not due and position == len(SEQUENCE) else None,
            not_needed=candidate.stage == Stage.DROPPED,
        ))
    return items


@dataclass
class Deadline:
    candidate: Candidate
    what: str
    due_on: datetime.date
    overdue: bool


def deadline_for(
    candidate: Candidate, events: dict[str, datetime.date], admission: Admission | None, today: datetime.date,
    rules_on=RuleSet.in_force_on, calendar: WorkingCalendar | None = None,
) -> Deadline | None:
    """The next legal deadline of a candidate, from the dates of their steps."""
    add_working_days = (calendar or WorkingCalendar()).add_working_days
    if candidate.stage in (Stage.CELL_RESOLUTION, Stage.COMMITTEE_RESOLUTION) and Stage.CELL_RESOLUTION in events:
        voted = events[Stage.CELL_RESOLUTION]
        due = add_working_days(voted, rules_on(voted).decision_within_working_days)
        what = _("Admission decision")
    elif candidate.stage == Stage.DECIDED and admission is not None:
        due = add_working_days(admission.decision_date, rules_on(admission.decision_date).ceremony_within_working_days)
        what = _("Admission ceremony")
    elif candidate.stage == Stage.PROBATIONARY and admission is not None and admission.probation_ends_on:
        rules = rules_on(admission.admitted_on)
        due = add_working_days(admission.probation_ends_on, rules.review_within_working_days)
        what = _("Full-membership review")
    else:
        return None
    return Deadline(candidate, what, due, due < today)


def deadlines(candidates, today: datetime.date, *, soon_days: int = 14) -> list[Deadline]:
    """Overdue and due-soon deadlines of these candidates, the most urgent first."""
    candidates = list(candidates.filter(stage__in=[Stage.CELL_RESOLUTION, Stage.COMMITTEE_RESOLUTION, Stage.DECIDED, Stage.PROBATIONARY]).select_related("home_cell"))
    ids = [c.pk for c in candidates]
    events: dict[int, dict[str, datetime.date]] = {}
    for candidate_id, stage, day in StageEvent.objects.filter(candidate_id__in=ids).values_list("candidate_id", "stage", "occurred_on"):
        events.setdefault(candidate_id, {})[stage] = day
    admissions = {a.candidate_id: a for a in Admission.objects.filter(candidate_id__in=ids)}
    found = []
    horizon = today + datetime.timedelta(days=soon_days)
    rules_on, calendar = RuleSet.picker(), WorkingCalendar()
    for candidate in candidates:
        deadline = deadline_for(candidate, events.get(candidate.pk, {}), admissions.get(candidate.pk), today, rules_on, calendar)
        if deadline and deadline.due_on <= horizon:
            found.append(deadline)
    return sorted(found, key=lambda d: d.due_on)
