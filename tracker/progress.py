"""The progress engine: admissions against targets for any organization and period.

Plain functions used by the Celery tasks, the dashboards, the API and the reports.
`compute_figures` works on any set of organizations with a fixed number of grouped
queries, so recomputing one organization or the whole country costs the same queries.
"""
from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from candidates.models import PIPELINE_STAGES, AdmissionCredit, Candidate, StageEvent
from cells.models import Organization, Target, lineage_paths
from cells.selectors import subtrees_q, topmost

from .periods import Period

HISTORY_YEARS = 3  # conversion rates are learnt from the three years before the period


def admitted_count(organization: Organization, period: Period) -> int:
    """Admissions (ceremonies) in the organization's subtree during the period."""
    return AdmissionCredit.objects.filter(
        organization=organization, admitted_on__gte=period.start, admitted_on__lte=period.end
    ).count()


def target_count(organization: Organization, period: Period) -> int | None:
    """The organization's own target for the period, or None when it has no plan."""
    return Target.objects.filter(organization=organization, **_target_lookup(period)).values_list("count", flat=True).first()


def _target_lookup(period: Period) -> dict:
    return {"year": period.year} if period.year else {"term": period.term}


def percent(admitted: int, target: int | None) -> float | None:
    """Share of the target reached, one decimal; None when there is no plan (never a division error)."""
    if target is None:
        return None
    if target == 0:
        return 100.0 if admitted == 0 else None
    return round(admitted * 100 / target, 1)


def pace_status(admitted: int, target: int | None, period: Period, today: datetime.date) -> tuple[str, float | None]:
    """(status, expected admissions to date): no_plan, done, on_track or behind."""
    if target is None:
        return "no_plan", None
    expected = round(target * period.elapsed_fraction(today), 1)
    if admitted >= target:
        return "done", expected
    return ("behind" if admitted < math.floor(expected) else "on_track"), expected


@dataclass
class ConversionRates:
    """For each pipeline stage: the share admitted later, and the mean days it took."""

    share: dict[str, float]
    days: dict[str, float]


def conversion_rates(period: Period) -> ConversionRates:
    """Learnt, over the whole database, from people who reached each stage in the years before the period."""
    since = period.start.replace(year=period.start.year - HISTORY_YEARS)
    events = StageEvent.objects.filter(stage__in=PIPELINE_STAGES, occurred_on__gte=since, occurred_on__lt=period.start)
    totals = dict(events.values_list("stage").annotate(n=Count("id")))
    admitted_rows = events.filter(candidate__admission__admitted_on__isnull=False).values_list(
        "stage", "occurred_on", "candidate__admission__admitted_on"
    )
    admitted = defaultdict(int)
    days = defaultdict(int)
    for stage, reached_on, admitted_on in admitted_rows.iterator():
        admitted[stage] += 1
        days[stage] += (admitted_on - reached_on).days
    return ConversionRates(
        share={stage: admitted.get(stage, 0) / totals[stage] for stage in totals},
        days={stage: days[stage] / admitted[stage] for stage in admitted if admitted[stage]},
    )


def forecast(
    admitted: int, pipeline: dict[str, int], rates: ConversionRates, period: Period, today: datetime.date
) -> float:
    """Admissions expected by the end of the period: those done plus what the pipeline should yield in time."""
    if today > period.end:
        return float(admitted)
    remaining_days = (period.end - max(today, period.start)).days
    expected = 0.0
    for stage, count in pipeline.items():
        share = rates.share.get(stage, 0.0)
        needed = max(rates.days.get(stage, 365.0), 1.0)
        # Someone who usually needs 200 more days is unlikely to make it in 60.
        expected += count * share * min(1.0, remaining_days / needed)
    return round(admitted + expected, 1)


def _children_by_parent(organizations: list[Organization]) -> dict[int, list[Organization]]:
    if not organizations:
        return {}
    if len(organizations) > 200:
        # Past a few hundred OR clauses one scan of the tree is cheaper.
        scope = Q(depth__gt=min(org.depth for org in organizations))
    else:
        scope = Q()
        for org in organizations:
            scope |= Q(path__startswith=org.path, depth=org.depth + 1)
    by_path = {org.path: org.pk for org in organizations}
    children = defaultdict(list)
    for child in Organization.objects.filter(scope).order_by("path"):
        parent_id = by_path.get(child.path[: -Organization.steplen])
        if parent_id is not None:
            children[parent_id].append(child)
    return children


def _pipelines(organizations: list[Organization]) -> dict[int, dict[str, int]]:
    """People in the pipeline by stage, for each organization's current subtree."""
    scope = subtrees_q(topmost(organizations), field="home_cell__path")
    id_by_path = {org.path: org.pk for org in organizations}
    pipelines: dict[int, dict[str, int]] = {org.pk: {stage: 0 for stage in PIPELINE_STAGES} for org in organizations}
    rows = (
        Candidate.objects.filter(scope, stage__in=PIPELINE_STAGES)
        .values_list("home_cell__path", "stage")
        .annotate(n=Count("id"))
    )
    for cell_path, stage, n in rows:
        for path in lineage_paths(cell_path):
            org_id = id_by_path.get(path)
            if org_id is not None:
                pipelines[org_id][stage] += n
    return pipelines


def compute_figures(
    organizations: list[Organization], period: Period, today: datetime.date
) -> dict[int, dict]:
    """The full figures of each organization for the period, as stored in its snapshot."""
    organizations = list(organizations)
    if not organizations:
        return {}
    children = _children_by_parent(organizations)
    everyone = {org.pk: org for org in organizations}
    for kids in children.values():
        everyone.update({kid.pk: kid for kid in kids})
    ids = list(everyone)

    credits = AdmissionCredit.objects.filter(
        organization_id__in=ids, admitted_on__gte=period.start, admitted_on__lte=period.end
    )
    admitted = defaultdict(int)
    breakdowns = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    own_ids = {org.pk for org in organizations}
    rows = credits.values_list("organization_id", "category", "gender", "age_band", "sector").annotate(
        month=TruncMonth("admitted_on"), n=Count("id")
    )
    for org_id, category, gender, band, sector, month, n in rows:
        admitted[org_id] += n
        if org_id not in own_ids:
            continue
        breakdowns[org_id]["by_category"][category] += n
        breakdowns[org_id]["by_gender"][gender] += n
        breakdowns[org_id]["by_age_band"][band] += n
        breakdowns[org_id]["by_sector"][sector] += n
        breakdowns[org_id]["by_month"][f"{month:%Y-%m}"] += n

    targets = dict(
        Target.objects.filter(organization_id__in=ids, **_target_lookup(period)).values_list("organization_id", "count")
    )
    pipelines = _pipelines(list(everyone.values()))
    rates = conversion_rates(period)
    completed_on = _completion_dates(
        [org_id for org_id in ids if targets.get(org_id) and admitted[org_id] >= targets[org_id]], targets, period
    )

    def summary(org: Organization) -> dict:
        target = targets.get(org.pk)
        status, expected = pace_status(admitted[org.pk], target, period, today)
        pipeline = pipelines[org.pk]
        predicted = forecast(admitted[org.pk], pipeline, rates, period, today)
        done_on = completed_on.get(org.pk)
        return {
            "org": org.code,
            "name": org.name,
            "kind": org.kind,
            "is_active": org.is_active,
            "admitted": admitted[org.pk],
            "target": target,
            "percent": percent(admitted[org.pk], target),
            "status": status,
            "expected_to_date": expected,
            "pipeline_total": sum(pipeline.values()),
            "forecast": predicted,
            "source_gap": target is not None and predicted < target,
            "completed_on": done_on.isoformat() if done_on else None,
            "completed_early": bool(done_on and done_on < period.end and today <= period.end),
        }

    # Each organization's row once, whether it is shown as itself or as someone's unit.
    summaries = {pk: summary(org) for pk, org in everyone.items()}
    figures = {}
    for org in organizations:
        child_rows = [
            summaries[kid.pk] for kid in children.get(org.pk, [])
            # A closed unit with nothing in the period is noise in today's table.
            if kid.is_active or admitted[kid.pk] or targets.get(kid.pk) is not None
        ]
        data = dict(summaries[org.pk])
        child_targets = [row["target"] for row in child_rows if row["target"] is not None]
        data.update(
            {
                "period": period.key,
                "period_label": period.label,
                "period_start": period.start.isoformat(),
                "period_end": period.end.isoformat(),
                "today": today.isoformat(),
                "children_target": sum(child_targets) if child_targets else None,
                "children_without_plan": sum(1 for row in child_rows if row["target"] is None),
                "pipeline": pipelines[org.pk],
                "children": child_rows,
                "alerts": _alerts(data, child_rows),
                **{key: dict(values) for key, values in breakdowns[org.pk].items()},
            }
        )
        for key in ("by_category", "by_gender", "by_age_band", "by_sector", "by_month"):
            data.setdefault(key, {})
        figures[org.pk] = data
    return figures


def _completion_dates(org_ids: list[int], targets: dict[int, int], period: Period) -> dict[int, datetime.date]:
    """The ceremony date on which each organization reached its target."""
    if not org_ids:
        return {}
    rows = (
        AdmissionCredit.objects.filter(organization_id__in=org_ids, admitted_on__gte=period.start, admitted_on__lte=period.end)
        .values_list("organization_id", "admitted_on")
        .annotate(n=Count("id"))
        .order_by("organization_id", "admitted_on")
    )
    running = defaultdict(int)
    reached = {}
    for org_id, day, n in rows:
        running[org_id] += n
        if org_id not in reached and running[org_id] >= targets[org_id]:
            reached[org_id] = day
    return reached


def _alerts(own: dict, children: list[dict]) -> list[dict]:
    alerts = []
    for row in [own, *children]:
        if not row["is_active"]:
            continue
        if row["target"] is None:
            alerts.append({"org": row["org"], "name": row["name"], "kind": "no_plan"})
        elif row["source_gap"]:
            alerts.append(
                {
                    "org": row["org"],
                    "name": row["name"],
                    "kind": "source_gap",
                    "missing": round(row["target"] - row["forecast"], 1),
                    "pipeline": row["pipeline_total"],
                }
            )
    return alerts


def organizations_with_ancestors(organization_ids: list[int]) -> list[Organization]:
    """The organizations named and every ancestor of them, each once."""
    paths = set()
    for path in Organization.objects.filter(pk__in=organization_ids).values_list("path", flat=True):
        paths.update(lineage_paths(path))
    return list(Organization.objects.filter(path__in=paths))
