from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node


class Organization(MP_Node):
    """A party organization: any node of the tree from the country down to a cell."""

    class Kind(models.TextChoices):
        NATIONAL = "national", _("National level")
        PROVINCE = "province", _("Provincial party committee")
        DISTRICT = "district", _("District-level party committee")
        GRASSROOTS_COMMITTEE = "grassroots_committee", _("Grassroots party committee")
        GRASSROOTS_CELL = "grassroots_cell", _("Grassroots party cell")
        SUB_COMMITTEE = "sub_committee", _("Party sub-committee")
        CELL = "cell", _("Party cell under a committee")

    class Sector(models.TextChoices):
        COMMUNE = "commune", _("Commune or town")
        SCHOOL = "school", _("School")
        ENTERPRISE = "enterprise", _("Enterprise")
        STATE_AGENCY = "state_agency", _("State agency")
        ARMED_FORCES = "armed_forces", _("Armed forces")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, default=Sector.OTHER)
    is_active = models.BooleanField(_("active"), default=True)
    deactivated_on = models.DateField(_("deactivated on"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )

    # The latest effective date of a unit moving into or out of this subtree. From that date on its
    # admissions are the sum of its units' again (the progress engine then adds up instead of counting).
    restructured_on = models.DateField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["numchild", "restructured_on"])

    class Meta:
        verbose_name = _("party organization")
        verbose_name_plural = _("party organizations")
        indexes = [
            # Subtrees are `path LIKE 'prefix%'`; on PostgreSQL only this operator class lets that use an index.
            models.Index(fields=["path"], name="organization_path_prefix", opclasses=["varchar_pattern_ops"]),
            # The units of an organization: one depth, one prefix (the country has 34 among 300,000).
            models.Index(fields=["depth", "path"], name="organization_units", opclasses=["int4_ops", "varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_cell(self) -> bool:
        return self.kind in CELL_KINDS

    def lineage_paths(self) -> list[str]:
        """Paths of this node and all its ancestors, root first."""
        return lineage_paths(self.path)

    def subtree(self) -> models.QuerySet[Organization]:
        return Organization.objects.filter(path__startswith=self.path)



class Placement(models.Model):
    """An organization as it stood from one day to another: under which parent, named what, of which
    kind and sector, active or not. An organization's placements follow each other without gaps; the
    last one is open (`valid_to` empty). Every restructuring writes them, dated, in whatever order it is
    entered; admissions are credited from them as they were on the ceremony day (`cells.selectors`).
    The tree of `Organization.path` is the last placement of each: the structure as now decided."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="placements"
    )
    # Empty: since before anything was recorded about it.
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_to = models.DateField(_("until (exclusive)"), null=True, blank=True)
    parent = models.ForeignKey(
        # Deleting an organization (the demo's reload) takes the placements that name it as parent with it.
        Organization, verbose_name=_("parent organization"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Organization.Kind.choices)
    sector = models.CharField(_("sector"), max_length=32, choices=Organization.Sector.choices)
    is_active = models.BooleanField(_("active"))
    reason = models.CharField(_("why it changed"), max_length=200, blank=True)
    # Which of parent, name, kind, sector and active were changed on `valid_from` (cells.placements).
    changed = models.CharField(max_length=64, blank=True, editable=False)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("placement in the tree")
        verbose_name_plural = _("placements in the tree")
        # The first placement, with no start, first on both databases.
        ordering = ["organization", models.F("valid_from").asc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(fields=["organization", "valid_from"], name="one_placement_per_start"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="placement_ends_after_it_starts",
            ),
        ]
        indexes = [models.Index(fields=["parent", "valid_from"], name="placements_under_a_parent")]

    def __str__(self) -> str:
        # Shown above each row of the organization's history in the admin: dd/mm/yyyy as the columns.
        start, end = (day.strftime("%d/%m/%Y") if day else "…" for day in (self.valid_from, self.valid_to))
        return f"{self.name}: {start} → {end}"

    def covers(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day < self.valid_to)

def lineage_paths(path: str) -> list[str]:
    """The materialized paths of a node and all its ancestors, root first."""
    return [path[:end] for end in range(Organization.steplen, len(path) + 1, Organization.steplen)]


CELL_KINDS = {Organization.Kind.GRASSROOTS_CELL, Organization.Kind.CELL}

# Which kinds of parent each kind may sit under; None stands for "top of the tree".
# Provinces may hold communes directly: the district level was abolished on 1 July 2025.
ALLOWED_PARENT_KINDS: dict[str, set[str | None]] = {
    Organization.Kind.NATIONAL: {None},
    Organization.Kind.PROVINCE: {None, Organization.Kind.NATIONAL},
    Organization.Kind.DISTRICT: {None, Organization.Kind.PROVINCE},
    Organization.Kind.GRASSROOTS_COMMITTEE: {Organization.Kind.DISTRICT, Organization.Kind.PROVINCE},
    Organization.Kind.GRASSROOTS_CELL: {Organization.Kind.DISTRICT, Organization.Kind.PROVINCE},
    Organization.Kind.SUB_COMMITTEE: {Organization.Kind.GRASSROOTS_COMMITTEE},
    Organization.Kind.CELL: {Organization.Kind.GRASSROOTS_COMMITTEE, Organization.Kind.SUB_COMMITTEE},
}


def validate_placement(kind: str, parent: Organization | None) -> None:
    """Raise a ValidationError when an organization of `kind` may not sit under `parent`."""
    allowed = ALLOWED_PARENT_KINDS[kind]
    parent_kind = parent.kind if parent else None
    if parent_kind in allowed:
        return
    kind_label = Organization.Kind(kind).label
    if parent is not None and parent.is_cell:
        raise ValidationError(
            _("%(parent)s is a party cell: a cell cannot have organizations under it."),
            code="cell_has_children",
            params={"parent": parent.name},
        )
    allowed_labels = ", ".join(str(Organization.Kind(k).label) for k in allowed if k)
    if parent is None:
        raise ValidationError(
            _("A %(kind)s cannot be at the top of the tree; it must sit under: %(allowed)s."),
            code="bad_root",
            params={"kind": kind_label, "allowed": allowed_labels},
        )
    raise ValidationError(
        _("A %(kind)s cannot sit under %(parent)s (%(parent_kind)s); it must sit under: %(allowed)s."),
        code="bad_parent",
        params={
            "kind": kind_label,
            "parent": parent.name,
            "parent_kind": parent.get_kind_display(),
            "allowed": allowed_labels or _("nothing (top of the tree only)"),
        },
    )


class Term(models.Model):
    """A congress term (nhiệm kỳ), e.g. 2020–2025, with the dates it covers."""

    start_date = models.DateField(_("start date"), unique=True)
    end_date = models.DateField(_("end date"))

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="term_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.start_date.year}–{self.end_date.year}"

    @property
    def key(self) -> str:
        """The period key used in URLs and the API, e.g. "2020-2025"."""
        return f"{self.start_date.year}-{self.end_date.year}"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": _("The term must end after it starts.")})
        if self.start_date and self.end_date:
            overlapping = Term.objects.filter(start_date__lte=self.end_date, end_date__gte=self.start_date)
            if self.pk:
                overlapping = overlapping.exclude(pk=self.pk)
            if overlapping.exists():
                raise ValidationError(_("This term overlaps the term %(term)s.") % {"term": overlapping.first()})

    @classmethod
    def containing(cls, day: datetime.date) -> Term | None:
        return cls.objects.filter(start_date__lte=day, end_date__gte=day).first()


class Target(models.Model):
    """How many people an organization plans to admit in one year or one term.

    An organization's own target is independent of its children's: the congress of a
    commune sets the commune's figure whatever its cells planned.
    """

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    term = models.ForeignKey(Term, verbose_name=_("term"), null=True, blank=True, on_delete=models.PROTECT)
    count = models.PositiveIntegerField(_("target (people)"))
    resolution = models.CharField(
        _("resolution"), max_length=200, blank=True, help_text=_("The resolution or plan that set this target.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["organization__path", "year", "term__start_date"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(year__isnull=False) & Q(term__isnull=True)) | (Q(year__isnull=True) & Q(term__isnull=False)),
                name="target_for_a_year_or_a_term",
            ),
            models.UniqueConstraint(
                fields=["organization", "year"], condition=Q(year__isnull=False), name="one_target_per_year"
            ),
            models.UniqueConstraint(
                fields=["organization", "term"], condition=Q(term__isnull=False), name="one_target_per_term"
            ),
        ]
        indexes = [
            # The nightly check reads one period's targets of every organization. Without these it read the
            # targets of every year and term kept (1.8 million rows for a country's five years and a term,
            # 0.16 s of each night) to keep 300,000; they grow by a year's worth every year.
            models.Index(
                fields=["year", "organization"], include=["count"], condition=Q(year__isnull=False),
                name="targets_of_a_year",
            ),
            models.Index(
                fields=["term", "organization"], include=["count"], condition=Q(term__isnull=False),
                name="targets_of_a_term",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.count} ({self.period_label})"

    @property
    def period_label(self) -> str:
        return str(self.year) if self.year else self.term.label

    def clean(self) -> None:
        if bool(self.year) == bool(self.term_id):
            raise ValidationError(_("Give either a year or a term, not both."))
        if self.year and not 1930 <= self.year <= 2100:
            raise ValidationError({"year": _("Enter a year between 1930 and 2100.")})


class OrganizationRole(models.Model):
    """What a user may do on an organization and everything under it."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Organization-board staff")
        SECRETARY = "secretary", _("Secretary")
        VIEWER = "viewer", _("Viewer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="organization_roles"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"], name="one_role_per_user_and_organization"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.organization}"
