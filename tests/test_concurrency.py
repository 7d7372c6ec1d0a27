"""Two staff recording the same thing at the same moment, on two real PostgreSQL connections."""
import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from candidates import services
from candidates.models import Admission, AdmissionCredit, Candidate, Stage, StageEvent
from cells.models import Organization

from .factories import CandidateFactory, OrganizationFactory, walk_to

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI's second run)"),
]
DAY = datetime.date(2026, 5, 4)


def race(action, times=2):
    """Run `action` in `times` threads, each with its own database connection, released together."""
    barrier = threading.Barrier(times)
    outcomes = []

    def run():
        try:
            barrier.wait()
            action()
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def ready():
    district = OrganizationFactory(kind=Organization.Kind.DISTRICT)
    cell = OrganizationFactory(kind=Organization.Kind.GRASSROOTS_CELL, parent=district)
    candidate = walk_to(CandidateFactory(home_cell=cell, sourced_on=datetime.date(2026, 1, 5)), Stage.COMMITTEE_RESOLUTION, DAY)
    return candidate, cell


def test_two_staff_recording_the_same_admission_one_succeeds_and_nothing_doubles(ready):
    candidate, cell = ready

    def record():
        services.admission_record(
            candidate=Candidate.objects.get(pk=candidate.pk), cell=cell, decision_number="9-QĐ/HU",
            decision_date=DAY, admitted_on=DAY,
        )

    outcomes = race(record)
    assert sorted(outcomes, key=len)[0] == "ok" and outcomes.count("ok") == 1
    assert Admission.objects.filter(candidate=candidate).count() == 1
    assert AdmissionCredit.objects.filter(admission__candidate=candidate).count() == 2  # the cell and the district
    assert StageEvent.objects.filter(candidate=candidate, stage=Stage.DECIDED).count() == 1


def test_two_staff_recording_the_same_step_one_succeeds(ready):
    candidate, cell = ready
    candidate = services.admission_record(
        candidate=candidate, cell=cell, decision_number="9-QĐ/HU", decision_date=DAY
    ).candidate

    def ceremony():
        admission = Admission.objects.get(candidate=candidate)
        services.admission_hold_ceremony(admission=admission, admitted_on=DAY + datetime.timedelta(days=7))

    outcomes = race(ceremony)
    assert outcomes.count("ok") == 1
    assert AdmissionCredit.objects.filter(admission__candidate=candidate).count() == 2
