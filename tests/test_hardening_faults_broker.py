"""The broker down: saving goes on at once, and the changes left pending are picked up when it is back."""
import datetime
import os
import socket
import threading
import time
from contextlib import contextmanager

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from candidates import tasks as candidate_tasks
from candidates.models import Candidate
from cells.models import Organization, OrganizationRole
from tracker import tasks
from tracker.models import PendingRecompute, ProgressSnapshot
from tracker.services import queue_recompute

from .factories import OrganizationFactory, UserFactory, admit, role


def closed_port() -> int:
    """A local port nobody listens on: connecting is refused at once, as with Redis stopped."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _forget_connections(app) -> None:
    # The app keeps its broker pool and result backend once made; made again, they read the new URL.
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    vars(app._local).pop("backend", None)


@contextmanager
def broker_at(url: str):
    """The Celery app as production runs it (not eager), its broker and result backend at `url`."""
    from tracker.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    # Celery prefers the environment's CELERY_BROKER_URL to its configuration (CI sets it for the worker).
    saved_environment = {key: os.environ.pop(key) for key in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND") if key in os.environ}
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    _forget_connections(app)
    try:
        yield app
    finally:
        os.environ.update(saved_environment)
        app.conf.update(saved)
        _forget_connections(app)


@contextmanager
def silent_server():
    """A port that accepts connections and never answers: a broker whose host hung, or a half-open link."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()
        for connection in accepted:
            connection.close()


def timed(action, limit: float):
    """Run `action` in a thread; return (seconds it took, what it raised), or fail once it takes over `limit`
    (it hung forever before the fix)."""
    outcome = {}

    def run():
        started = time.monotonic()
        try:
            action()
        except Exception as error:  # what queueing raised is part of the outcome
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=limit)
    assert "seconds" in outcome, f"still waiting after {limit} s"
    return outcome["seconds"], outcome.get("error")


def test_queueing_the_recompute_with_the_broker_down_gives_up_within_a_second(db):
    with broker_at(f"redis://127.0.0.1:{closed_port()}/0"):
        queued = None

        def queue():
            nonlocal queued
            queued = queue_recompute()

        seconds, error = timed(queue, limit=60)
    assert error is None and queued is False
    assert seconds < 1


@pytest.mark.parametrize(
    "task, args",
    [
        (tasks.recompute_pending, ()),
        (tasks.recompute_sweep, ()),
        (tasks.generate_monthly_reports, (1,)),
        (candidate_tasks.validate_import, (1,)),
        (candidate_tasks.save_import, (1,)),
    ],
    ids=lambda value: getattr(value, "name", ""),
)
def test_every_job_the_pages_queue_fails_fast_with_the_broker_down(db, task, args):
    # The report job's button and the imports catch the error and say so, or do the work in the request.
    with broker_at(f"redis://127.0.0.1:{closed_port()}/0"):
        seconds, error = timed(lambda: task.delay(*args), limit=60)
    assert isinstance(error, OperationalError)
    assert seconds < 1


def test_queueing_gives_up_within_three_seconds_when_the_broker_accepts_and_never_answers(db):
    with silent_server() as port, broker_at(f"redis://127.0.0.1:{port}/0"):
        seconds, error = timed(queue_recompute, limit=30)
    assert error is None
    assert seconds < 3


@pytest.fixture
def staff_of_a_cell(client, db):
    district = OrganizationFactory(kind=Organization.Kind.DISTRICT)
    cell = OrganizationFactory(kind=Organization.Kind.GRASSROOTS_CELL, parent=district)
    user = UserFactory()
    role(user, district, OrganizationRole.Role.STAFF)
    client.force_login(user)
    return client, district, cell


def test_a_save_through_the_form_with_the_broker_down_takes_seconds_and_keeps_its_pending_rows(
    staff_of_a_cell, django_capture_on_commit_callbacks
):
    client, district, cell = staff_of_a_cell
    PendingRecompute.objects.all().delete()  # what creating the tree left
    today = timezone.localdate()
    person = {
        "full_name": "Trần Thị Hoa", "date_of_birth": "15/03/2000", "gender": "female", "ethnicity": "Kinh",
        "religion": "Không", "education_level": "university", "occupation_category": "teacher",
        "source": "school", "home_cell": cell.pk, "sourced_on": today.strftime("%d/%m/%Y"),
    }
    with broker_at(f"redis://127.0.0.1:{closed_port()}/0"):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post("/candidates/new/", person)
        seconds = time.monotonic() - started
    candidate = Candidate.objects.get(full_name="Trần Thị Hoa")
    assert response.status_code == 302 and response.url == f"/candidates/{candidate.pk}/"
    assert len(callbacks) == 1  # the queueing, which failed
    assert seconds < 2
    # The change waits for the sweep or the night: nothing lost.
    assert set(PendingRecompute.objects.values_list("organization_id", flat=True)) == {district.pk, cell.pk}


def test_starting_a_report_job_with_the_broker_down_says_so_at_once(client, db):
    from django.contrib.messages import get_messages
    from django.utils.translation import gettext as _

    client.login(username="bantochuc", password="BanToChuc@2026")
    with broker_at(f"redis://127.0.0.1:{closed_port()}/0"):
        started = time.monotonic()
        response = client.post("/org/thanh-hoa/report/jobs/", {"month": "2026-11"})
        seconds = time.monotonic() - started
    assert response.status_code == 302 and seconds < 2
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        _("The report job could not be started now; try again in a few minutes.")
    ]
