"""A `dumpdata` backup restores to identical figures (the README's portable backup)."""
import datetime

import pytest

from django.core.management import call_command

from candidates.models import Admission, AdmissionCredit, Candidate
from cells.models import Organization, Target
from tracker.demo import demo_remove
from tracker.periods import parse_period
from tracker.selectors import fresh_figures

TODAY = datetime.date(2026, 11, 26)
APPS = ["cells", "candidates", "tracker", "auth.user"]


def figures():
    organizations = list(Organization.objects.order_by("path"))
    result = {}
    for key in ("2023", "2020-2025", "2026"):
        for org_id, data in fresh_figures(organizations, parse_period(key), TODAY).items():
            result[org_id, key] = (data["admitted"], data["target"], data["percent"], data["by_category"], data["pipeline"])
    return result


@pytest.mark.slow
def test_a_dump_restores_to_identical_figures(db, tmp_path):
    before = figures()
    counts = (Organization.objects.count(), Candidate.objects.count(), Admission.objects.count(), AdmissionCredit.objects.count())
    backup = tmp_path / "backup.json"
    call_command("dumpdata", *APPS, "--natural-foreign", "--indent", "0", "--output", str(backup), verbosity=0)

    demo_remove()
    Target.objects.all().delete()
    assert Admission.objects.count() == 0

    call_command("loaddata", str(backup), verbosity=0)
    after = (Organization.objects.count(), Candidate.objects.count(), Admission.objects.count(), AdmissionCredit.objects.count())
    assert after == counts
    assert figures() == before
