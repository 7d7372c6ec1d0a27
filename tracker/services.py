"""Keeping the progress snapshots current: mark them out of date, queue the recompute."""
from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from . import progress
from .models import ProgressSnapshot
from .periods import Period

logger = logging.getLogger(__name__)


def snapshots_invalidate(*, organization_ids: Iterable[int]) -> None:
    """Mark these organizations' figures out of date and recompute them once the change commits.

    Called by every service that changes admissions, candidates, targets or the tree. Many
    calls in one transaction end in a single recompute of everything they named.
    """
    ids = set(organization_ids)
    if not ids:
        return
    ProgressSnapshot.objects.filter(organization_id__in=ids, stale=False).update(stale=True)
    connection = transaction.get_connection()
    pending = connection.__dict__.setdefault("_tracker_pending_recompute", set())
    pending.update(ids)
    transaction.on_commit(lambda: _flush(connection))


def _flush(connection) -> None:
    # Every callback takes all that is pending; the later ones of the same commit find nothing.
    ids = connection.__dict__.pop("_tracker_pending_recompute", set())
    if ids:
        queue_recompute(sorted(ids))


def queue_recompute(organization_ids: list[int]) -> bool:
    """Queue the recompute; if the broker is down, keep going: the snapshots stay marked stale
    and the nightly recompute (or the next change) brings them up to date."""
    from .tasks import recompute_organizations

    try:
        recompute_organizations.delay(organization_ids)
    except Exception:  # the broker being down must never fail a save
        logger.warning("Could not queue the recompute of %s organizations; figures stay stale.", len(organization_ids), exc_info=True)
        return False
    return True


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
