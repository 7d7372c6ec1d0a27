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


def test_a_recompute_job_waits_for_the_nightly_check_and_then_counts_what_it_missed(monkeypatch):
    from django.db import transaction

    from tests.factories import admit
    from tracker import tasks
    from tracker.models import PendingRecompute, ProgressSnapshot
    from tracker.services import recompute_lock

    district = OrganizationFactory(kind=Organization.Kind.DISTRICT)
    cell = OrganizationFactory(kind=Organization.Kind.GRASSROOTS_CELL, parent=district)
    key = str(DAY.year)
    nightly_holds, release, job_done = threading.Event(), threading.Event(), threading.Event()

    def nightly():  # stands for a nightly check that is still counting
        try:
            with transaction.atomic():
                recompute_lock()
                nightly_holds.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    def job():
        try:
            tasks.recompute_pending()
            job_done.set()
        finally:
            connections.close_all()

    first = threading.Thread(target=nightly)
    first.start()
    assert nightly_holds.wait(timeout=10)
    monkeypatch.setattr(tasks.recompute_pending, "delay", lambda: None)  # run by hand below, in its own thread
    admit(cell, DAY)
    second = threading.Thread(target=job)
    second.start()
    assert not job_done.wait(timeout=1)  # it waits instead of writing beside the check
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert job_done.is_set() and not PendingRecompute.objects.exists()
    assert ProgressSnapshot.objects.get(organization=district, period_key=key).admitted == 1


def test_a_page_missing_its_snapshot_waits_for_a_running_job_and_then_counts_nothing_twice():
    from django.db import transaction
    from django.utils import timezone

    from tracker.models import ProgressSnapshot
    from tracker.periods import year_period
    from tracker.selectors import figures_for
    from tracker.services import recompute_lock, snapshots_recompute

    district = OrganizationFactory(kind=Organization.Kind.DISTRICT)
    cell = OrganizationFactory(kind=Organization.Kind.GRASSROOTS_CELL, parent=district)
    period = year_period(2024)  # creating them computed the current year; nobody has opened 2024
    job_holds, release, page_done = threading.Event(), threading.Event(), threading.Event()
    job_finished = []

    def job():  # stands for a job counting the same organizations
        try:
            with transaction.atomic():
                recompute_lock()
                job_holds.set()
                release.wait(timeout=30)
                snapshots_recompute(period=period, organization_ids=[district.pk, cell.pk])
            job_finished.append(timezone.now())
        finally:
            connections.close_all()

    def page():
        try:
            figures_for(Organization.objects.get(pk=district.pk), period, DAY)
            page_done.set()
        finally:
            connections.close_all()

    first = threading.Thread(target=job)
    first.start()
    assert job_holds.wait(timeout=10)
    second = threading.Thread(target=page)
    second.start()
    assert not page_done.wait(timeout=1)  # it waits instead of counting beside the job
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert page_done.is_set()
    # The page found the job's rows and wrote none of its own.
    rows = ProgressSnapshot.objects.filter(organization__in=[district, cell], period_key=period.key)
    assert rows.count() == 2 and all(row.computed_at <= job_finished[0] for row in rows)
