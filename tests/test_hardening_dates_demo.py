"""The demo district loads whatever day it is, under the date windows: in the first days of January
nothing it records is dated after today."""
import datetime

import pytest
from django.utils import timezone

from candidates.models import Admission, AdmissionCredit, ClassAttendance, DossierDocument, StageEvent
from cells.models import Organization
from tracker.demo import PUBLISHED_YEAR, demo_load, demo_remove


# Rebuilds the whole demo district (as long as the session's own load): skipped by -m "not slow".
@pytest.mark.slow
def test_the_demo_loads_on_the_tenth_of_january(db, monkeypatch):
    day = datetime.date(timezone.localdate().year + 1, 1, 10)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
    demo_remove()
    demo_load(today=day)
    assert not StageEvent.objects.filter(occurred_on__gt=day).exists()
    assert not DossierDocument.objects.filter(received_on__gt=day).exists()
    assert not Admission.objects.filter(decision_date__gt=day).exists()
    district = Organization.objects.get(code="thanh-hoa")
    published = AdmissionCredit.objects.filter(organization=district, admitted_on__year=PUBLISHED_YEAR)
    assert published.count() == 60
    # This year's people were sourced on or before today; none has passed a class that has not ended.
    assert StageEvent.objects.filter(occurred_on=day, stage="sourced").count() > 0
    assert not ClassAttendance.objects.filter(awareness_class__end_date__gt=day, result__in=ClassAttendance.PASSING_RESULTS).exists()
