"""Reading the figures for pages, the API and the reports."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Min
from django.utils import timezone

from cells.models import Organization
from cells.selectors import record_roots, units_of, within

from . import progress
from .models import PendingRecompute, ReportJob
from .periods import Period
from .services import (
    period_check_for, pipeline_checked_at, pipeline_fill, pipeline_recompute, pipelines_of, read_or_compute, snapshots_fill,
    snapshots_of, snapshots_recompute,
)

WORKER_LATE = datetime.timedelta(minutes=10)


@dataclass
class Figures:
    data: dict
    computed_at: datetime.datetime
    stale: bool  # a committed change is not counted yet
    waiting_since: datetime.datetime | None = None  # since when, if so

    @property
    def worker_late(self) -> bool:
        """Changes have waited longer than a recompute takes: the worker or the broker is probably down."""
        return self.waiting_since is not None and timezone.now() - self.waiting_since > WORKER_LATE


def figures_for(organization: Organization, period: Period, today: datetime.date) -> Figures:
    """The organization's stored snapshot and pipeline and its units' rows: the same few queries
    however many units.

    Rows that do not exist yet (a new unit, a period nobody looked at) are computed on the spot.
    A row is as of the later of its computation and the last nightly check, which leaves unchanged
    rows as they are; the figures are as of the older of the snapshot and the pipeline.
    """
    units = list(units_of(organization))
    ids = [org.pk for org in [organization, *units]]
    snapshots, _written = read_or_compute(
        ids, lambda ids: snapshots_of(period, ids), lambda ids: snapshots_fill(period=period, organization_ids=ids)
    )
    pipelines, _written = read_or_compute(ids, pipelines_of, lambda ids: pipeline_fill(organization_ids=ids))
    own, own_pipeline = snapshots[organization.pk], pipelines[organization.pk]
    check = period_check_for(period)
    weights = progress.forecast_weights(progress.ConversionRates(**check.rates), period, today)
    data = progress.figures_data(
        organization, own, own_pipeline, [(unit, snapshots[unit.pk], pipelines[unit.pk]) for unit in units],
        period, today, weights,
    )
    computed_at = min(_as_of(own.computed_at, check.checked_at), _as_of(own_pipeline.computed_at, pipeline_checked_at()))
    waiting_since = PendingRecompute.objects.filter(organization=organization).aggregate(since=Min("queued_at"))["since"]
    return Figures(data=data, computed_at=computed_at, stale=waiting_since is not None, waiting_since=waiting_since)


def fresh_figures(organizations: list[Organization], period: Period, today: datetime.date) -> dict[int, dict]:
    """Recompute these organizations and their units now, then read their figures (for checks and tests)."""
    ids = {org.pk for org in organizations}
    for org in organizations:
        ids.update(units_of(org).values_list("pk", flat=True))
    snapshots_recompute(period=period, organization_ids=ids)
    pipeline_recompute(organization_ids=ids)
    return {org.pk: figures_for(org, period, today).data for org in organizations}


def _as_of(computed_at: datetime.datetime, checked_at: datetime.datetime | None) -> datetime.datetime:
    return max(computed_at, checked_at) if checked_at else computed_at


def report_job_in_scope(job: ReportJob) -> bool:
    """Whether the job's requester may still read the records of its organization, as the reports name
    people: a role removed, lowered to viewer or moved since the job was started ends its page, its
    download and its run. The system's scheduled jobs (no requester) always may."""
    if job.requested_by_id is None:
        return True
    # Read afresh: a role removed while the job ran must count, whatever a loaded user has cached.
    requester = get_user_model().objects.filter(pk=job.requested_by_id, is_active=True).first()
    return requester is not None and within(job.organization, record_roots(requester))
