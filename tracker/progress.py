"""The progress engine: admissions against targets for any organization and period.

Plain functions used by the Celery tasks, the dashboards, the API and the reports.
"""
from __future__ import annotations

from candidates.models import AdmissionCredit
from cells.models import Organization, Target

from .periods import Period


def admitted_count(organization: Organization, period: Period) -> int:
    """Admissions (ceremonies) in the organization's subtree during the period."""
    return AdmissionCredit.objects.filter(
        organization=organization, admitted_on__gte=period.start, admitted_on__lte=period.end
    ).count()


def target_count(organization: Organization, period: Period) -> int | None:
    """The organization's own target for the period, or None when it has no plan."""
    lookup = {"year": period.year} if period.year else {"term": period.term}
    return Target.objects.filter(organization=organization, **lookup).values_list("count", flat=True).first()
