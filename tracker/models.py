from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cells.models import Organization


class ProgressSnapshot(models.Model):
    """The computed figures of one organization for one period, written by the Celery jobs."""

    # No index of its own: the unique constraint below starts with it (one index less to write per row).
    # No foreign key in the database either: its check cost 1.5–2 s of the 11 s that writing the
    # country's 310,000 rows takes. The rows are derived, written only from the organization table,
    # and Django still deletes them with their organization.
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="snapshots",
        db_index=False, db_constraint=False,
    )
    period_key = models.CharField(_("period"), max_length=9)
    # The base of the figures. What follows from them and from today's date (percent, pace, forecast,
    # alerts) is worked out when shown, so a row changes only when its admissions or target do.
    admitted = models.PositiveIntegerField(_("admitted"), default=0)
    target = models.PositiveIntegerField(_("target"), null=True, blank=True)
    completed_on = models.DateField(_("target reached on"), null=True, blank=True)
    # Flat, as written by one aggregation: {"by_category:teacher": 18, "by_month:2023-03": 5, …}.
    breakdowns = models.JSONField(_("breakdowns"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("progress snapshot")
        verbose_name_plural = _("progress snapshots")
        constraints = [
            models.UniqueConstraint(fields=["organization", "period_key"], name="one_snapshot_per_period"),
        ]
        indexes = [
            # The nightly check compares a period's rows with what it counts, for every period kept. Without
            # it each check read the rows of every period: with six kept, the country's check took 0.4 s
            # more (4.02 → 3.60 s), for each of the six, and more with every year (bench/README.md, session 11).
            models.Index(fields=["period_key", "organization"], name="snapshots_of_a_period"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.period_key}"


class PipelineSnapshot(models.Model):
    """Who waits in an organization's subtree today, by stage: one row per organization, shared by every
    period (counted once a night, not once per period), written by the same jobs as the snapshots."""

    # No foreign key in the database, as for the snapshots: the rows are derived.
    organization = models.OneToOneField(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="pipeline_snapshot",
        db_constraint=False,
    )
    by_stage = models.JSONField(_("pipeline by stage"), default=dict)  # {stage: people}
    total = models.PositiveIntegerField(_("in the pipeline"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("pipeline snapshot")
        verbose_name_plural = _("pipeline snapshots")

    def __str__(self) -> str:
        return str(self.organization)


class PipelineCheck(models.Model):
    """When the nightly job last counted every organization's pipeline (it rewrites only the rows that
    changed, so a row is as fresh as the later of its own time and this one). A single row."""

    checked_at = models.DateTimeField(_("every pipeline checked at"))

    class Meta:
        verbose_name = _("pipeline check")
        verbose_name_plural = _("pipeline checks")

    def __str__(self) -> str:
        return date_format(timezone.localtime(self.checked_at), "SHORT_DATETIME_FORMAT")


class PeriodCheck(models.Model):
    """What the nightly full recompute learnt about a period: the pipeline's conversion rates, and when
    it last checked every snapshot of the period (it rewrites only the rows whose figures changed)."""

    period_key = models.CharField(_("period"), max_length=9, unique=True)
    # {"share": {stage: admitted later / reached}, "days": {stage: mean days to admission}}
    rates = models.JSONField(_("conversion rates"), default=dict)
    checked_at = models.DateTimeField(_("every snapshot checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("period check")
        verbose_name_plural = _("period checks")

    def __str__(self) -> str:
        return self.period_key


class PendingRecompute(models.Model):
    """An organization whose figures a committed change has made out of date.

    Written in the same transaction as the change, so nothing is lost when the broker or the worker
    is down; the recompute job takes every row there is at once, so a burst of changes costs one job.
    """

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="+")
    queued_at = models.DateTimeField(_("queued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pending recompute")
        verbose_name_plural = _("pending recomputes")


def _new_token_key() -> str:
    import secrets

    return secrets.token_hex(20)


class ApiToken(models.Model):
    """A per-user key for the read-only API, for spreadsheets and other tools."""

    user = models.OneToOneField(
        "auth.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_token"
    )
    key = models.CharField(_("key"), max_length=40, unique=True, default=_new_token_key, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} ({self.key[:6]}…)"


class ReportJob(models.Model):
    """The month's reports for a subtree, produced by a Celery job the user can watch."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.CASCADE)
    month = models.DateField(_("month"))
    requested_by = models.ForeignKey(
        "auth.User", verbose_name=_("requested by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("organizations in all"), default=0)
    done = models.PositiveIntegerField(_("organizations done"), default=0)
    # Levels below the organization in the workbook when its whole subtree would not fit; None: all.
    levels = models.PositiveSmallIntegerField(_("levels below"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="reports/", blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        ordering = ["-created_at"]

    @property
    def percent_done(self) -> int:
        return round(self.done * 100 / self.total) if self.total else 0
