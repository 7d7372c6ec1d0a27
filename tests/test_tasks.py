import datetime
import os

import pytest
from kombu.exceptions import OperationalError

from cells.models import Organization
from tracker import tasks
from tracker.models import ProgressSnapshot
from tracker.periods import year_period
from tracker.selectors import figures_for

from .factories import OrganizationFactory, admit

TODAY = datetime.date(2026, 11, 26)


def snapshot(code, key):
    return ProgressSnapshot.objects.get(organization__code=code, period_key=key)


def test_an_admission_recomputes_the_cell_and_every_ancestor_on_commit(tree, django_capture_on_commit_callbacks):
    figures_for(tree["district"], year_period(2023), TODAY)
    assert snapshot("d", "2023").admitted == 0
    with django_capture_on_commit_callbacks(execute=True):
        admit(tree["cell_a"], datetime.date(2023, 5, 1))
    for code in ("d", "c", "c-a"):
        refreshed = snapshot(code, "2023")
        assert refreshed.admitted == 1 and not refreshed.stale


def test_many_changes_in_one_transaction_queue_one_recompute(tree, django_capture_on_commit_callbacks, monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.recompute_organizations, "delay", lambda ids: calls.append(ids))
    with django_capture_on_commit_callbacks(execute=True):
        admit(tree["cell_a"], datetime.date(2023, 5, 1))
        admit(tree["cell_b"], datetime.date(2023, 6, 1))
    assert len(calls) == 1
    assert set(calls[0]) >= {tree["cell_a"].pk, tree["cell_b"].pk, tree["district"].pk}


def test_saving_still_works_when_the_broker_is_down(tree, django_capture_on_commit_callbacks, monkeypatch):
    figures_for(tree["district"], year_period(2023), TODAY)

    def broker_down(ids):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.recompute_organizations, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        admission = admit(tree["cell_a"], datetime.date(2023, 5, 1))
    assert admission.pk
    stale = snapshot("d", "2023")
    assert stale.stale and stale.admitted == 0  # old figures, marked as such


def _base_figures(row):
    return (row.admitted, row.target, row.completed_on, row.pipeline, row.pipeline_total, row.forecast, row.breakdowns)


def test_the_recompute_is_idempotent(tree):
    admit(tree["cell_a"], datetime.date(2026, 5, 1))
    tasks.recompute_organizations([tree["cell_a"].pk])
    first = _base_figures(snapshot("d", "2026"))
    written = tasks.recompute_organizations([tree["cell_a"].pk])
    assert written == ProgressSnapshot.objects.filter(organization__code__in=["d", "c", "c-a"]).count() > 0
    tasks.recompute_organizations([tree["cell_a"].pk])
    assert _base_figures(snapshot("d", "2026")) == first
    assert first[0] == 1
    assert ProgressSnapshot.objects.filter(organization__code="d", period_key="2026").count() == 1


def test_the_nightly_recompute_covers_every_organization(db):
    tasks.recompute_all()
    assert ProgressSnapshot.objects.filter(period_key=str(datetime.date.today().year)).count() == Organization.objects.count()
    assert snapshot("thanh-hoa", "2025-2030").admitted > 0


def test_the_nightly_schedule_is_in_the_database(db):
    from django_celery_beat.models import PeriodicTask

    nightly = PeriodicTask.objects.get(task="tracker.tasks.recompute_all")
    assert nightly.enabled and nightly.crontab.hour == "1"


@pytest.mark.slow
@pytest.mark.real_worker
@pytest.mark.skipif(not os.environ.get("CI_REAL_WORKER"), reason="needs the real Celery worker that .ci/run starts")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_recomputes_the_figures():
    district = OrganizationFactory(kind=Organization.Kind.DISTRICT)
    cell = OrganizationFactory(kind=Organization.Kind.GRASSROOTS_CELL, parent=district)
    admit(cell, datetime.date(2023, 5, 1))  # committed: the worker sees it
    result = tasks.recompute_organizations.delay([cell.pk])
    assert result.get(timeout=60) > 0
    assert ProgressSnapshot.objects.get(organization=district, period_key=str(datetime.date.today().year)).admitted == 0
    written = tasks.recompute_organizations.delay([cell.pk]).get(timeout=60)
    assert written == ProgressSnapshot.objects.filter(organization__in=[district, cell]).count()


def test_a_recompute_that_fails_midway_leaves_the_previous_figures(tree, monkeypatch):
    from django.db import IntegrityError

    from tracker import progress

    figures_for(tree["district"], year_period(2023), TODAY)
    admit(tree["cell_a"], datetime.date(2023, 5, 1))
    real_statement = progress.recompute_statement

    def fails_on_the_cells_row(*args, **kwargs):
        statement, params = real_statement(*args, **kwargs)
        # The cell's row breaks a constraint after the others were computed: the whole statement fails.
        broken = statement.replace("SELECT s.id, %s, coalesce(t.n, 0),", f"SELECT s.id, %s, CASE WHEN s.id = {tree['cell_a'].pk} THEN -1 ELSE coalesce(t.n, 0) END,")
        assert broken != statement
        return broken, params

    monkeypatch.setattr(progress, "recompute_statement", fails_on_the_cells_row)
    with pytest.raises(IntegrityError):
        tasks.recompute_organizations([tree["cell_a"].pk])
    old = snapshot("d", "2023")
    assert old.admitted == 0 and old.stale  # the old, marked figures: nothing half-written
    assert not ProgressSnapshot.objects.filter(organization__code="c-a", period_key="2023").exists()
