"""The embedded default: two people saving at the same moment on SQLite both succeed, or the second is
told why in the form; neither gets "database is locked" as a server error.

The suite's database is in memory, where SQLite locks differently; these tests copy it to a file and
give each user's thread its own connection to that file, made with the project's settings.
"""
import datetime
import shutil
import sqlite3
import threading
import time

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from candidates import services
from candidates.models import Admission, Candidate, Stage
from cells.models import Organization, OrganizationRole

from .factories import CandidateFactory, OrganizationFactory, UserFactory, role, walk_to

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own locking (the embedded default)")


@pytest.fixture(scope="module")
def demo_file(django_db_setup, django_db_blocker, tmp_path_factory):
    """A SQLite file holding a copy of the test database (the demo district), taken between tests: inside
    a test's transaction, which holds the write lock, the copy would wait for ever."""
    path = tmp_path_factory.mktemp("sqlite") / "demo.sqlite3"
    with django_db_blocker.unblock():
        connection.ensure_connection()
        copy = sqlite3.connect(path)
        connection.connection.backup(copy)
        copy.close()
    return path


@pytest.fixture
def file_database(db, demo_file, tmp_path):
    """The settings of a fresh copy of that file, with the project's options."""
    path = tmp_path / "tracker.sqlite3"
    shutil.copyfile(demo_file, path)
    return {**connection.settings_dict, "NAME": str(path)}


def on_file(settings: dict, action):
    """Run `action` in a thread of its own whose default database is the file, as a web worker's is;
    return a function that waits for it and gives what it returned."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    outcome = {}

    def run():
        connections["default"] = DatabaseWrapper(settings, "default")
        try:
            outcome["value"] = action()
        except BaseException as error:  # handed to the test's thread
            outcome["error"] = error
        finally:
            connections["default"].close()

    thread = threading.Thread(target=run)
    thread.start()

    def result():
        thread.join(timeout=60)
        assert not thread.is_alive(), "still waiting after 60 s"
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    return result


def at_once(settings: dict, actions: list):
    """Start every action at the same moment, each in its own thread and connection; their results."""
    barrier = threading.Barrier(len(actions))

    def released(action):
        def run():
            barrier.wait(timeout=30)
            return action()

        return run

    waits = [on_file(settings, released(action)) for action in actions]
    return [wait() for wait in waits]


def slowed(monkeypatch, name: str, seconds: float = 0.5):
    """Make `services.<name>` wait before it writes: both requests have read what they show by then,
    as two people's who press Save together."""
    real = getattr(services, name)

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, name, slow)


def world(settings: dict):
    """A district, its cell, two of its staff, and a person the committee has resolved to admit; in the file."""

    def build():
        district = OrganizationFactory(kind=Organization.Kind.DISTRICT)
        cell = OrganizationFactory(kind=Organization.Kind.GRASSROOTS_CELL, parent=district)
        staff = [UserFactory(), UserFactory()]
        for user in staff:
            role(user, district, OrganizationRole.Role.STAFF)
        day = timezone.localdate() - datetime.timedelta(days=30)
        candidate = walk_to(CandidateFactory(home_cell=cell, sourced_on=day), Stage.COMMITTEE_RESOLUTION, day)
        return cell, staff, candidate

    return on_file(settings, build)()


def logged_in(user) -> Client:
    client = Client(raise_request_exception=False)  # a server error comes back as the 500 a user sees
    client.force_login(user)
    return client


def test_the_file_database_writes_ahead(file_database):
    assert on_file(file_database, lambda: connection.cursor().execute("PRAGMA journal_mode").fetchone()[0])() == "wal"


def test_two_staff_adding_people_at_the_same_moment_both_succeed(file_database, monkeypatch):
    cell, staff, resolved = world(file_database)
    today = timezone.localdate().strftime("%d/%m/%Y")
    slowed(monkeypatch, "candidate_create")

    def add(user, name):
        def post():
            return logged_in(user).post("/candidates/new/", {
                "full_name": name, "date_of_birth": "15/03/2000", "gender": "female", "ethnicity": "Kinh",
                "religion": "Không", "education_level": "university", "occupation_category": "teacher",
                "source": "school", "home_cell": cell.pk, "sourced_on": today,
            }).status_code

        return post

    assert at_once(file_database, [add(staff[0], "Lê Thị Lan"), add(staff[1], "Phạm Văn Nam")]) == [302, 302]
    names = on_file(file_database, lambda: sorted(Candidate.objects.filter(home_cell=cell).values_list("full_name", flat=True)))()
    assert names == sorted(["Lê Thị Lan", "Phạm Văn Nam", resolved.full_name])


def test_the_second_of_two_staff_recording_the_same_decision_is_told_in_the_form(file_database, monkeypatch):
    _cell, staff, candidate = world(file_database)
    day = timezone.localdate().strftime("%d/%m/%Y")
    slowed(monkeypatch, "step_record")

    def decide(user, number):
        def post():
            response = logged_in(user).post(
                f"/candidates/{candidate.pk}/step/", {"stage": Stage.DECIDED, "occurred_on": day, "document_number": number}
            )
            return response.status_code, response.content.decode()

        return post

    outcomes = at_once(file_database, [decide(staff[0], "9-QĐ/HU"), decide(staff[1], "10-QĐ/HU")])
    assert sorted(status for status, _page in outcomes) == [302, 400]
    refused = next(page for status, page in outcomes if status == 400)
    label = str(Stage(Stage.DECIDED).label)
    message = _("The step “%(stage)s” is already recorded for %(name)s.") % {"stage": label, "name": candidate.full_name}
    assert escape(message) in refused
    admissions = on_file(file_database, lambda: list(Admission.objects.filter(candidate_id=candidate.pk).values_list("decision_number", flat=True)))()
    assert len(admissions) == 1
