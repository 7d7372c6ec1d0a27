"""Writes to candidates, classes and admissions. Views, admin, imports and commands call these."""
from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cells.models import Organization
from cells.selectors import active_on, lineage_ids, lineages_on
from tracker.periods import add_months
from tracker.services import snapshots_invalidate

from .models import (
    Admission,
    AdmissionCredit,
    AwarenessClass,
    Candidate,
    ClassAttendance,
    Stage,
    DossierDocument,
    PartyMember,
    RuleSet,
    StageEvent,
    age_on,
)
from . import dates, rules, selectors, text
from .models import ExportLog



def require_active_cell(cell: Organization, on: datetime.date | None = None) -> None:
    """A cell, active now, or on the day `on` when given: a step dated before a cell's merge or
    closing may still be recorded in it afterwards."""
    if not cell.is_cell:
        raise ValidationError(
            _("%(name)s is not a party cell: people belong to and are admitted by cells.") % {"name": cell.name}
        )
    if on is not None:
        if not active_on(cell, on):
            raise ValidationError(
                _("%(name)s is not active on %(date)s.") % {"name": cell.name, "date": on.strftime("%d/%m/%Y")}
            )
    elif not cell.is_active:
        raise ValidationError(_("%(name)s is no longer active.") % {"name": cell.name})


def cell_holding_ceremony(cell: Organization, day: datetime.date) -> Organization:
    """The cell that holds a ceremony of `cell`'s on `day`: itself, or the cell it had been merged into
    by then (followed from merge to merge). Refused when it had been closed by then."""
    seen = set()
    while not active_on(cell, day):
        if cell.merged_into_id is None or cell.deactivated_on is None or cell.deactivated_on > day or cell.pk in seen:
            require_active_cell(cell, on=day)  # raises with the reason
        seen.add(cell.pk)
        cell = cell.merged_into
    return cell


@transaction.atomic
def candidate_create(
    *,
    full_name: str,
    date_of_birth: datetime.date,
    gender: str,
    education_level: str,
    occupation_category: str,
    home_cell: Organization,
    sourced_on: datetime.date,
    acting_user: AbstractBaseUser | None = None,
    ethnicity: str = "Kinh",
    religion: str = "Không",
    national_id: str | None = None,
    source: str = "cell_plan",
    notes: str = "",
    mentors: Iterable = (),
) -> Candidate:
    """Put a person into a cell's pipeline (stage "sourced")."""
    dates.refuse({
        "date_of_birth": dates.birth_date_error(date_of_birth),
        "sourced_on": dates.step_date_error(sourced_on, born=date_of_birth),
    })
    require_active_cell(home_cell)
    candidate = Candidate(
        full_name=text.normalize_name(full_name),
        date_of_birth=date_of_birth,
        gender=gender,
        ethnicity=ethnicity,
        religion=religion,
        education_level=education_level,
        national_id=(national_id or "").strip() or None,
        occupation_category=occupation_category,
        home_cell=home_cell,
        source=source,
        stage=Stage.SOURCED,
        stage_date=sourced_on,
        notes=notes,
    )
    candidate.full_clean()  # with the text rules of candidates.text
    candidate._history_user = acting_user
    candidate.save()
    if mentors:
        candidate.mentors.set(mentors)
    StageEvent.objects.create(candidate=candidate, stage=Stage.SOURCED, occurred_on=sourced_on, recorded_by=acting_user)
    snapshots_invalidate(organization_ids=lineage_ids(home_cell))
    return candidate


EDITABLE_FIELDS = [
    "full_name", "date_of_birth", "gender", "ethnicity", "religion", "education_level", "national_id",
    "occupation_category", "home_cell", "source", "notes",
]


def birth_date_change_error(candidate: Candidate, born: datetime.date) -> str | None:
    """A date of birth in its window, and by which the person was 16 at their first recorded step."""
    error = dates.birth_date_error(born)
    if error or born == candidate.date_of_birth:
        return error
    first = candidate.stage_events.order_by("occurred_on").values_list("occurred_on", flat=True).first()
    if first is not None and dates.step_date_error(first, born=born):
        return _("The person would have been under %(years)d at their first step (%(date)s).") % {
            "years": dates.MIN_AGE_YEARS, "date": first.strftime("%d/%m/%Y"),
        }
    return None


@transaction.atomic
def candidate_update(*, candidate: Candidate, data: dict, acting_user: AbstractBaseUser | None = None) -> Candidate:
    """Change a person's identity or cell; the history keeps the previous values."""
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    dates.refuse({"date_of_birth": birth_date_change_error(candidate, data["date_of_birth"])})
    old_cell, old_gender, old_born = candidate.home_cell, candidate.gender, candidate.date_of_birth
    if data["home_cell"] != old_cell:
        require_active_cell(data["home_cell"])
    for field in EDITABLE_FIELDS:
        setattr(candidate, field, data[field])
    # full_clean checks the text rules (candidates.text) on what is stored.
    candidate.full_name = text.normalize_name(candidate.full_name)
    candidate.national_id = (candidate.national_id or "").strip() or None
    candidate.full_clean()
    candidate._history_user = acting_user
    candidate.save()
    if "mentors" in data:
        candidate.mentors.set(data["mentors"])
    if candidate.home_cell != old_cell:
        snapshots_invalidate(organization_ids=lineage_ids(old_cell) + lineage_ids(candidate.home_cell))
    if (candidate.gender, candidate.date_of_birth) != (old_gender, old_born):
        # The breakdowns count the gender and the age on the ceremony day: corrections reach past figures.
        admission_credits_rebuild(admissions=Admission.objects.filter(candidate=candidate, admitted_on__isnull=False))
    return candidate


@transaction.atomic
def candidate_advance(
    *,
    candidate: Candidate,
    stage: str,
    occurred_on: datetime.date,
    acting_user: AbstractBaseUser | None = None,
    document_number: str = "",
    note: str = "",
    votes_for: int | None = None,
    members_total: int | None = None,
    approval_reference: str = "",
) -> StageEvent:
    """Record that a candidate reached `stage` on `occurred_on`, if the procedure allows it."""
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    dates.refuse({"occurred_on": dates.step_date_error(occurred_on, born=candidate.date_of_birth)})
    if StageEvent.objects.filter(candidate=candidate, stage=stage).exists():
        raise ValidationError(
            _("The step “%(stage)s” is already recorded for %(name)s.")
            % {"stage": Stage(stage).label, "name": candidate.full_name}
        )
    if stage not in rules.next_stages(candidate.stage):
        raise ValidationError(
            _("“%(stage)s” cannot follow “%(current)s”.") % {"stage": Stage(stage).label, "current": candidate.get_stage_display()}
        )
    if occurred_on < candidate.stage_date:
        raise ValidationError(
            {"occurred_on": _("“%(stage)s” cannot be dated before the previous step (%(date)s).")
             % {"stage": Stage(stage).label, "date": candidate.stage_date.strftime("%d/%m/%Y")}}
        )
    if stage == Stage.CELL_RESOLUTION:
        errors = rules.cell_resolution_errors(
            candidate=candidate, on=occurred_on, votes_for=votes_for, members_total=members_total,
            approval_reference=approval_reference,
        )
        if errors:
            raise ValidationError(errors)
    try:
        with transaction.atomic():
            event = StageEvent.objects.create(
                candidate=candidate,
                stage=stage,
                occurred_on=occurred_on,
                document_number=document_number,
                note=note,
                votes_for=votes_for,
                members_total=members_total,
                approval_reference=approval_reference.strip(),
                recorded_by=acting_user,
            )
    except IntegrityError:
        # Another user recorded the same step a moment earlier (one_event_per_stage).
        raise ValidationError(
            _("The step “%(stage)s” is already recorded for %(name)s.")
            % {"stage": Stage(stage).label, "name": candidate.full_name}
        ) from None
    form_code = rules.STAGE_FORMS.get(stage)
    if form_code and not DossierDocument.objects.filter(candidate=candidate, form_code=form_code).exists():
        DossierDocument.objects.create(
            candidate=candidate, form_code=form_code, received_on=occurred_on, document_number=document_number,
            recorded_by=acting_user,
        )
    candidate.stage = stage
    candidate.stage_date = occurred_on
    candidate._history_user = acting_user
    candidate.save(update_fields=["stage", "stage_date", "updated_at"])
    snapshots_invalidate(organization_ids=lineage_ids(candidate.home_cell))
    return event


@transaction.atomic
def candidate_delete(*, candidate: Candidate, acting_user: AbstractBaseUser | None = None) -> None:
    """Delete a person entered by mistake (not one who was admitted: that record is kept)."""
    if Admission.objects.filter(candidate=candidate).exists():
        raise ValidationError(_("%(name)s has been admitted: the record is kept.") % {"name": candidate.full_name})
    cell = candidate.home_cell
    candidate._history_user = acting_user
    candidate.delete()
    snapshots_invalidate(organization_ids=lineage_ids(cell))


@transaction.atomic
def dossier_add(
    *,
    candidate: Candidate,
    form_code: str,
    received_on: datetime.date,
    acting_user: AbstractBaseUser | None = None,
    document_number: str = "",
    introducer: PartyMember | None = None,
    note: str = "",
) -> DossierDocument:
    """File one form of the candidate's dossier."""
    dates.refuse({"received_on": dates.step_date_error(received_on, born=candidate.date_of_birth)})
    if DossierDocument.objects.filter(candidate=candidate, form_code=form_code).exists():
        raise ValidationError({"form_code": _("This form is already in the dossier.")})
    if form_code == "3-KNĐ" and introducer is None:
        raise ValidationError({"introducer": _("Choose the full member who introduces the candidate.")})
    document = DossierDocument(
        candidate=candidate, form_code=form_code, received_on=received_on, document_number=document_number.strip(),
        introducer=introducer, note=note, recorded_by=acting_user,
    )
    document.full_clean()
    document._history_user = acting_user
    document.save()
    return document


def age_band(born: datetime.date, day: datetime.date) -> str:
    age = age_on(born, day)
    if age < 30:
        return AdmissionCredit.AgeBand.UNDER_30
    return AdmissionCredit.AgeBand.FROM_30_TO_45 if age <= 45 else AdmissionCredit.AgeBand.OVER_45


def admission_credits_rebuild(*, admissions: QuerySet[Admission] | Iterable[Admission]) -> int:
    """Credit each admission to its cell and the cell's ancestors as they stood on the ceremony day
    (`cells.models.Placement`), with the breakdown keys as they are recorded now; return rows written.

    Whatever was entered first, the ceremony or a restructuring dated before it, the credits are the
    same. Callers choose which admissions to rebuild: those a change touched.
    """
    admissions = [a for a in admissions]
    if not admissions:
        return 0
    old_credits = AdmissionCredit.objects.filter(admission__in=[a.pk for a in admissions])
    touched = set(old_credits.values_list("organization_id", flat=True))
    old_credits.delete()
    rows = admission_credits_for([a for a in admissions if a.admitted_on])
    AdmissionCredit.objects.bulk_create(rows, batch_size=2000)
    snapshots_invalidate(organization_ids=touched | {row.organization_id for row in rows})
    return len(rows)


def admission_credits_for(admissions: list[Admission]) -> list[AdmissionCredit]:
    """The credits these held admissions should have (unsaved): what the rebuild writes and
    `check_credits` compares with."""
    lineages = lineages_on({(a.cell_id, a.admitted_on) for a in admissions})
    people = {
        pk: (gender, born)
        for pk, gender, born in Candidate.objects.filter(pk__in=[a.candidate_id for a in admissions]).values_list(
            "pk", "gender", "date_of_birth"
        )
    }
    rows = []
    for a in admissions:
        gender, born = people[a.candidate_id]
        lineage = lineages[(a.cell_id, a.admitted_on)]
        keys = {
            "admitted_on": a.admitted_on,
            "category": a.occupation_category,  # the occupation at the decision
            "gender": gender,
            "age_band": age_band(born, a.admitted_on),  # the age on the ceremony day
            "sector": lineage[-1][1].sector,  # the cell's sector on the ceremony day
        }
        rows += [AdmissionCredit(admission_id=a.pk, organization_id=org_id, **keys) for org_id, _span in lineage]
    return rows


@transaction.atomic
def admission_record(
    *,
    candidate: Candidate,
    cell: Organization,
    decision_number: str,
    decision_date: datetime.date,
    admitted_on: datetime.date | None = None,
    acting_user: AbstractBaseUser | None = None,
) -> Admission:
    """Record the admission decision (9-KNĐ) and, when given, the ceremony date."""
    require_active_cell(cell, on=decision_date)
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    dates.refuse({
        "decision_date": dates.step_date_error(decision_date, born=candidate.date_of_birth),
        "admitted_on": admitted_on and dates.step_date_error(admitted_on, born=candidate.date_of_birth),
    })
    if Admission.objects.filter(candidate=candidate).exists():
        raise ValidationError(_("%(name)s has already been admitted.") % {"name": candidate.full_name})
    admission = Admission(
        candidate=candidate,
        cell=cell,
        occupation_category=candidate.occupation_category,
        decision_number=decision_number.strip(),
        decision_date=decision_date,
        recorded_by=acting_user,
    )
    admission.full_clean(exclude=["candidate"])
    admission._history_user = acting_user
    try:
        with transaction.atomic():
            admission.save()
    except IntegrityError:
        # Another user recorded the same person a moment earlier.
        raise ValidationError(_("%(name)s has already been admitted.") % {"name": candidate.full_name}) from None
    candidate_advance(
        candidate=candidate, stage=Stage.DECIDED, occurred_on=decision_date, acting_user=acting_user,
        document_number=admission.decision_number,
    )
    if admitted_on is not None:
        admission = admission_hold_ceremony(admission=admission, admitted_on=admitted_on, acting_user=acting_user)
    return admission


@transaction.atomic
def admission_hold_ceremony(
    *, admission: Admission, admitted_on: datetime.date, acting_user: AbstractBaseUser | None = None
) -> Admission:
    """Record the ceremony: from this date the person is a probationary member and counts."""
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    # Before the probation's end is worked out from it.
    dates.refuse({"admitted_on": dates.step_date_error(admitted_on, born=admission.candidate.date_of_birth)})
    if admission.admitted_on is not None:
        raise ValidationError(_("The ceremony of this admission is already recorded."))
    if admitted_on < admission.decision_date:
        raise ValidationError(_("The ceremony cannot be held before the admission decision."))
    holding = cell_holding_ceremony(admission.cell, admitted_on)
    if holding != admission.cell:
        admission.cell = holding
        admission._change_reason = f"cell merged into {holding.code} before the ceremony"
    admission.admitted_on = admitted_on
    admission.probation_ends_on = add_months(admitted_on, RuleSet.in_force_on(admitted_on).probation_months)
    admission._history_user = acting_user
    admission.save(update_fields=["cell", "admitted_on", "probation_ends_on"])
    candidate_advance(
        candidate=admission.candidate, stage=Stage.PROBATIONARY, occurred_on=admitted_on, acting_user=acting_user
    )
    admission_credits_rebuild(admissions=[admission])
    return admission


@transaction.atomic
def admission_correct(
    *,
    admission: Admission,
    admitted_on: datetime.date | None = None,
    cell: Organization | None = None,
    occupation_category: str | None = None,
    acting_user: AbstractBaseUser | None = None,
) -> Admission:
    """Correct what an admission counts by, typed wrong: its ceremony date, its admitting cell or the
    occupation at admission (only those given change). Its credits, the probation's end and the
    ceremony step follow, and the figures of every period they touch are recounted."""
    admission = Admission.objects.select_for_update().select_related("candidate").get(pk=admission.pk)
    if admitted_on is not None and admitted_on != admission.admitted_on:
        if admission.admitted_on is None:
            raise ValidationError({"admitted_on": _("Record the ceremony on the candidate page first.")})
        dates.refuse({"admitted_on": dates.step_date_error(admitted_on, born=admission.candidate.date_of_birth)})
        if admitted_on < admission.decision_date:
            raise ValidationError({"admitted_on": _("The ceremony cannot be held before the admission decision.")})
        if admission.outcome_on and admitted_on > admission.outcome_on:
            raise ValidationError({"admitted_on": _("The ceremony cannot be after the end of probation.")})
        admission.admitted_on = admitted_on
        admission.probation_ends_on = add_months(admitted_on, RuleSet.in_force_on(admitted_on).probation_months)
        for event in StageEvent.objects.filter(candidate=admission.candidate, stage=Stage.PROBATIONARY):
            event.occurred_on = admitted_on
            event._history_user = acting_user
            event.save(update_fields=["occurred_on"])
        person = admission.candidate
        if person.stage == Stage.PROBATIONARY:
            person.stage_date = admitted_on
            person._history_user = acting_user
            person._change_reason = "ceremony date corrected"
            person.save(update_fields=["stage_date", "updated_at"])
    if cell is not None and cell != admission.cell:
        try:
            require_active_cell(cell, on=admission.admitted_on or admission.decision_date)
        except ValidationError as error:
            raise ValidationError({"cell": error.messages}) from None
        admission.cell = cell
    elif admission.admitted_on is not None:
        # A ceremony moved to after its cell's merge is the merged cell's; after its closing, refused.
        try:
            admission.cell = cell_holding_ceremony(admission.cell, admission.admitted_on)
        except ValidationError as error:
            raise ValidationError({"admitted_on": error.messages}) from None
    if occupation_category is not None:
        admission.occupation_category = occupation_category
    admission.full_clean(exclude=["candidate"])
    admission._history_user = acting_user
    admission._change_reason = "corrected"
    admission.save()
    admission_credits_rebuild(admissions=[admission])
    return admission


@transaction.atomic
def admission_conclude(
    *,
    admission: Admission,
    outcome: str,
    outcome_on: datetime.date,
    decision_number: str = "",
    acting_user: AbstractBaseUser | None = None,
) -> Admission:
    """Record the end of probation: full membership, or the decision not to confirm."""
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    dates.refuse({"outcome_on": dates.step_date_error(outcome_on, born=admission.candidate.date_of_birth)})
    if admission.admitted_on is None:
        raise ValidationError(_("Record the ceremony before the end of probation."))
    if admission.outcome != Admission.Outcome.PROBATION:
        raise ValidationError(_("The outcome of this probation is already recorded."))
    if outcome not in (Admission.Outcome.FULL_MEMBER, Admission.Outcome.NOT_CONFIRMED):
        raise ValidationError(_("Choose full membership or not confirmed."))
    if outcome_on < admission.admitted_on:
        raise ValidationError(_("The outcome cannot be dated before the ceremony."))
    admission.outcome = outcome
    admission.outcome_on = outcome_on
    admission.outcome_decision_number = decision_number.strip()
    admission._history_user = acting_user
    admission.save(update_fields=["outcome", "outcome_on", "outcome_decision_number"])
    stage = Stage.FULL_MEMBER if outcome == Admission.Outcome.FULL_MEMBER else Stage.NOT_CONFIRMED
    candidate_advance(
        candidate=admission.candidate, stage=stage, occurred_on=outcome_on, acting_user=acting_user,
        document_number=admission.outcome_decision_number,
    )
    return admission


@transaction.atomic
def class_create(
    *,
    name: str,
    organizer: Organization,
    start_date: datetime.date,
    end_date: datetime.date,
    place: str = "",
    acting_user: AbstractBaseUser | None = None,
) -> AwarenessClass:
    dates.refuse({"start_date": dates.planned_date_error(start_date), "end_date": dates.planned_date_error(end_date)})
    awareness_class = AwarenessClass(
        name=name, organizer=organizer, start_date=start_date, end_date=end_date, place=place
    )
    awareness_class.full_clean()
    if end_date < start_date:
        raise ValidationError(_("The class must end on or after its first day."))
    awareness_class._history_user = acting_user
    awareness_class.save()
    return awareness_class


@transaction.atomic
def class_enroll(
    *, awareness_class: AwarenessClass, candidate: Candidate, acting_user: AbstractBaseUser | None = None
) -> ClassAttendance:
    if ClassAttendance.objects.filter(awareness_class=awareness_class, candidate=candidate).exists():
        raise ValidationError(_("%(name)s is already in this class.") % {"name": candidate.full_name})
    attendance = ClassAttendance(awareness_class=awareness_class, candidate=candidate)
    attendance._history_user = acting_user
    attendance.save()
    return attendance


@transaction.atomic
def class_unenroll(*, attendance: ClassAttendance, acting_user: AbstractBaseUser | None = None) -> None:
    """Take someone off a class's roster (enrolled by mistake, or who will not come), as long as no result
    is recorded for them: a result, "did not attend" included, is the class's record and stays. The
    attendance's history keeps who removed them and when."""
    attendance = (
        ClassAttendance.objects.select_for_update().select_related("candidate").filter(pk=attendance.pk).first()
    )
    if attendance is None:
        raise ValidationError(_("This person is no longer in the class."))
    if attendance.result != ClassAttendance.Result.PENDING or attendance.certificate_number:
        raise ValidationError(
            _("%(name)s's result is recorded (%(result)s): they stay in the class.")
            % {"name": attendance.candidate.full_name, "result": attendance.get_result_display()}
        )
    attendance._history_user = acting_user
    attendance.delete()


@transaction.atomic
def class_record_result(
    *,
    attendance: ClassAttendance,
    result: str,
    certificate_number: str = "",
    acting_user: AbstractBaseUser | None = None,
) -> ClassAttendance:
    """Record an attendee's result; passing moves the candidate to "trained"."""
    attendance = ClassAttendance.objects.select_for_update().select_related("awareness_class").get(pk=attendance.pk)
    certificate_number = certificate_number.strip()
    passed = result in ClassAttendance.PASSING_RESULTS
    if passed and not certificate_number:
        raise ValidationError({"certificate_number": _("A passing result needs its certificate number.")})
    if not passed and certificate_number:
        raise ValidationError({"certificate_number": _("Only a passing result has a certificate number.")})
    if passed and attendance.awareness_class.end_date > timezone.localdate():
        # Passing dates the step "trained" on the last day of the class, which may not be ahead of today.
        raise ValidationError(
            {"result": _("The class ends on %(date)s: record who passed from that day on.")
             % {"date": attendance.awareness_class.end_date.strftime("%d/%m/%Y")}}
        )
    attendance.result = result
    attendance.certificate_number = certificate_number
    attendance.full_clean()
    attendance._history_user = acting_user
    attendance.save(update_fields=["result", "certificate_number"])
    # Passing moves someone still at "sourced" on; a second class changes nothing.
    if passed and attendance.candidate.stage == Stage.SOURCED:
        candidate_advance(
            candidate=attendance.candidate,
            stage=Stage.TRAINED,
            occurred_on=attendance.awareness_class.end_date,
            acting_user=acting_user,
            document_number=certificate_number,
        )
    return attendance


def step_record(
    *,
    candidate: Candidate,
    stage: str,
    occurred_on: datetime.date,
    acting_user: AbstractBaseUser | None = None,
    document_number: str = "",
    **details,
) -> None:
    """Record the next step from the candidate page: the admission steps go through their own services;
    the others reach `candidate_advance` with their `details` (note, the cell's vote)."""
    if stage == Stage.DECIDED:
        if not document_number.strip():
            raise ValidationError({"document_number": _("Enter the number of the admission decision.")})
        admission_record(
            candidate=candidate, cell=selectors.cell_of_on(candidate, occurred_on), decision_number=document_number,
            decision_date=occurred_on, acting_user=acting_user,
        )
    elif stage == Stage.PROBATIONARY:
        admission = Admission.objects.filter(candidate=candidate).first()
        if admission is None:
            raise ValidationError(_("Record the admission decision first."))
        admission_hold_ceremony(admission=admission, admitted_on=occurred_on, acting_user=acting_user)
    elif stage in (Stage.FULL_MEMBER, Stage.NOT_CONFIRMED):
        outcome = Admission.Outcome.FULL_MEMBER if stage == Stage.FULL_MEMBER else Admission.Outcome.NOT_CONFIRMED
        admission_conclude(
            admission=candidate.admission, outcome=outcome, outcome_on=occurred_on,
            decision_number=document_number, acting_user=acting_user,
        )
    else:
        candidate_advance(
            candidate=candidate, stage=stage, occurred_on=occurred_on, acting_user=acting_user,
            document_number=document_number, **details,
        )


@transaction.atomic
def class_record_results(
    *,
    awareness_class: AwarenessClass,
    results: list[tuple[int, str, str]],
    roots: list[Organization],
    acting_user: AbstractBaseUser | None = None,
) -> int:
    """Record the whole results table at once: every row is valid, or nothing is saved.

    `results` holds (attendance id, result, certificate number); errors come back keyed by attendance id.
    Only the attendees whose home cell is under `roots` (the writer's staff scope) are changed: a class
    may hold people of other organizations, and the rows of those are ignored.
    """
    attendances = {a.pk: a for a in selectors.attendances_within(awareness_class, roots)}
    errors: dict[str, list] = {}
    saved = 0
    for attendance_id, result, certificate_number in results:
        attendance = attendances.get(attendance_id)
        if attendance is None:
            continue
        if attendance.result == result and attendance.certificate_number == certificate_number.strip():
            continue
        try:
            with transaction.atomic():
                class_record_result(
                    attendance=attendance, result=result, certificate_number=certificate_number, acting_user=acting_user
                )
            saved += 1
        except ValidationError as error:
            errors[str(attendance_id)] = error.messages
    if errors:
        transaction.set_rollback(True)
        raise ValidationError(errors)
    return saved


@transaction.atomic
def candidate_create_and_enroll(
    *, awareness_class: AwarenessClass, data: dict, acting_user: AbstractBaseUser | None = None
) -> ClassAttendance:
    """A new person straight into a class (the inline "add someone new" of the class page)."""
    candidate = candidate_create(
        **{field: data[field] for field in EDITABLE_FIELDS}, mentors=data.get("mentors") or (),
        sourced_on=data["sourced_on"], acting_user=acting_user,
    )
    return class_enroll(awareness_class=awareness_class, candidate=candidate, acting_user=acting_user)


def _parse_roster_line(line: str) -> tuple[str, datetime.date]:
    parts = [part.strip() for part in line.replace("\t", ";").split(";") if part.strip()]
    if len(parts) < 2:
        raise ValueError(_("write the full name and the date of birth, separated by “;”"))
    try:
        born = datetime.datetime.strptime(parts[1], "%d/%m/%Y").date()
    except ValueError:
        raise ValueError(_("“%(value)s” is not a date dd/mm/yyyy") % {"value": parts[1]}) from None
    name = text.normalize_name(parts[0])
    try:
        text.validate_name(name)
    except ValidationError as error:
        raise ValueError(" ".join(error.messages).rstrip(".")) from None
    return name, born


@transaction.atomic
def class_enroll_roster(
    *, awareness_class: AwarenessClass, roster: str, scope: QuerySet[Candidate], acting_user: AbstractBaseUser | None = None
) -> int:
    """Enrol a pasted list of people already in the records; any bad line and nothing is saved."""
    errors, chosen = [], []
    enrolled = set(awareness_class.attendances.values_list("candidate_id", flat=True))
    for number, line in enumerate(roster.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            name, born = _parse_roster_line(line)
        except ValueError as error:
            errors.append(_("Line %(n)d: %(error)s.") % {"n": number, "error": error})
            continue
        matches = text.same_name(scope.filter(date_of_birth=born), name)
        if not matches:
            errors.append(_("Line %(n)d: nobody named %(name)s born on %(born)s in your records; add them first.")
                          % {"n": number, "name": name, "born": born.strftime("%d/%m/%Y")})
        elif len(matches) > 1:
            errors.append(_("Line %(n)d: several people are named %(name)s and born on %(born)s; add them one by one.")
                          % {"n": number, "name": name, "born": born.strftime("%d/%m/%Y")})
        elif matches[0].pk not in enrolled and matches[0] not in chosen:
            chosen.append(matches[0])
    if errors:
        raise ValidationError(errors)
    for candidate in chosen:
        class_enroll(awareness_class=awareness_class, candidate=candidate, acting_user=acting_user)
    return len(chosen)


def export_log_record(*, user, kind: str, subject: str, people: int) -> ExportLog:
    """Write down one export of personal data (a workbook, a print view or a report naming people)."""
    return ExportLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        username=getattr(user, "username", "") or "",
        kind=kind,
        subject=subject[: ExportLog._meta.get_field("subject").max_length],
        people=people,
    )
