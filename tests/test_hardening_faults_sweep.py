"""Changes saved while the broker was down are counted once it is back, without another change or the night."""
import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.exceptions import OperationalError

from tracker import tasks
from tracker.models import PendingRecompute, ProgressSnapshot
from tracker.periods import year_period
from tracker.selectors import figures_for

from .factories import admit


def saved_while_the_broker_was_down(tree, monkeypatch, django_capture_on_commit_callbacks):
    """An admission of today committed, whose job could not be queued: its pending rows wait."""
    today = timezone.localdate()
    figures_for(tree["district"], year_period(today.year), today)
    tasks.recompute_pending()  # what creating the tree left

    def broker_down():
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patched:
        patched.setattr(tasks.recompute_pending, "delay", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            admit(tree["cell_a"], today)
    return today


def test_the_sweep_counts_the_changes_whose_job_was_never_queued(tree, monkeypatch, django_capture_on_commit_callbacks):
    today = saved_while_the_broker_was_down(tree, monkeypatch, django_capture_on_commit_callbacks)
    assert PendingRecompute.objects.filter(organization=tree["cell_a"]).exists()
    assert figures_for(tree["district"], year_period(today.year), today).data["admitted"] == 0

    assert tasks.recompute_sweep() > 0
    assert not PendingRecompute.objects.exists()
    fresh = figures_for(tree["district"], year_period(today.year), today)
    assert not fresh.stale and fresh.data["admitted"] == 1


def test_the_sweep_with_nothing_pending_costs_one_query_and_starts_no_recompute(tree, monkeypatch):
    tasks.recompute_pending()
    assert not PendingRecompute.objects.exists()

    def recomputes():
        raise AssertionError("the sweep recomputed with nothing pending")

    monkeypatch.setattr(tasks, "recompute_pending", recomputes)
    with CaptureQueriesContext(connection) as queries:
        assert tasks.recompute_sweep() == 0
    assert len(queries) == 1


def test_a_worker_that_starts_takes_what_waited(tree, monkeypatch, django_capture_on_commit_callbacks):
    from celery.signals import worker_ready

    today = saved_while_the_broker_was_down(tree, monkeypatch, django_capture_on_commit_callbacks)
    worker_ready.send(sender=None)  # what a worker sends once it is connected and consuming
    assert not PendingRecompute.objects.exists()
    assert ProgressSnapshot.objects.get(organization=tree["district"], period_key=str(today.year)).admitted == 1


def test_the_sweep_runs_every_five_minutes_from_the_database_schedule(db):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    sweep = PeriodicTask.objects.get(task="tracker.tasks.recompute_sweep")
    assert sweep.enabled and sweep.crontab is None
    assert (sweep.interval.every, sweep.interval.period) == (5, IntervalSchedule.MINUTES)
    assert sweep.schedule.run_every == datetime.timedelta(minutes=5)
