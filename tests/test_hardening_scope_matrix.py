"""A companion to test_scope_matrix (issue 20): generated cases for class attendees inside and outside
each role's scope, report jobs after a role is removed, and step ownership for each role × step.

The expected answers are written out here as tables, not worked out by the code under test."""
import datetime
import itertools

import pytest
from django.db import transaction

from candidates import rules
from candidates.models import DOSSIER_FORMS, Candidate, Stage, StageEvent
from candidates.selectors import may_record_step
from candidates.services import admission_hold_ceremony, admission_record, class_create, class_enroll, dossier_add
from cells.models import Organization, OrganizationRole
from tracker.models import ReportJob

from .factories import CandidateFactory, OrganizationFactory, UserFactory, party_member, role, walk_to

DAY = datetime.date(2025, 3, 3)
POSTED_ON = "10/03/2025"


def org(code):
    return Organization.objects.get(code=code)


def user_with(roles, superuser=False):
    user = UserFactory(is_superuser=superuser)
    for code, name in roles:
        role(user, org(code), role=name)
    return user


# ---- class attendees --------------------------------------------------------------------------------
# A Tân Đông class holds one person of Tân Đông (ấp 1) and one of Thủy Đông, whom the district enrolled.
# role → (status of the class page, whom the page names, whose results the user may change)
CLASS_CASES = {
    "tan-dong secretary": ([("tan-dong", "secretary")], 200, {"in"}, set()),
    "tan-dong staff": ([("tan-dong", "staff")], 200, {"in"}, {"in"}),
    "tan-dong viewer": ([("tan-dong", "viewer")], 404, set(), set()),
    "tan-dong-ap-1 secretary": ([("tan-dong-ap-1", "secretary")], 404, set(), set()),  # the class is the commune's
    "thuy-dong staff": ([("thuy-dong", "staff")], 404, set(), set()),
    "thanh-hoa secretary": ([("thanh-hoa", "secretary")], 200, {"in", "out"}, set()),
    "thanh-hoa staff": ([("thanh-hoa", "staff")], 200, {"in", "out"}, {"in", "out"}),
    "tan-dong staff + thuy-dong secretary": ([("tan-dong", "staff"), ("thuy-dong", "secretary")], 200, {"in", "out"}, {"in"}),
    "superuser": ([], 200, {"in", "out"}, {"in", "out"}),
}
NAMES = {"in": "Lâm Thị Trong", "out": "Quách Văn Ngoài"}


@pytest.mark.parametrize("case", CLASS_CASES)
def test_class_attendees_inside_and_outside_each_roles_scope(client, db, case):
    roles, status, named, changeable = CLASS_CASES[case]
    klass = class_create(name="Lớp Tân Đông", organizer=org("tan-dong"), start_date=datetime.date(2026, 3, 2),
                         end_date=datetime.date(2026, 3, 6))
    people = {
        "in": CandidateFactory(home_cell=org("tan-dong-ap-1"), full_name=NAMES["in"]),
        "out": CandidateFactory(home_cell=org("thuy-dong-ap-1"), full_name=NAMES["out"]),
    }
    attendances = {side: class_enroll(awareness_class=klass, candidate=person) for side, person in people.items()}
    client.force_login(user_with(roles, superuser=case == "superuser"))

    page = client.get(f"/candidates/classes/{klass.pk}/")
    assert page.status_code == status
    html = page.content.decode()
    for side in ("in", "out"):
        assert (NAMES[side] in html) == (side in named), (case, side)
    if status == 200:
        assert page.context["hidden_count"] == 2 - len(named)

    # Everyone posts a passing result for both, with guessed ids where the page showed no field.
    body = {}
    for side, attendance in attendances.items():
        body |= {f"result-{attendance.pk}": "good", f"certificate-{attendance.pk}": f"GCN-{side}"}
    response = client.post(f"/candidates/classes/{klass.pk}/results/", body)
    assert response.status_code == (302 if changeable else 404), case
    for side, attendance in attendances.items():
        attendance.refresh_from_db()
        expected = ("good", Stage.TRAINED) if side in changeable else ("pending", Stage.SOURCED)
        assert (attendance.result, Candidate.objects.get(pk=people[side].pk).stage) == expected, (case, side)


# ---- report jobs after a role is removed ---------------------------------------------------------------
def remove(user):
    OrganizationRole.objects.filter(user=user).delete()


def lower_to_viewer(user):
    OrganizationRole.objects.filter(user=user).update(role="viewer")


def move_to_another_commune(user):
    OrganizationRole.objects.filter(user=user).update(organization=org("thuy-dong"))


def move_up_to_the_district(user):
    OrganizationRole.objects.filter(user=user).update(organization=org("thanh-hoa"))


CHANGES = {"removed": (remove, 404), "lowered to viewer": (lower_to_viewer, 404),
           "moved to another commune": (move_to_another_commune, 404), "moved up to the district": (move_up_to_the_district, 200)}


@pytest.mark.parametrize("role_name, change", list(itertools.product(["secretary", "staff"], CHANGES)))
def test_job_pages_after_a_role_is_removed(client, db, role_name, change):
    apply, status = CHANGES[change]
    user = user_with([("tan-dong", role_name)])
    client.force_login(user)
    client.post("/org/tan-dong/report/jobs/", {"month": "2023-12"})
    job = ReportJob.objects.get(requested_by=user)
    assert job.status == ReportJob.Status.DONE
    assert client.get(f"/reports/{job.pk}/?download=1").status_code == 200
    apply(user)
    assert client.get(f"/reports/{job.pk}/").status_code == status
    assert client.get(f"/reports/{job.pk}/?download=1").status_code == status


@pytest.mark.parametrize("role_name, change", list(itertools.product(["secretary", "staff"], CHANGES)))
def test_a_job_run_after_the_role_changed(db, role_name, change):
    from tracker.tasks import generate_monthly_reports

    apply, status = CHANGES[change]
    user = user_with([("tan-dong", role_name)])
    job = ReportJob.objects.create(organization=org("tan-dong"), month=datetime.date(2023, 12, 1), requested_by=user)
    apply(user)
    generate_monthly_reports(job.pk)
    job.refresh_from_db()
    assert job.status == (ReportJob.Status.DONE if status == 200 else ReportJob.Status.FAILED), change
    assert bool(job.file) == (status == 200)


# ---- step ownership: the selector, on a province's whole lineage ---------------------------------------
CELL_STEPS = [Stage.SOURCED, Stage.TRAINED, Stage.APPLIED, Stage.VERIFIED, Stage.CELL_RESOLUTION, Stage.DROPPED]
COMMITTEE_STEPS = [Stage.COMMITTEE_RESOLUTION]
DECISION_STEPS = [Stage.DECIDED, Stage.PROBATIONARY, Stage.FULL_MEMBER, Stage.NOT_CONFIRMED]
LINEAGE = ["province", "district", "commune", "sub", "cell"]  # the cell sits under a sub-committee

# Who records what for a person of the cell: the cell's steps by the cell's secretary or any board staff
# above; the resolution by the commune's secretary or staff or staff above; the decision by the district's
# staff or staff above.
MAY_RECORD = {
    ("province", "staff"): CELL_STEPS + COMMITTEE_STEPS + DECISION_STEPS,
    ("district", "staff"): CELL_STEPS + COMMITTEE_STEPS + DECISION_STEPS,
    ("commune", "staff"): CELL_STEPS + COMMITTEE_STEPS,
    ("commune", "secretary"): COMMITTEE_STEPS,
    ("sub", "staff"): CELL_STEPS,
    ("cell", "staff"): CELL_STEPS,
    ("cell", "secretary"): CELL_STEPS,
}


@pytest.fixture
def lineage(db):
    province = OrganizationFactory(code="p", kind=Organization.Kind.PROVINCE)
    district = OrganizationFactory(code="p-d", kind=Organization.Kind.DISTRICT, parent=province)
    commune = OrganizationFactory(code="p-d-c", kind=Organization.Kind.GRASSROOTS_COMMITTEE, parent=district)
    sub = OrganizationFactory(code="p-d-c-s", kind=Organization.Kind.SUB_COMMITTEE, parent=commune)
    cell = OrganizationFactory(code="p-d-c-s-x", kind=Organization.Kind.CELL, parent=sub)
    other = OrganizationFactory(code="p-d-c2", kind=Organization.Kind.GRASSROOTS_COMMITTEE, parent=district)
    return {"province": province, "district": district, "commune": commune, "sub": sub, "cell": cell, "other": other}


def test_step_ownership_for_each_role_on_each_level_and_each_step(lineage):
    assert sorted(CELL_STEPS + COMMITTEE_STEPS + DECISION_STEPS) == sorted(Stage.values)
    candidate = CandidateFactory(home_cell=lineage["cell"])
    wrong = []
    for level, role_name in itertools.product([*LINEAGE, "other"], ["staff", "secretary", "viewer"]):
        user = UserFactory()
        role(user, lineage[level], role=role_name)
        for stage in CELL_STEPS + COMMITTEE_STEPS + DECISION_STEPS:
            expected = stage in MAY_RECORD.get((level, role_name), [])
            if may_record_step(user, candidate, stage) != expected:
                wrong.append((level, role_name, stage, expected))
    assert wrong == []
    nobody = UserFactory()
    assert not any(may_record_step(nobody, candidate, stage) for stage in Stage.values)
    admin = UserFactory(is_superuser=True)
    assert all(may_record_step(admin, candidate, stage) for stage in Stage.values)


# ---- step ownership through the pages, on the demo district ------------------------------------------------
# Who may record each step for a person of Tân Đông's ấp 1 (Tân Đông is a grassroots committee under the district).
DEMO_ROLES = {
    "cell secretary": [("tan-dong-ap-1", "secretary")],
    "cell staff": [("tan-dong-ap-1", "staff")],
    "commune secretary": [("tan-dong", "secretary")],
    "commune staff": [("tan-dong", "staff")],
    "commune viewer": [("tan-dong", "viewer")],
    "district secretary": [("thanh-hoa", "secretary")],
    "district staff": [("thanh-hoa", "staff")],
    "other commune's staff": [("thuy-dong", "staff")],
    "superuser": [],
}
CELL = {"cell secretary", "cell staff", "commune staff", "district staff", "superuser"}
COMMITTEE = {"commune secretary", "commune staff", "district staff", "superuser"}
DECISION = {"district staff", "superuser"}
READERS = set(DEMO_ROLES) - {"commune viewer", "other commune's staff"}
# step → (the step before it, who may record it, what the form needs besides the date)
STEPS = {
    Stage.TRAINED: (Stage.SOURCED, CELL, {}),
    Stage.APPLIED: (Stage.TRAINED, CELL, {}),
    Stage.VERIFIED: (Stage.APPLIED, CELL, {}),
    Stage.CELL_RESOLUTION: (Stage.VERIFIED, CELL, {"votes_for": "3", "members_total": "3"}),
    Stage.DROPPED: (Stage.SOURCED, CELL, {}),
    Stage.COMMITTEE_RESOLUTION: (Stage.CELL_RESOLUTION, COMMITTEE, {}),
    Stage.DECIDED: (Stage.COMMITTEE_RESOLUTION, DECISION, {"document_number": "9-QĐ/HU"}),
    Stage.PROBATIONARY: (Stage.DECIDED, DECISION, {}),
    Stage.FULL_MEMBER: (Stage.PROBATIONARY, DECISION, {"document_number": "10-QĐ/HU"}),
    Stage.NOT_CONFIRMED: (Stage.PROBATIONARY, DECISION, {"document_number": "11-QĐ/HU"}),
}


def person_at(stage):
    candidate = CandidateFactory(home_cell=org("tan-dong-ap-1"), sourced_on=DAY)
    if stage == Stage.SOURCED:
        return candidate
    if stage == Stage.VERIFIED:
        walk_to(candidate, Stage.VERIFIED, DAY)
        dossier_add(candidate=candidate, form_code="3-KNĐ", received_on=DAY, introducer=party_member(candidate.home_cell))
        return candidate
    if stage in (Stage.DECIDED, Stage.PROBATIONARY):
        walk_to(candidate, Stage.COMMITTEE_RESOLUTION, DAY)
        admission = admission_record(candidate=candidate, cell=candidate.home_cell, decision_number="1-QĐ/HU", decision_date=DAY)
        if stage == Stage.PROBATIONARY:
            admission_hold_ceremony(admission=admission, admitted_on=DAY)
        candidate.refresh_from_db()
        return candidate
    return walk_to(candidate, stage, DAY)


@pytest.fixture
def waiting(db):
    """One person at each step some other step follows."""
    return {before: person_at(before) for before in {before for before, _who, _extra in STEPS.values()}}


@pytest.mark.parametrize("who", DEMO_ROLES)
def test_step_ownership_through_the_pages_for_each_role_and_step(client, waiting, who):
    client.force_login(user_with(DEMO_ROLES[who], superuser=who == "superuser"))
    for before, candidate in waiting.items():
        page = client.get(f"/candidates/{candidate.pk}/")
        assert page.status_code == (200 if who in READERS else 404), (who, before)
        if page.status_code != 200:
            continue
        may = [stage for stage in rules.next_stages(before) if who in STEPS[stage][1]]
        assert page.context["can_record"] == bool(may), (who, before)
        assert [value for value, _label in page.context["step_form"].fields["stage"].choices] == may, (who, before)
    for stage, (before, allowed, extra) in STEPS.items():
        candidate = waiting[before]
        may_any = who in READERS and any(who in STEPS[following][1] for following in rules.next_stages(before))
        expected = 302 if who in allowed else (400 if may_any else 404)
        with transaction.atomic():
            response = client.post(f"/candidates/{candidate.pk}/step/", {"stage": stage, "occurred_on": POSTED_ON, **extra})
            recorded = StageEvent.objects.filter(candidate=candidate, stage=stage).exists()
            transaction.set_rollback(True)
        assert (response.status_code, recorded) == (expected, expected == 302), (who, stage)


@pytest.mark.parametrize("who", DEMO_ROLES)
def test_dossier_forms_through_the_pages_for_each_role(client, db, who):
    candidate = CandidateFactory(home_cell=org("tan-dong-ap-1"), sourced_on=DAY)
    client.force_login(user_with(DEMO_ROLES[who], superuser=who == "superuser"))
    owners = {Stage.APPLIED: CELL, Stage.VERIFIED: CELL, Stage.CELL_RESOLUTION: CELL,
              Stage.COMMITTEE_RESOLUTION: COMMITTEE, Stage.DECIDED: DECISION, Stage.FULL_MEMBER: DECISION}
    # The probation's papers (10–13-KNĐ) are written and filed at the cell.
    filed_by = {code: CELL if code in ("10-KNĐ", "11-KNĐ", "12-KNĐ", "13-KNĐ") else owners[stage]
                for code, (_label, stage) in DOSSIER_FORMS.items()}
    may = [code for code in DOSSIER_FORMS if who in filed_by[code]]
    page = client.get(f"/candidates/{candidate.pk}/")
    if who not in READERS:
        assert page.status_code == 404
        return
    assert page.context["documents_open"] == bool(may)
    if may:
        assert [code for code, _label in page.context["document_form"].fields["form_code"].choices] == may
    for code in DOSSIER_FORMS:
        with transaction.atomic():
            response = client.post(f"/candidates/{candidate.pk}/documents/", {
                "doc-form_code": code, "doc-received_on": POSTED_ON, "doc-document_number": "x",
                "doc-introducer": party_member(candidate.home_cell).pk,
            })
            filed = candidate.documents.filter(form_code=code).exists()
            transaction.set_rollback(True)
        expected = 302 if code in may else (400 if may else 404)
        assert (response.status_code, filed) == (expected, expected == 302), (who, code)

