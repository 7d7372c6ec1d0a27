"""Two staff recording the same thing at the same moment, on two real PostgreSQL connections."""
import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from candidates import services
from candidates.models import Admission, AdmissionCredit, Candidate, Stage, StageEvent
from cells.models import Organization
from tracker import tasks
from tracker.models import PendingRecompute, ProgressSnapshot
from tracker.periods import year_period
from tracker.selectors import figures_for
from tracker.services import recompute_lock, snapshots_recompute

from .factories import CandidateFactory, OrganizationFactory, admit, walk_to

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


def in_thread(action):
    """Start `action` in a thread with its own database connection; the event is set once it has returned."""
    done = threading.Event()

    def run():
        try:
            action()
            done.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done


def holding_the_recompute_lock(holds, release, then=lambda: None):
    """A job (or the nightly check) that takes the recompute lock, waits to be released, then does `then`."""

    def job():
        with transaction.atomic():
            recompute_lock()
            holds.set()
            release.wait(timeout=30)
            then()

    return job


def test_a_recompute_job_waits_for_the_nightly_check_and_then_counts_what_it_missed(monkeypatch):
    district = OrganizationFactory(kind=Organization.Kind.DISTRICT)
    cell = OrganizationFactory(kind=Organization.Kind.GRASSROOTS_CELL, parent=district)
    holds, release = threading.Event(), threading.Event()
    nightly, _ = in_thread(holding_the_recompute_lock(holds, release))  # a nightly check still counting
    assert holds.wait(timeout=10)
    monkeypatch.setattr(tasks.recompute_pending, "delay", lambda: None)  # run by hand below, in its own thread
    admit(cell, DAY)
    job, job_done = in_thread(tasks.recompute_pending)
    assert not job_done.wait(timeout=1)  # it waits instead of writing beside the check
    release.set()
    nightly.join(timeout=30)
    job.join(timeout=30)
    assert job_done.is_set() and not PendingRecompute.objects.exists()
    assert ProgressSnapshot.objects.get(organization=district, period_key=str(DAY.year)).admitted == 1


def test_a_page_missing_its_snapshot_waits_for_a_running_job_and_then_counts_nothing_twice():
    district = OrganizationFactory(kind=Organization.Kind.DISTRICT)
    cell = OrganizationFactory(kind=Organization.Kind.GRASSROOTS_CELL, parent=district)
    period = year_period(2024)  # creating them computed the current year; nobody has opened 2024
    marked = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)

    def count_and_mark():
        snapshots_recompute(period=period, organization_ids=[district.pk, cell.pk])
        ProgressSnapshot.objects.filter(period_key=period.key).update(computed_at=marked)

    holds, release = threading.Event(), threading.Event()
    job, _ = in_thread(holding_the_recompute_lock(holds, release, then=count_and_mark))
    assert holds.wait(timeout=10)
    page, page_done = in_thread(lambda: figures_for(Organization.objects.get(pk=district.pk), period, DAY))
    assert not page_done.wait(timeout=1)  # it waits instead of counting beside the job
    release.set()
    job.join(timeout=30)
    page.join(timeout=30)
    assert page_done.is_set()
    # The page found the job's rows and wrote none of its own.
    rows = ProgressSnapshot.objects.filter(organization__in=[district, cell], period_key=period.key)
    assert rows.count() == 2 and all(row.computed_at == marked for row in rows)
