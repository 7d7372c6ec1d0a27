"""Keeping the progress snapshots current: record what is out of date, queue and run the recompute."""
from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from cells.models import Organization, Target
from cells.selectors import unit_ids_of

from . import progress
from .models import PendingRecompute, PeriodCheck, PipelineCheck, PipelineSnapshot, ProgressSnapshot
from .periods import Period

logger = logging.getLogger(__name__)


def snapshots_invalidate(*, organization_ids: Iterable[int]) -> None:
    """Record that these organizations' figures are out of date and queue the recompute on commit.

    Called by every service that changes admissions, candidates, targets or the tree. It writes
    only its own rows: data entry never waits for a recompute that is writing snapshots.
    """
    ids = set(organization_ids)
    if not ids:
        return
    PendingRecompute.objects.bulk_create([PendingRecompute(organization_id=org_id) for org_id in sorted(ids)])
    connection = transaction.get_connection()
    connection.__dict__["_tracker_recompute_wanted"] = True
    transaction.on_commit(lambda: _queue_once(connection))


def period_figures_discard(*, period_keys: Iterable[str]) -> int:
    """Drop the stored figures and the check of these periods (a term's dates changed): the pages count
    them afresh when next shown, the nightly check if still running. Returns the rows dropped."""
    keys = set(period_keys)
    PeriodCheck.objects.filter(period_key__in=keys).delete()
    return ProgressSnapshot.objects.filter(period_key__in=keys).delete()[0]


def _queue_once(connection) -> None:
    # The first callback of a commit queues the job; the others of the same commit find nothing to do.
    if connection.__dict__.pop("_tracker_recompute_wanted", False):
        queue_recompute()


def queue_recompute() -> bool:
    """Queue the recompute; if the broker is down, keep going: the pending rows stay, the figures
    say they are out of date, and the next job or the nightly recompute takes them."""
    from .tasks import recompute_pending

    try:
        recompute_pending.delay()
    except Exception:  # the broker being down must never fail a save
        logger.warning("Could not queue the recompute; the figures stay marked out of date.", exc_info=True)
        return False
    return True


RECOMPUTE_LOCK = 0x7472_6B72  # any constant: names PostgreSQL's advisory lock of the recompute jobs


def recompute_lock() -> None:
    """Make the recompute jobs, the nightly check included, run one after the other.

    Call inside the job's transaction; the lock goes with it. Otherwise a job could write figures
    while the nightly check is counting from older data, and the check would write the older ones
    back. SQLite already lets one writer at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECOMPUTE_LOCK])


def pending_take() -> list[int]:
    """Take every pending row not taken by another worker; return the organizations and their ancestors.

    Call inside the transaction that recomputes them: if it fails, the rows come back.
    """
    rows = list(PendingRecompute.objects.select_for_update(skip_locked=True).values_list("pk", "organization_id"))
    if not rows:
        return []
    PendingRecompute.objects.filter(pk__in=[pk for pk, _org in rows]).delete()
    return [org.pk for org in progress.organizations_with_ancestors(sorted({org_id for _pk, org_id in rows}))]


def period_check_for(period: Period) -> PeriodCheck:
    """The period's conversion rates and last full check; the rates are learnt now if no check has yet."""
    check = PeriodCheck.objects.filter(period_key=period.key).first()
    if check is None or not check.rates:
        rates = _rates_to_learn(period)
        check, _created = PeriodCheck.objects.update_or_create(period_key=period.key, defaults={"rates": rates.as_json()})
    return check


def _rates_to_learn(period: Period) -> progress.ConversionRates:
    """The period's conversion rates; none for a period that has ended, which forecasts nothing.

    Learning them reads the steps of three years (seconds at country size), and the nightly check
    runs for every period that has snapshots, most of them over.
    """
    if period.has_ended(timezone.localdate()):
        return progress.ConversionRates(share={}, days={})
    return progress.conversion_rates(period)


def snapshots_recompute(*, period: Period, organization_ids: Iterable[int] | None = None) -> int:
    """Compute and store the snapshots of these organizations (None: every one) for the period.

    One statement in one transaction: a worker killed midway leaves the previous figures.
    """
    ids = None if organization_ids is None else sorted(set(organization_ids))
    if ids == []:
        return 0
    return _run(*progress.recompute_statement(period, timezone.now(), ids))


def pipeline_recompute(*, organization_ids: Iterable[int] | None = None) -> int:
    """Count and store the pipelines of these organizations (None: every one), in one statement."""
    ids = None if organization_ids is None else sorted(set(organization_ids))
    if ids == []:
        return 0
    return _run(*progress.pipeline_statement(timezone.now(), ids))


@transaction.atomic
def snapshots_fill(*, period: Period, organization_ids: Iterable[int]) -> int:
    """Compute those of these organizations' snapshots that do not exist yet, for a page that needs them.

    Under the jobs' lock: when many people open a period nobody has opened, the first counts it and
    the others, once it is done, find the rows there; and a page never writes figures older than a
    job's that committed while it counted.
    """
    ids = set(organization_ids)
    recompute_lock()
    present = ProgressSnapshot.objects.filter(organization_id__in=ids, period_key=period.key)
    return snapshots_recompute(period=period, organization_ids=ids - set(present.values_list("organization_id", flat=True)))


@transaction.atomic
def pipeline_fill(*, organization_ids: Iterable[int]) -> int:
    """The same as `snapshots_fill` for the pipelines of these organizations."""
    ids = set(organization_ids)
    recompute_lock()
    present = PipelineSnapshot.objects.filter(organization_id__in=ids).values_list("organization_id", flat=True)
    return pipeline_recompute(organization_ids=ids - set(present))


@transaction.atomic
def period_check(*, period: Period) -> int:
    """The nightly full recompute of a period: learn its conversion rates again (unless it has
    ended), count every organization, rewrite the rows whose figures changed and record when;
    return how many changed."""
    checked_at = timezone.now()  # the statement sees the data as of its start
    rates = _rates_to_learn(period)
    _analyze(ProgressSnapshot, ["organization_id", "period_key"])
    changed = _run(*progress.recompute_statement(period, checked_at, only_changed=True))
    PeriodCheck.objects.update_or_create(
        period_key=period.key, defaults={"rates": rates.as_json(), "checked_at": checked_at}
    )
    return changed


@transaction.atomic
def pipeline_check() -> int:
    """The nightly count of every organization's pipeline, once for all periods: rewrite the rows
    that changed and record when; return how many changed."""
    checked_at = timezone.now()
    _analyze(PipelineSnapshot, ["organization_id"])
    changed = _run(*progress.pipeline_statement(checked_at, only_changed=True))
    PipelineCheck.objects.update_or_create(pk=1, defaults={"checked_at": checked_at})
    return changed


def pipeline_checked_at():
    """When the nightly job last counted every pipeline, or None."""
    return PipelineCheck.objects.filter(pk=1).values_list("checked_at", flat=True).first()


def _analyze(model, columns: list[str]) -> None:
    # The rows may have been written since the table's statistics were taken (a new year's first
    # night, a cold recompute). Planned from stale ones, the comparison with the stored rows became
    # a nested loop of every row against every row: minutes instead of seconds. Only the columns the
    # comparison joins on: the figures' statistics are of no use to it and cost half the time.
    table = model._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A sample of 3,000 rows rather than 30,000: enough for the period keys' shares (within 1 % on
            # the country) and the plan the country's check had; 0.06 s instead of 0.37 for six periods of
            # the country, read from more pages with every period kept (bench/README.md, session 12).
            cursor.execute("SELECT set_config('default_statistics_target', '10', true)")
            cursor.execute(f"ANALYZE {table} ({', '.join(columns)})")
        else:
            cursor.execute(f"ANALYZE {table}")  # SQLite takes no column list


def recompute_settings(cursor) -> None:
    """Set, for the rest of the transaction, what the engine's statements are planned and run with."""
    if connection.vendor == "postgresql":
        # work_mem: the whole country's breakdowns are grouped in memory rather than on disk.
        # JIT compiled, but not optimized by LLVM: for a statement run once, the optimization costs
        # more than it wins back (the whole country's check, 3.19 → 3.00 s; bench/README.md).
        cursor.execute(
            "SELECT set_config('work_mem', '256MB', true), set_config('jit_optimize_above_cost', '-1', true),"
            " set_config('jit_inline_above_cost', '-1', true)"
        )


def _run(statement: str, params: list) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        recompute_settings(cursor)
        cursor.execute(statement, params)
        return cursor.rowcount


@transaction.atomic
def snapshots_refresh(*, period: Period, organization_ids: Iterable[int]) -> int:
    """Recompute what changes made out of date: the cells, and units a move touched, from their
    admissions; every other organization as the sum of its units' fresh snapshots, deepest first.

    The country then costs its 34 provinces' rows, not a count of every admission in it. The sums are
    kept in memory for the organization above and written with one statement. Jobs call it holding
    `recompute_lock`, so two of them never add up the same organizations at once.
    """
    organizations = list(Organization.objects.filter(pk__in=set(organization_ids)).order_by("-depth", "path"))
    rolled = [org for org in organizations if progress.can_roll_up(org, period)]
    counted = [org.pk for org in organizations if org not in rolled]
    written = snapshots_recompute(period=period, organization_ids=counted) if counted else 0
    if not rolled:
        return written
    targets = dict(Target.objects.filter(organization__in=rolled, **period.target_lookup).values_list("organization_id", "count"))
    unit_ids = unit_ids_of(rolled)
    wanted = {pk for ids in unit_ids.values() for pk in ids} - {org.pk for org in rolled}
    snapshots, counted_units = read_or_compute(
        wanted, lambda ids: snapshots_of(period, ids), lambda ids: snapshots_recompute(period=period, organization_ids=ids)
    )
    written += counted_units
    computed_at = timezone.now()
    sums = []
    for org in rolled:  # deepest first: a unit's sum is ready before the organization above needs it
        figures = progress.rolled_up([snapshots[pk] for pk in unit_ids[org.pk]], targets.get(org.pk), org.pk, period)
        snapshots[org.pk] = ProgressSnapshot(organization=org, period_key=period.key, computed_at=computed_at, **figures)
        sums.append(snapshots[org.pk])
    ProgressSnapshot.objects.bulk_create(
        sums, update_conflicts=True, unique_fields=["organization", "period_key"],
        update_fields=[*progress.BASE_FIGURES, "computed_at"],
    )
    return written + len(sums)


def read_or_compute(ids: Iterable[int], read, compute) -> tuple[dict, int]:
    """`read(ids)`'s rows by organization id, once `compute` has written those it lacked; and how many
    rows `compute` wrote."""
    rows = read(ids)
    written = 0
    if missing := set(ids) - rows.keys():
        written = compute(missing)
        rows.update(read(missing))
    return rows, written


def snapshots_of(period: Period, organization_ids: Iterable[int]) -> dict[int, ProgressSnapshot]:
    """The stored snapshots of these organizations for the period, by organization id."""
    rows = ProgressSnapshot.objects.filter(organization_id__in=set(organization_ids), period_key=period.key)
    return {row.organization_id: row for row in rows}


@transaction.atomic
def pipeline_refresh(*, organization_ids: Iterable[int]) -> int:
    """Recount the pipelines that changes made out of date: each organization's own people, plus its
    units' pipelines, deepest first; units that have no row yet are counted from the candidates."""
    organizations = list(Organization.objects.filter(pk__in=set(organization_ids)).order_by("-depth", "path"))
    if not organizations:
        return 0
    own = progress.waiting_at([org.pk for org in organizations])
    unit_ids = unit_ids_of(organizations)
    wanted = {pk for ids in unit_ids.values() for pk in ids} - {org.pk for org in organizations}
    pipelines, written = read_or_compute(wanted, pipelines_of, lambda ids: pipeline_recompute(organization_ids=ids))
    computed_at = timezone.now()
    rows = []
    for org in organizations:  # deepest first: a unit's pipeline is ready before the organization above needs it
        figures = progress.pipeline_added_up(own.get(org.pk, {}), [pipelines[pk] for pk in unit_ids[org.pk]])
        pipelines[org.pk] = PipelineSnapshot(organization=org, computed_at=computed_at, **figures)
        rows.append(pipelines[org.pk])
    PipelineSnapshot.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["organization"],
        update_fields=[*progress.PIPELINE_FIGURES, "computed_at"],
    )
    return written + len(rows)


def pipelines_of(organization_ids: Iterable[int]) -> dict[int, PipelineSnapshot]:
    """The stored pipelines of these organizations, by organization id."""
    return {row.organization_id: row for row in PipelineSnapshot.objects.filter(organization_id__in=set(organization_ids))}
