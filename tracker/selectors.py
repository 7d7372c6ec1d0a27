"""Reading the figures for pages, the API and the reports."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from cells.models import Organization

from . import progress
from .models import ProgressSnapshot
from .periods import Period
from .services import snapshots_write


@dataclass
class Figures:
    data: dict
    computed_at: datetime.datetime
    stale: bool


def figures_for(organization: Organization, period: Period, today: datetime.date) -> Figures:
    """The stored snapshot; computed on the spot (and stored) only when none exists yet."""
    snapshot = ProgressSnapshot.objects.filter(organization=organization, period_key=period.key).first()
    if snapshot is None:
        [snapshot] = snapshots_write(
            period_key=period.key, figures_by_org=progress.compute_figures([organization], period, today)
        )
    return Figures(data=snapshot.data, computed_at=snapshot.computed_at, stale=snapshot.stale)
