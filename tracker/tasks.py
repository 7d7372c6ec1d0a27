"""Celery jobs: they take ids, load what they need, call the engine and can run twice safely."""
from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from cells.models import Organization

from . import progress
from .models import ProgressSnapshot
from .periods import PeriodError, current_term, current_year, parse_period
from .services import snapshots_write

logger = logging.getLogger(__name__)


def _periods_to_refresh(organization_ids: list[int] | None, today):
    keys = {current_year(today).key}
    term = current_term(today)
    if term:
        keys.add(term.key)
    stored = ProgressSnapshot.objects.all()
    if organization_ids is not None:
        stored = stored.filter(organization_id__in=organization_ids)
    keys.update(stored.values_list("period_key", flat=True).distinct())
    periods = []
    for key in sorted(keys):
        try:
            periods.append(parse_period(key))
        except PeriodError:  # a term deleted since: its snapshots are simply not refreshed
            continue
    return periods


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=2, retry_jitter=True, max_retries=5)
def recompute_organizations(organization_ids: list[int]) -> int:
    """Recompute the snapshots of these organizations and all their ancestors."""
    today = timezone.localdate()
    organizations = progress.organizations_with_ancestors(organization_ids)
    ids = [org.pk for org in organizations]
    written = 0
    for period in _periods_to_refresh(ids, today):
        written += snapshots_write(period_key=period.key, figures_by_org=progress.compute_figures(organizations, period, today))
    return written


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=2, retry_jitter=True, max_retries=3)
def recompute_all() -> int:
    """The nightly full recompute of every organization for the current and the stored periods."""
    today = timezone.localdate()
    organizations = list(Organization.objects.all())
    written = 0
    for period in _periods_to_refresh(None, today):
        written += snapshots_write(period_key=period.key, figures_by_org=progress.compute_figures(organizations, period, today))
    logger.info("Recomputed %s snapshots", written)
    return written
