from django.db import models
from django.utils.translation import gettext_lazy as _

from cells.models import Organization


class ProgressSnapshot(models.Model):
    """The computed figures of one organization for one period, written by the Celery jobs."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="snapshots"
    )
    period_key = models.CharField(_("period"), max_length=9)
    data = models.JSONField(_("figures"))
    computed_at = models.DateTimeField(_("computed at"))
    # Set in the same transaction as a change the figures do not include yet.
    stale = models.BooleanField(_("out of date"), default=False)

    class Meta:
        verbose_name = _("progress snapshot")
        verbose_name_plural = _("progress snapshots")
        constraints = [
            models.UniqueConstraint(fields=["organization", "period_key"], name="one_snapshot_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.period_key}"
