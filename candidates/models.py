from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cells.models import Organization


def age_on(born: datetime.date, day: datetime.date) -> int:
    """Age in whole years on `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class OccupationCategory(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    HIGH_SCHOOL_STUDENT = "high_school_student", _("High-school student")
    UNIVERSITY_STUDENT = "university_student", _("University student")
    RESIDENT = "resident", _("Resident of the locality")
    YOUTH_UNION = "youth_union", _("Youth-union member")
    ENLISTING_SOLDIER = "enlisting_soldier", _("Soldier about to enlist")
    DISCHARGED_SOLDIER = "discharged_soldier", _("Discharged soldier")
    ARMED_FORCES = "armed_forces", _("Serving in the armed forces")
    ENTERPRISE_WORKER = "enterprise_worker", _("Enterprise worker")
    CIVIL_SERVANT = "civil_servant", _("Civil servant")
    OTHER = "other", _("Other")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class EducationLevel(models.TextChoices):
    PRIMARY = "primary", _("Primary school")
    LOWER_SECONDARY = "lower_secondary", _("Lower-secondary school")
    UPPER_SECONDARY = "upper_secondary", _("Upper-secondary school")
    VOCATIONAL = "vocational", _("Vocational school")
    COLLEGE = "college", _("College")
    UNIVERSITY = "university", _("University")
    POSTGRADUATE = "postgraduate", _("Postgraduate")


class Source(models.TextChoices):
    CELL_PLAN = "cell_plan", _("Cell's sourcing plan")
    YOUTH_UNION = "youth_union", _("Introduced by the Youth Union")
    TRADE_UNION = "trade_union", _("Introduced by the trade union")
    SCHOOL = "school", _("School")
    MILITARY = "military", _("Military service")
    SELF = "self", _("Own application")
    OTHER = "other", _("Other")


class Stage(models.TextChoices):
    """Where a person stands in the pipeline, in procedural order."""

    SOURCED = "sourced", _("Sourced")
    TRAINED = "trained", _("Awareness class passed")
    APPLIED = "applied", _("Applied")
    VERIFIED = "verified", _("Personal history verified")
    CELL_RESOLUTION = "cell_resolution", _("Cell resolution")
    COMMITTEE_RESOLUTION = "committee_resolution", _("Committee resolution")
    DECIDED = "decided", _("Admission decided")
    PROBATIONARY = "probationary", _("Probationary member")
    FULL_MEMBER = "full_member", _("Full member")
    NOT_CONFIRMED = "not_confirmed", _("Not confirmed")
    DROPPED = "dropped", _("Left the pipeline")


# Stages that still count as "in the pipeline" (not yet admitted, not dropped).
PIPELINE_STAGES = [
    Stage.SOURCED,
    Stage.TRAINED,
    Stage.APPLIED,
    Stage.VERIFIED,
    Stage.CELL_RESOLUTION,
    Stage.COMMITTEE_RESOLUTION,
    Stage.DECIDED,
]


class PartyMember(models.Model):
    """An existing party member who mentors or introduces candidates."""

    full_name = models.CharField(_("full name"), max_length=120)
    organization = models.ForeignKey(
        Organization, verbose_name=_("party cell"), on_delete=models.PROTECT, related_name="members"
    )
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True)
    full_member_on = models.DateField(_("full member since"), null=True, blank=True)
    card_number = models.CharField(_("party card number"), max_length=32, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name


class Candidate(models.Model):
    """An outstanding person (quần chúng ưu tú) followed from sourcing to full membership."""

    full_name = models.CharField(_("full name"), max_length=120)
    date_of_birth = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=40, default="Kinh")
    religion = models.CharField(_("religion"), max_length=40, default="Không")
    education_level = models.CharField(_("education level"), max_length=24, choices=EducationLevel.choices)
    national_id = models.CharField(
        _("national ID number"),
        max_length=12,
        null=True,
        blank=True,
        unique=True,
        help_text=_("12 digits on the citizen identity card; leave empty if unknown."),
    )
    occupation_category = models.CharField(
        _("occupation category"), max_length=24, choices=OccupationCategory.choices
    )
    home_cell = models.ForeignKey(
        Organization, verbose_name=_("home cell"), on_delete=models.PROTECT, related_name="candidates"
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.CELL_PLAN)
    mentors = models.ManyToManyField(PartyMember, verbose_name=_("mentors"), blank=True, related_name="mentees")
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices, default=Stage.SOURCED)
    stage_date = models.DateField(_("stage date"))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[mentors])

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["full_name", "date_of_birth"]
        indexes = [models.Index(fields=["stage", "home_cell"])]

    def __str__(self) -> str:
        return self.full_name

    def age_on(self, day: datetime.date) -> int:
        return age_on(self.date_of_birth, day)


class StageEvent(models.Model):
    """The dated record of one step a candidate went through, and who recorded it."""

    candidate = models.ForeignKey(
        Candidate, verbose_name=_("candidate"), on_delete=models.CASCADE, related_name="stage_events"
    )
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices)
    occurred_on = models.DateField(_("date"))
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stage event")
        verbose_name_plural = _("stage events")
        ordering = ["candidate", "occurred_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "stage"], name="one_event_per_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate}: {self.get_stage_display()} ({self.occurred_on:%d/%m/%Y})"


class AwarenessClass(models.Model):
    """A class on awareness of the Party (lớp bồi dưỡng nhận thức về Đảng)."""

    name = models.CharField(_("name"), max_length=200)
    organizer = models.ForeignKey(
        Organization, verbose_name=_("organizing committee"), on_delete=models.PROTECT, related_name="classes"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    attendees = models.ManyToManyField(
        Candidate, through="ClassAttendance", verbose_name=_("attendees"), related_name="classes"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("awareness class")
        verbose_name_plural = _("awareness classes")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="class_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_date:%d/%m/%Y})"


class ClassAttendance(models.Model):
    class Result(models.TextChoices):
        PENDING = "pending", _("Not graded yet")
        EXCELLENT = "excellent", _("Excellent")
        GOOD = "good", _("Good")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")
        ABSENT = "absent", _("Did not attend")

    PASSING_RESULTS = {Result.EXCELLENT, Result.GOOD, Result.PASSED}

    awareness_class = models.ForeignKey(
        AwarenessClass, verbose_name=_("awareness class"), on_delete=models.CASCADE, related_name="attendances"
    )
    candidate = models.ForeignKey(
        Candidate, verbose_name=_("candidate"), on_delete=models.CASCADE, related_name="attendances"
    )
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, default=Result.PENDING)
    certificate_number = models.CharField(_("certificate number"), max_length=32, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("class attendance")
        verbose_name_plural = _("class attendances")
        constraints = [
            models.UniqueConstraint(fields=["awareness_class", "candidate"], name="attend_a_class_once"),
            models.UniqueConstraint(
                fields=["awareness_class", "certificate_number"],
                condition=~Q(certificate_number=""),
                name="certificate_number_unique_in_class",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} – {self.awareness_class}"

    @property
    def passed(self) -> bool:
        return self.result in self.PASSING_RESULTS


class Admission(models.Model):
    """The admission of one person into the Party (kết nạp).

    The ceremony date is the admission date: an admission counts towards targets from then.
    """

    class Outcome(models.TextChoices):
        PROBATION = "probation", _("On probation")
        FULL_MEMBER = "full_member", _("Full member")
        NOT_CONFIRMED = "not_confirmed", _("Not confirmed")

    candidate = models.OneToOneField(
        Candidate, verbose_name=_("person"), on_delete=models.PROTECT, related_name="admission"
    )
    cell = models.ForeignKey(
        Organization, verbose_name=_("admitting cell"), on_delete=models.PROTECT, related_name="admissions"
    )
    # Copied at admission time: the reports count what the person was then, not what they became.
    occupation_category = models.CharField(
        _("occupation category at admission"), max_length=24, choices=OccupationCategory.choices
    )
    decision_number = models.CharField(_("decision number"), max_length=64)
    decision_date = models.DateField(_("decision date"))
    admitted_on = models.DateField(_("ceremony date (admission date)"), null=True, blank=True)
    probation_ends_on = models.DateField(_("end of probation"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PROBATION)
    outcome_on = models.DateField(_("outcome date"), null=True, blank=True)
    outcome_decision_number = models.CharField(_("outcome decision number"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("admission")
        verbose_name_plural = _("admissions")
        ordering = ["-admitted_on", "-decision_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(admitted_on__isnull=True) | Q(admitted_on__gte=models.F("decision_date")),
                name="ceremony_not_before_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} – {self.decision_number}"


class AdmissionCredit(models.Model):
    """One row per organization an admission counts for: its cell and every ancestor.

    Written when the ceremony is recorded, from the tree as it stood then, so that
    figures for a past period survive later moves, merges and dissolutions.
    """

    class AgeBand(models.TextChoices):
        UNDER_30 = "under_30", _("Under 30")
        FROM_30_TO_45 = "30_45", _("30 to 45")
        OVER_45 = "over_45", _("Over 45")

    admission = models.ForeignKey(Admission, on_delete=models.CASCADE, related_name="credits")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="admission_credits")
    admitted_on = models.DateField()
    # The breakdown keys, fixed at the ceremony, so that every breakdown is one GROUP BY.
    category = models.CharField(max_length=24, choices=OccupationCategory.choices)
    gender = models.CharField(max_length=8, choices=Gender.choices)
    age_band = models.CharField(max_length=8, choices=AgeBand.choices)
    sector = models.CharField(max_length=32, choices=Organization.Sector.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["admission", "organization"], name="credit_an_organization_once"),
        ]
        indexes = [models.Index(fields=["organization", "admitted_on"])]

    def __str__(self) -> str:
        return f"{self.admission} → {self.organization}"
