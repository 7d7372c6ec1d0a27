from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cells.models import Organization

from .text import sort_key, validate_name, validate_national_id


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


class SortedByName(models.Model):
    """A person listed in the order Vietnamese readers expect: by given name, then family and middle names
    (candidates.text.sort_key), kept in `sort_name`, written with the name on every save. Every list and export
    orders by it, on SQLite and PostgreSQL alike."""

    sort_name = models.CharField(_("sort key"), max_length=1400, default="", editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.sort_name = sort_key(self.full_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "sort_name"}
        super().save(*args, **kwargs)


def _sort_key_of_loaded_data(sender, instance, raw=False, **kwargs):
    """loaddata saves without calling save(): a dump taken before sort keys existed gets them."""
    if raw and isinstance(instance, SortedByName):
        instance.sort_name = sort_key(instance.full_name)


models.signals.pre_save.connect(_sort_key_of_loaded_data, dispatch_uid="candidates_sort_key_of_loaded_data")


class PartyMember(SortedByName):
    """An existing party member who mentors or introduces candidates."""

    full_name = models.CharField(_("full name"), max_length=120, validators=[validate_name])
    organization = models.ForeignKey(
        Organization, verbose_name=_("party cell"), on_delete=models.PROTECT, related_name="members"
    )
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True)
    full_member_on = models.DateField(_("full member since"), null=True, blank=True)
    card_number = models.CharField(_("party card number"), max_length=32, blank=True)

    history = HistoricalRecords(excluded_fields=["sort_name"])

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["sort_name", "pk"]

    def __str__(self) -> str:
        return self.full_name


class Candidate(SortedByName):
    """An outstanding person (quần chúng ưu tú) followed from sourcing to full membership."""

    full_name = models.CharField(_("full name"), max_length=120, validators=[validate_name])
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
        validators=[validate_national_id],
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

    history = HistoricalRecords(m2m_fields=[mentors], excluded_fields=["sort_name"])

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["sort_name", "pk"]
        indexes = [
            models.Index(fields=["stage", "home_cell"]),
            models.Index(fields=["sort_name", "id"], name="candidate_name_order"),  # the lists' order
        ]

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
    # The cell's vote, for the cell resolution (6-KNĐ).
    votes_for = models.PositiveSmallIntegerField(_("votes in favour"), null=True, blank=True)
    members_total = models.PositiveSmallIntegerField(_("full members of the cell"), null=True, blank=True)
    approval_reference = models.CharField(
        _("higher committee's approval"), max_length=120, blank=True,
        help_text=_("Needed for a candidate over the age limit."),
    )
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

    # No index of their own: the unique constraint leads with the admission, credit_by_organization_day
    # with the organization (a country's five years: 103 MB of indexes less, written with every credit).
    admission = models.ForeignKey(
        Admission, verbose_name=_("admission"), on_delete=models.CASCADE, related_name="credits", db_index=False
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="admission_credits",
        db_index=False,
    )
    admitted_on = models.DateField(_("ceremony date (admission date)"))
    # The breakdown keys, fixed at the ceremony, so that every breakdown is one GROUP BY.
    category = models.CharField(_("occupation category at admission"), max_length=24, choices=OccupationCategory.choices)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    age_band = models.CharField(_("age at admission"), max_length=8, choices=AgeBand.choices)
    sector = models.CharField(_("sector"), max_length=32, choices=Organization.Sector.choices)

    class Meta:
        verbose_name = _("admission credit")
        verbose_name_plural = _("admission credits")
        constraints = [
            models.UniqueConstraint(fields=["admission", "organization"], name="credit_an_organization_once"),
        ]
        indexes = [
            # Covering (on PostgreSQL): an organization's figures are read from the index alone.
            models.Index(
                fields=["organization", "admitted_on"], include=["category", "gender", "age_band", "sector"],
                name="credit_by_organization_day",
            ),
            # The nightly check counts one period's credits of every organization. Read from the index
            # above, or the table, it read every year's (5 million rows for a country's five years, a
            # million more each year) to keep one year's; 3.26 → 3.00 s of a night (bench/README.md).
            models.Index(
                fields=["admitted_on"], include=["organization", "category", "gender", "age_band", "sector"],
                name="credits_of_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.admission} → {self.organization}"


# The dossier forms of the admission procedure (Hướng dẫn 06-HD/TW), and the step each is needed for.
DOSSIER_FORMS = {
    "1-KNĐ": (_("Application to join the Party"), Stage.APPLIED),
    "2-KNĐ": (_("Personal history"), Stage.VERIFIED),
    "3-KNĐ": (_("Introduction by a full member"), Stage.CELL_RESOLUTION),
    "4-KNĐ": (_("Youth Union or trade union resolution"), Stage.CELL_RESOLUTION),
    "5-KNĐ": (_("Summary of opinions"), Stage.CELL_RESOLUTION),
    "6-KNĐ": (_("Cell resolution"), Stage.CELL_RESOLUTION),
    "8-KNĐ": (_("Grassroots committee resolution"), Stage.COMMITTEE_RESOLUTION),
    "9-KNĐ": (_("Admission decision"), Stage.DECIDED),
    "10-KNĐ": (_("Self-assessment of the probationary member"), Stage.FULL_MEMBER),
    "11-KNĐ": (_("Mentor's assessment"), Stage.FULL_MEMBER),
    "12-KNĐ": (_("Summary of opinions on the probation"), Stage.FULL_MEMBER),
    "13-KNĐ": (_("Cell resolution on full membership"), Stage.FULL_MEMBER),
}
# Introduced by their organization rather than only by a member ("where relevant").
UNION_INTRODUCED = {"youth_union", "high_school_student", "university_student"}


# The rule sets the app starts with (migration 0003 writes the same), oldest first.
DEFAULT_RULE_SETS = [
    ("29-QĐ/TW", "Quy định 29-QĐ/TW thi hành Điều lệ Đảng", datetime.date(2016, 7, 25)),
    ("24-QĐ/TW", "Quy định 24-QĐ/TW thi hành Điều lệ Đảng", datetime.date(2021, 7, 30)),
    ("232-QĐ/TW", "Quy định 232-QĐ/TW thi hành Điều lệ Đảng", datetime.date(2025, 1, 20)),
    ("294-QĐ/TW", "Quy định 294-QĐ/TW thi hành Điều lệ Đảng", datetime.date(2025, 7, 1)),
]


class RuleSet(models.Model):
    """The admission rules in force from a date (Quy định 24-QĐ/TW, 232-QĐ/TW, 294-QĐ/TW, …).

    A step is judged by the rule set in force on the step's date; admins add a new one when
    the Party changes the rules, without a code change.
    """

    code = models.CharField(_("regulation"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    valid_from = models.DateField(_("in force from"), unique=True)
    min_age_months = models.PositiveIntegerField(_("minimum age (months)"), default=18 * 12)
    max_age_months = models.PositiveIntegerField(
        _("maximum age without approval (months)"), default=60 * 12,
        help_text=_("Older candidates need the approval of a higher committee."),
    )
    min_education = models.CharField(
        _("minimum education"), max_length=24, choices=EducationLevel.choices, default=EducationLevel.LOWER_SECONDARY
    )
    introducer_min_months = models.PositiveIntegerField(_("introducer's months as a full member"), default=12)
    vote_numerator = models.PositiveSmallIntegerField(_("votes needed: numerator"), default=2)
    vote_denominator = models.PositiveSmallIntegerField(_("votes needed: denominator"), default=3)
    decision_within_working_days = models.PositiveSmallIntegerField(
        _("decision within (working days after the cell resolution)"), default=30
    )
    ceremony_within_working_days = models.PositiveSmallIntegerField(
        _("ceremony within (working days after the decision)"), default=30
    )
    probation_months = models.PositiveSmallIntegerField(_("probation (months)"), default=12)
    review_within_working_days = models.PositiveSmallIntegerField(
        _("full-membership review within (working days after probation)"), default=30
    )
    required_forms = models.JSONField(_("required forms"), default=list, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.code} ({self.valid_from:%d/%m/%Y})"

    @classmethod
    def in_force_on(cls, day: datetime.date) -> RuleSet:
        if not cls.objects.exists():
            cls.ensure_defaults()
        rules = cls.objects.filter(valid_from__lte=day).order_by("-valid_from").first()
        # Before the oldest rule set: judge by the oldest one.
        return rules or cls.objects.order_by("valid_from").first()

    @classmethod
    def picker(cls):
        """`in_force_on` for many dates with one query: a function from a date to its rule set."""
        if not cls.objects.exists():
            cls.ensure_defaults()
        ordered = list(cls.objects.order_by("valid_from"))

        def pick(day: datetime.date) -> RuleSet:
            in_force = [rules for rules in ordered if rules.valid_from <= day]
            return in_force[-1] if in_force else ordered[0]

        return pick

    @classmethod
    def ensure_defaults(cls) -> None:
        """Put back the default rule sets (an emptied database must not stop the procedure)."""
        for code, name, valid_from in DEFAULT_RULE_SETS:
            cls.objects.get_or_create(
                code=code, defaults={"name": name, "valid_from": valid_from, "required_forms": list(DOSSIER_FORMS)}
            )


class DayOff(models.Model):
    """A non-working day the public-holiday calendar does not know (added by an admin)."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("day off")
        verbose_name_plural = _("days off")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"


class DossierDocument(models.Model):
    """One form of a candidate's dossier, received on a date."""

    candidate = models.ForeignKey(
        Candidate, verbose_name=_("candidate"), on_delete=models.CASCADE, related_name="documents"
    )
    form_code = models.CharField(
        _("form"), max_length=8, choices=[(code, f"{code} {label}") for code, (label, _stage) in DOSSIER_FORMS.items()]
    )
    received_on = models.DateField(_("received on"))
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    introducer = models.ForeignKey(
        PartyMember, verbose_name=_("introducing member"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="introductions",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dossier document")
        verbose_name_plural = _("dossier documents")
        ordering = ["candidate", "received_on"]
        constraints = [models.UniqueConstraint(fields=["candidate", "form_code"], name="one_document_per_form")]

    def __str__(self) -> str:
        return f"{self.form_code} – {self.candidate}"


class ImportJob(models.Model):
    """An uploaded .xlsx file: validated into a preview, then saved whole, by a Celery job for large files."""

    class Kind(models.TextChoices):
        CANDIDATES = "candidates", _("Candidates")
        ROSTER = "roster", _("Class roster")

    class Status(models.TextChoices):
        VALIDATING = "validating", _("Checking")
        INVALID = "invalid", _("Has errors")
        VALID = "valid", _("Ready to save")
        SAVING = "saving", _("Saving")
        SAVED = "saved", _("Saved")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.VALIDATING)
    file = models.FileField(_("file"), upload_to="imports/")
    file_name = models.CharField(_("file name"), max_length=200)
    awareness_class = models.ForeignKey(
        AwarenessClass, verbose_name=_("awareness class"), null=True, blank=True, on_delete=models.CASCADE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    total = models.PositiveIntegerField(_("rows in all"), default=0)
    done = models.PositiveIntegerField(_("rows checked"), default=0)
    rows = models.JSONField(_("rows"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    saved_count = models.PositiveIntegerField(_("rows saved"), default=0)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    @property
    def percent_done(self) -> int:
        return round(self.done * 100 / self.total) if self.total else 0

    @property
    def error_rows(self) -> int:
        return sum(1 for row in self.rows if row["errors"])


class ExportLog(models.Model):
    """One export of personal data: who took which list, when, filtered how, naming how many people
    (Nghị định 13/2023/NĐ-CP asks that processing of sensitive data can be accounted for)."""

    class Kind(models.TextChoices):
        CANDIDATE_LIST = "candidate_list", _("Candidate list (Excel)")
        CLASS_ROSTER = "class_roster", _("Class roster (Excel)")
        DOSSIER = "dossier", _("Dossier (print view)")
        REPORT_PAGE = "report_page", _("Monthly report (page)")
        REPORT_WORKBOOK = "report_workbook", _("Monthly report (Excel)")
        REPORT_JOB = "report_job", _("Monthly reports of the units (Excel)")

    # The user may be deleted later; the name they had stays in the log.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(_("user name"), max_length=150)
    exported_at = models.DateTimeField(_("exported at"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("export"), max_length=24, choices=Kind.choices)
    subject = models.CharField(_("filter or record"), max_length=500, blank=True)
    people = models.PositiveIntegerField(_("people"))

    class Meta:
        verbose_name = _("export of personal data")
        verbose_name_plural = _("exports of personal data")
        ordering = ["-exported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.username} – {self.get_kind_display()} ({self.people})"
