"""Keeping the progress snapshots current: record what is out of date, queue and run the recompute."""
from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from . import progress
from .models import PendingRecompute
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


def pending_take() -> list[int]:
    """Take every pending row not taken by another worker; return the organizations and their ancestors.

    Call inside the transaction that recomputes them: if it fails, the rows come back.
    """
    rows = list(PendingRecompute.objects.select_for_update(skip_locked=True).values_list("pk", "organization_id"))
    if not rows:
        return []
    PendingRecompute.objects.filter(pk__in=[pk for pk, _org in rows]).delete()
    return [org.pk for org in progress.organizations_with_ancestors(sorted({org_id for _pk, org_id in rows}))]


def snapshots_recompute(*, period: Period, today: datetime.date, organization_ids: Iterable[int] | None = None) -> int:
    """Compute and store the snapshots of these organizations (None: every one) for the period.

    One statement in one transaction: a worker killed midway leaves the previous figures.
    """
    ids = None if organization_ids is None else sorted(set(organization_ids))
    if ids == []:
        return 0
    statement, params = progress.recompute_statement(period, today, timezone.now(), ids)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The whole country's breakdowns are grouped in memory rather than on disk.
            cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(statement, params)
        return cursor.rowcount
