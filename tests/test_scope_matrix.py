"""Every URL × every role × an object inside and outside the role's scope: outside answers 404/403
(or the login page), never data; guessed ids in URLs and POST bodies change nothing."""
import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import get_resolver

from candidates.models import AwarenessClass, Candidate, ClassAttendance, ImportJob, StageEvent
from candidates.services import class_create
from cells.models import Organization
from tracker.models import ReportJob

from .factories import CandidateFactory, UserFactory, role

# path template → method; {org} {candidate} {klass} {report} {import_job} are filled per case.
URLS = [
    ("GET", "/org/{org}/"),
    ("GET", "/org/{org}/report/"),
    ("GET", "/org/{org}/report/?format=xlsx"),
    ("GET", "/org/{org}/targets/"),
    ("POST", "/org/{org}/targets/"),
    ("POST", "/org/{org}/report/jobs/"),
    ("GET", "/api/v1/progress/?org={org}&period=2023"),
    ("GET", "/candidates/deadlines/?org={org}"),
    ("GET", "/candidates/{candidate}/"),
    ("GET", "/candidates/{candidate}/edit/"),
    ("POST", "/candidates/{candidate}/edit/"),
    ("GET", "/candidates/{candidate}/dossier/"),
    ("POST", "/candidates/{candidate}/step/"),
    ("POST", "/candidates/{candidate}/documents/"),
    ("GET", "/candidates/classes/{klass}/"),
    ("GET", "/candidates/classes/{klass}/attendees.xlsx"),
    ("POST", "/candidates/classes/{klass}/enroll/"),
    ("POST", "/candidates/classes/{klass}/add-person/"),
    ("POST", "/candidates/classes/{klass}/roster/"),
    ("POST", "/candidates/classes/{klass}/results/"),
    ("POST", "/candidates/classes/{klass}/import/"),
    ("GET", "/reports/{report}/"),
    ("GET", "/candidates/imports/{import_job}/"),
    ("POST", "/candidates/imports/{import_job}/save/"),
]
ROLES = ["anonymous", "viewer", "secretary", "staff"]


def test_the_matrix_covers_every_url_with_a_parameter():
    covered = {path.split("?")[0] for _method, path in URLS}
    names = []

    def walk(patterns, prefix=""):
        for entry in patterns:
            if hasattr(entry, "url_patterns"):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            else:
                names.append(prefix + str(entry.pattern))

    walk(get_resolver().url_patterns)
    # The forms' searches take a field's name, not an object: their scope is tested in test_search_select.
    skipped = ("admin/", "accounts/", "i18n/", "candidates/import/template", "candidates/search/")
    with_params = [n for n in names if "<" in n and not n.startswith(skipped)]
    for route in with_params:
        shape = "/" + route.replace("<slug:code>", "{org}").replace("<int:pk>", "{x}")
        assert any(shape.split("{")[0] in path for path in covered), f"{route} is not in the scope matrix"


@pytest.fixture
def world(db):
    inside = Organization.objects.get(code="tan-dong")
    outside = Organization.objects.get(code="thuy-dong")
    users = {"anonymous": None}
    for name in ("viewer", "secretary", "staff"):
        user = UserFactory(username=f"tan-dong-{name}")
        role(user, inside, role=name)
        users[name] = user
    other = get_user_model().objects.get(username="bantochuc")
    objects = {}
    for side, org in (("in", inside), ("out", outside)):
        klass = class_create(name=f"Lớp {side}", organizer=org, start_date=datetime.date(2026, 3, 2), end_date=datetime.date(2026, 3, 6))
        objects[side] = {
            "org": org.code,
            "candidate": CandidateFactory(home_cell=Organization.objects.get(code=f"{org.code}-ap-1")).pk,
            "klass": klass.pk,
            # Jobs belong to whoever started them: someone else's are out of everyone's scope.
            "report": ReportJob.objects.create(organization=org, month=datetime.date(2026, 1, 1), requested_by=other).pk,
            "import_job": ImportJob.objects.create(kind="candidates", file="x.xlsx", file_name="x.xlsx", created_by=other,
                                                   status=ImportJob.Status.VALID).pk,
        }
    return users, objects


def snapshot():
    return (Candidate.objects.count(), StageEvent.objects.count(), ClassAttendance.objects.count(),
            ReportJob.objects.count(), ImportJob.objects.filter(status="valid").count(), AwarenessClass.objects.count())


@pytest.mark.parametrize("role_name", ROLES)
def test_nothing_outside_the_scope_is_shown_or_changed(client, world, role_name):
    users, objects = world
    if users[role_name]:
        client.force_login(users[role_name])
    before = snapshot()
    for method, path in URLS:
        url = path.format(**objects["out"])
        body = {"candidate": objects["out"]["candidate"], "stage": "trained", "occurred_on": "02/02/2026", "month": "2026-01"}
        response = client.post(url, body) if method == "POST" else client.get(url)
        if role_name == "anonymous":
            assert response.status_code in (302, 401), url
            assert response.status_code == 401 or "/accounts/login/" in response.url, url
        else:
            assert response.status_code in (403, 404), (role_name, method, url, response.status_code)
    assert snapshot() == before


def test_guessed_ids_in_post_bodies_change_nothing(client, world):
    users, objects = world
    client.force_login(users["staff"])
    # Enrol someone from another commune into one's own class.
    response = client.post(f"/candidates/classes/{objects['in']['klass']}/enroll/", {"candidate": objects["out"]["candidate"]})
    assert response.status_code == 404
    assert not ClassAttendance.objects.filter(candidate_id=objects["out"]["candidate"]).exists()
    # A results row for an attendance of another class.
    foreign = ClassAttendance.objects.create(awareness_class_id=objects["out"]["klass"], candidate_id=objects["out"]["candidate"])
    client.post(f"/candidates/classes/{objects['in']['klass']}/results/", {f"result-{foreign.pk}": "good", f"certificate-{foreign.pk}": "1"})
    foreign.refresh_from_db()
    assert foreign.result == "pending"


EXPECTED_IN_SCOPE = {
    # (method, path) → roles that may use it inside their scope; the others get 404.
    ("GET", "/org/{org}/"): {"viewer", "secretary", "staff"},
    ("GET", "/api/v1/progress/?org={org}&period=2023"): {"viewer", "secretary", "staff"},
    ("GET", "/candidates/{candidate}/"): {"secretary", "staff"},
    ("GET", "/candidates/{candidate}/edit/"): {"staff"},
    ("GET", "/candidates/{candidate}/dossier/"): {"secretary", "staff"},
    ("GET", "/candidates/classes/{klass}/"): {"secretary", "staff"},
    ("GET", "/candidates/classes/{klass}/attendees.xlsx"): {"secretary", "staff"},
    # The monthly report lists people by name: not for viewers.
    ("GET", "/org/{org}/report/"): {"secretary", "staff"},
    ("GET", "/org/{org}/targets/"): {"staff"},
}


@pytest.mark.parametrize("role_name", ["viewer", "secretary", "staff"])
def test_inside_the_scope_each_role_gets_what_it_may(client, world, role_name):
    users, objects = world
    client.force_login(users[role_name])
    for (method, path), allowed in EXPECTED_IN_SCOPE.items():
        status = client.get(path.format(**objects["in"])).status_code
        assert (status == 200) == (role_name in allowed), (role_name, path, status)
