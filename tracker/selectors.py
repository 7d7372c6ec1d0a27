"""Reading the figures for pages, the API and the reports."""
from __future__ import annotations

import dataclasses
import datetime
import json
from dataclasses import dataclass
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Min
from django.utils import timezone

from candidates.models import PIPELINE_STAGES
from cells.models import Organization
from cells.placements import span_on
from cells.selectors import placements_of, record_roots, units_of, within

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
    as_of: datetime.date | None = None  # the state at the end of this day (`figures_as_of`); None: now

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


def figures_as_of(organization: Organization, period: Period, day: datetime.date) -> Figures:
    """The organization's and its units' figures as they stood at the end of `day` (a past month's
    report): the admissions of the period up to that day, counted from the credits, the pace as of that
    day and the pipeline as it stood then, rebuilt from the steps. Nothing is forecast.

    Counted on the spot, not read from snapshots (they hold the whole period): four queries whatever
    the number of units and people (the units, their placements, their figures in one statement, their
    pipelines in one).
    The credits are written with each admission, so these figures are never out of date.
    """
    # The units of the tree as it stands (as the pipeline is grouped), less those that did not exist yet on
    # the day; each one active or not as it was that day.
    tree = [organization, *units_of(organization)]
    spans = placements_of([org.pk for org in tree])
    organization, *units = [
        SimpleNamespace(
            pk=org.pk, code=org.code, name=org.name, kind=org.kind, path=org.path, is_active=_active_on(spans[org.pk], day)
        )
        for index, org in enumerate(tree)
        if index == 0 or _existed_on(spans[org.pk], day)
    ]
    ids = [org.pk for org in [organization, *units]]
    # The engine's own count, over the period cut at the day: total, target, breakdowns, day the target was reached.
    sql, params = progress.figures_select(dataclasses.replace(period, end=min(period.end, day)), ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        rows = {row["organization_id"]: row for row in (dict(zip(columns, values)) for values in cursor.fetchall())}
    waiting = progress.pipelines_on(organization, day)

    def snapshot(org):
        row = rows[org.pk]
        breakdowns = row["breakdowns"]
        completed_on = row["completed_on"]
        if isinstance(completed_on, str):  # SQLite gives dates as text here
            completed_on = datetime.date.fromisoformat(completed_on)
        return SimpleNamespace(
            admitted=row["admitted"], target=row["target"], completed_on=completed_on,
            breakdowns=json.loads(breakdowns) if isinstance(breakdowns, str) else breakdowns,
        )

    def pipeline(by_stage):
        by_stage = {stage: count for stage, count in by_stage.items() if stage in PIPELINE_STAGES}
        return SimpleNamespace(by_stage=by_stage, total=sum(by_stage.values()))

    everyone = {}
    for counts in waiting.values():
        for stage, count in counts.items():
            everyone[stage] = everyone.get(stage, 0) + count
    data = progress.figures_data(
        organization, snapshot(organization), pipeline(everyone),
        [(unit, snapshot(unit), pipeline(waiting.get(unit.path, {}))) for unit in units],
        period, day, {}, as_of=True,
    )
    return Figures(data=data, computed_at=timezone.now(), stale=False, as_of=day)


def _existed_on(spans, day: datetime.date) -> bool:
    return not spans or spans[0].valid_from is None or spans[0].valid_from <= day


def _active_on(spans, day: datetime.date) -> bool:
    span = span_on(spans, day)
    return bool(span and span.is_active and _existed_on(spans, day))


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
