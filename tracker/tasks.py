"""Celery jobs: they take ids, load what they need, call the engine and can run twice safely."""
from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cells.models import Organization, Target, Term

from .models import PendingRecompute, ProgressSnapshot
from .periods import PeriodError, add_months, current_term, current_year, parse_period, term_period, year_period
from .services import pending_take, period_check, pipeline_check, pipeline_refresh, recompute_lock, snapshots_refresh

logger = logging.getLogger(__name__)


def _periods_to_refresh(organization_ids: list[int] | None, today):
    """The periods a job recounts. The nightly check (None): those still running or about to start.
    After a change to these organizations: the current ones and every period they have snapshots of,
    whatever its age (a ceremony recorded late changes its year's figures)."""
    if organization_ids is None:
        return _periods_running(today)
    keys = {current_year(today).key}
    term = current_term(today)
    if term:
        keys.add(term.key)
    stored = ProgressSnapshot.objects.filter(organization_id__in=organization_ids)
    keys.update(stored.values_list("period_key", flat=True).distinct())
    periods = []
    for key in sorted(keys):
        try:
            periods.append(parse_period(key))
        except PeriodError:  # a term deleted since: its snapshots are simply not refreshed
            continue
    return periods


def _periods_running(today) -> list:
    """The current year; next year once its targets are set, or from December on; the current term and
    a term starting within a year. Figures of an ended period change only with its records, and the job
    that follows each change recounts them; its page counts what is missing on the spot."""
    periods = [current_year(today)]
    next_year = today.year + 1
    if today.month == 12 or Target.objects.filter(year=next_year).exists():
        periods.append(year_period(next_year))
    term = current_term(today)
    if term:
        periods.append(term)
    upcoming = Term.objects.filter(start_date__gt=today, start_date__lte=add_months(today, 12)).order_by("start_date")
    periods.extend(term_period(starting) for starting in upcoming)
    return periods


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=2, retry_jitter=True, max_retries=5)
def recompute_pending() -> int:
    """Recompute every organization that committed changes made out of date, with its ancestors, at once.

    A burst of changes queues many of these jobs; the first takes everything and the rest find nothing.
    """
    today = timezone.localdate()
    with transaction.atomic():
        recompute_lock()
        ids = pending_take()
        if not ids:
            return 0
        written = pipeline_refresh(organization_ids=ids)
        return written + sum(snapshots_refresh(period=period, organization_ids=ids) for period in _periods_to_refresh(ids, today))


@shared_task
def recompute_sweep() -> int:
    """Every five minutes, and when a worker starts: recompute the changes whose job was never queued
    (the broker was down when they were saved), so that they do not wait for another change or the night.

    Costs one query when nothing is pending, which is nearly always.
    """
    if not PendingRecompute.objects.exists():
        return 0
    return recompute_pending()


@worker_ready.connect
def _sweep_when_a_worker_starts(**kwargs) -> None:
    # A worker (re)started after the broker or itself was down takes what waited meanwhile.
    recompute_sweep.delay()


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=2, retry_jitter=True, max_retries=3)
def recompute_all() -> int:
    """The nightly full recompute of every organization: its pipeline once, then its figures for the
    periods still running or about to start."""
    today = timezone.localdate()
    with transaction.atomic():
        recompute_lock()
        pending = pending_take()
        changed = pipeline_check()
        checked = _periods_to_refresh(None, today)
        changed += sum(period_check(period=period) for period in checked)
        # Changes still pending (the broker was down) may be to an ended period, which the night does not check.
        keys = {period.key for period in checked}
        if pending:
            changed += sum(
                snapshots_refresh(period=period, organization_ids=pending)
                for period in _periods_to_refresh(pending, today) if period.key not in keys
            )
    logger.info("Recomputed the snapshots of %s; %s had changed", ", ".join(sorted(keys)), changed)
    return changed


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=2, max_retries=3)
def generate_monthly_reports(job_id: int) -> int:
    """Build the month's reports for every organization of a subtree into one workbook."""
    from django.core.files.base import ContentFile

    from .models import ReportJob
    from .reports import month_report, report_scope, reports_workbook

    job = ReportJob.objects.select_related("organization", "requested_by").get(pk=job_id)
    if job.status == ReportJob.Status.DONE:
        return job.done  # run twice: nothing to redo
    if _fail_out_of_scope(job):
        return 0
    scope = report_scope(job.organization)
    organizations = scope.organizations
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJob.Status.RUNNING, total=len(organizations), done=0, levels=scope.levels
    )
    today = timezone.localdate()
    try:
        reports = []
        for done, organization in enumerate(organizations, start=1):
            reports.append(month_report(organization, job.month, today))
            if done % 5 == 0 or done == len(organizations):
                ReportJob.objects.filter(pk=job.pk).update(done=done)
        content = reports_workbook(reports)
        if _fail_out_of_scope(job):  # the role may have gone while a large subtree was counted
            return 0
        job.refresh_from_db()
        job.file.save(f"bao-cao-{job.organization.code}-{job.month:%Y-%m}.xlsx", ContentFile(content), save=False)
        job.status, job.finished_at = ReportJob.Status.DONE, timezone.now()
        job.save(update_fields=["file", "status", "finished_at"])
    except Exception as error:
        ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.FAILED, error=str(error), finished_at=timezone.now())
        raise
    return len(organizations)


def _fail_out_of_scope(job) -> bool:
    """Mark the job failed, with why, when its requester no longer reads its organization's records."""
    from .models import ReportJob
    from .selectors import report_job_in_scope

    if report_job_in_scope(job):
        return False
    error = _("%(user)s no longer reads the records of %(organization)s: no reports were prepared.") % {
        "user": job.requested_by.username, "organization": job.organization.name,
    }
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.FAILED, error=error, finished_at=timezone.now())
    logger.info("Report job %s not prepared: %s", job.pk, error)
    return True


@shared_task
def monthly_reports_for_all() -> list[int]:
    """On the first of the month: last month's reports for every top organization."""
    from .models import ReportJob

    today = timezone.localdate()
    last_month = add_months(today.replace(day=1), -1)
    jobs = [
        ReportJob.objects.get_or_create(organization=root, month=last_month, requested_by=None)[0]
        for root in Organization.objects.get_root_nodes().filter(is_active=True)
    ]
    for job in jobs:
        generate_monthly_reports.delay(job.pk)
    return [job.pk for job in jobs]
