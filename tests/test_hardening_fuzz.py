"""At least 10,000 generated values sent to the forms, the searches, the API and the import (issue 20):
no answer is a server error, and a refused form saves nothing.

The budget is split between the entry points below (BUDGET); CI runs all of it, in `make test` and
again on PostgreSQL.
"""
import datetime
import io
import os
import unicodedata

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from candidates import imports
from candidates.models import AwarenessClass, Candidate, ClassAttendance, DossierDocument, ImportJob, StageEvent
from candidates.services import class_create, class_enroll
from cells.models import Organization, Target

from .factories import CandidateFactory

# Examples (requests) per entry point, and the fewest generated values each example sends: 10,220
# values in about 2,950 requests. Cheap reads get most of them. HARDENING_FUZZ_SCALE=0.1 runs a tenth.
BUDGET = {
    "api_anonymous": (600, 3), "api": (300, 2), "list": (300, 7), "search": (300, 2), "deadlines": (150, 1),
    "class_search": (150, 1), "candidate": (250, 7), "step": (200, 6), "dossier": (120, 4), "class": (120, 5),
    "targets": (100, 2), "results": (80, 2), "roster": (50, 2), "import": (30, 11),
}
SCALE = float(os.environ.get("HARDENING_FUZZ_SCALE", "1"))


def budget(name: str):
    examples, _values = BUDGET[name]
    return settings(
        max_examples=max(1, round(examples * SCALE)), deadline=None, database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


hostile = st.sampled_from([
    "\x00", "a\x00b", "=1+1", "=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1",
    "'; DROP TABLE x;--", "<script>alert(1)</script>", "9" * 5000, "31/02/2026", "31/12/9999", "01/01/0001",
    "2026-13-01", "²", "３", "٣", "Nguyễn", unicodedata.normalize("NFD", "Nguyễn Thị Ánh"), "\u200bAn", "\u202eAn", "\x1b[31m", "\u0301\u0301",
    "0", "-1", "10001", "65536", "2023", "2020-2025", "2040", "2099-2100", "1929", "99999999999999999999",
    "thanh-hoa", "tan-dong", "tan-dong-ap-1", "%", "_", "..", "/", "\\", " ", "",
])
junk = st.one_of(
    hostile,
    st.text(max_size=200),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.dates(min_value=datetime.date(1, 1, 1)).map(lambda d: d.strftime("%d/%m/%Y")),
)


def no_server_error(response):
    assert response.status_code < 500, response.status_code


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    return client


@pytest.fixture
def candidate(db):
    return CandidateFactory(home_cell=Organization.objects.get(code="tan-dong-ap-1"))


@pytest.fixture
def awareness_class(db, candidate):
    klass = class_create(
        name="Lớp thử", organizer=Organization.objects.get(code="tan-dong"),
        start_date=datetime.date(2026, 3, 2), end_date=datetime.date(2026, 3, 6),
    )
    class_enroll(awareness_class=klass, candidate=candidate)
    return klass


def counts():
    return (Candidate.objects.count(), StageEvent.objects.count(), DossierDocument.objects.count(),
            AwarenessClass.objects.count(), ClassAttendance.objects.exclude(result="pending").count(),
            Target.objects.count())


# ---- reads ----------------------------------------------------------------------------------

@budget("api_anonymous")
@given(org=junk, period=junk, token=junk)
def test_the_api_answers_any_query_without_a_server_error(client, db, org, period, token):
    response = client.get("/api/v1/progress/", {"org": org, "period": period}, HTTP_AUTHORIZATION=f"Token {token}"
                          if "\n" not in token and "\r" not in token else "Token x")
    no_server_error(response)
    assert response.status_code in (400, 401)


@budget("api")
@given(org=junk, period=junk)
def test_the_api_answers_a_logged_in_user_without_a_server_error(staff, org, period):
    response = staff.get("/api/v1/progress/", {"org": org, "period": period})
    no_server_error(response)
    assert response.status_code in (200, 400, 404)


@budget("list")
@given(q=junk, org=junk, stage=junk, occupation=junk, year=junk, overdue=st.sampled_from(["", "1", "\x00"]), page_number=junk)
def test_the_candidate_list_answers_any_filter(staff, q, org, stage, occupation, year, overdue, page_number):
    response = staff.get("/candidates/", {
        "q": q, "org": org, "stage": stage, "occupation_category": occupation, "year": year, "overdue": overdue, "page": page_number,
    })
    no_server_error(response)


@budget("search")
@given(name=st.sampled_from(["cells", "committees", "members", "x", "\x00"]), q=junk)
def test_the_searches_answer_any_query(staff, name, q):
    no_server_error(staff.get(f"/candidates/search/{name}/", {"q": q}))


@budget("deadlines")
@given(org=junk)
def test_the_deadlines_answer_any_organization(staff, org):
    no_server_error(staff.get("/candidates/deadlines/", {"org": org}))


@budget("class_search")
@given(q=junk)
def test_a_class_page_answers_any_search(staff, awareness_class, q):
    no_server_error(staff.get(f"/candidates/classes/{awareness_class.pk}/", {"q": q}))


# ---- writes: a refused form saves nothing -----------------------------------------------------

@budget("candidate")
@given(name=junk, born=junk, national_id=junk, sourced_on=junk, cell=junk, gender=junk, notes=junk)
def test_the_candidate_form_saves_only_valid_people(staff, name, born, national_id, sourced_on, cell, gender, notes):
    before = counts()
    response = staff.post("/candidates/new/", {
        "full_name": name, "date_of_birth": born, "gender": gender, "ethnicity": "Kinh", "religion": "Không",
        "education_level": "university", "national_id": national_id, "occupation_category": "teacher",
        "home_cell": cell, "source": "school", "sourced_on": sourced_on, "notes": notes,
    })
    no_server_error(response)
    if response.status_code != 302:
        assert counts() == before


@budget("step")
@given(stage=junk, day=junk, votes=junk, members=junk, number=junk, note=junk)
def test_the_step_form_saves_only_valid_steps(staff, candidate, stage, day, votes, members, number, note):
    before = counts()
    response = staff.post(f"/candidates/{candidate.pk}/step/", {
        "stage": stage, "occurred_on": day, "votes_for": votes, "members_total": members, "document_number": number,
        "note": note,
    })
    no_server_error(response)
    if response.status_code != 302:
        assert counts() == before


@budget("dossier")
@given(code=junk, day=junk, number=junk, introducer=junk)
def test_the_dossier_form_saves_only_valid_forms(staff, candidate, code, day, number, introducer):
    before = counts()
    response = staff.post(f"/candidates/{candidate.pk}/documents/", {
        "doc-form_code": code, "doc-received_on": day, "doc-document_number": number, "doc-introducer": introducer,
    })
    no_server_error(response)
    if response.status_code != 302:
        assert counts() == before


@budget("class")
@given(name=junk, organizer=junk, start=junk, end=junk, place=junk)
def test_the_class_form_saves_only_valid_classes(staff, name, organizer, start, end, place):
    before = counts()
    response = staff.post("/candidates/classes/new/", {
        "name": name, "organizer": organizer, "start_date": start, "end_date": end, "place": place,
    })
    no_server_error(response)
    if response.status_code != 302:
        assert counts() == before


@budget("targets")
@given(period=junk, values=st.lists(junk, min_size=1, max_size=4))
def test_the_targets_table_saves_only_valid_tables(staff, period, values):
    organization = Organization.objects.get(code="tan-dong")
    units = [organization, *Organization.objects.filter(path__startswith=organization.path, depth=organization.depth + 1)]
    before = counts()
    stored = list(Target.objects.order_by("pk").values_list("pk", "count"))
    body = {f"target-{unit.pk}": value for unit, value in zip(units, values)}
    response = staff.post(f"/org/tan-dong/targets/?period={period}", body)
    no_server_error(response)
    if response.status_code != 302:
        assert counts() == before
        assert list(Target.objects.order_by("pk").values_list("pk", "count")) == stored


@budget("results")
@given(result=junk, certificate=junk)
def test_the_results_table_saves_all_or_nothing(staff, awareness_class, result, certificate):
    attendance = awareness_class.attendances.get()
    before = counts()
    response = staff.post(f"/candidates/classes/{awareness_class.pk}/results/", {
        f"result-{attendance.pk}": result, f"certificate-{attendance.pk}": certificate,
    })
    no_server_error(response)
    if response.status_code != 302:
        assert counts() == before


@budget("roster")
@given(lines=st.lists(st.tuples(junk, junk), min_size=1, max_size=4))
def test_a_pasted_roster_saves_all_or_nothing(staff, awareness_class, lines):
    before = ClassAttendance.objects.count()
    response = staff.post(f"/candidates/classes/{awareness_class.pk}/roster/", {
        "roster": "\n".join(f"{name}; {born}" for name, born in lines),
    })
    no_server_error(response)
    if response.status_code != 302:
        assert ClassAttendance.objects.count() == before


@budget("import")
@given(rows=st.lists(st.lists(junk, min_size=11, max_size=11), min_size=1, max_size=4))
def test_an_imported_workbook_is_checked_row_by_row_and_saves_nothing_half(staff, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([str(label) for _key, label in imports.CANDIDATE_COLUMNS])
    for row in rows:
        # Characters a workbook cannot hold at all are left out by whoever writes the file.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    before = counts()
    response = staff.post("/candidates/import/", {"file": SimpleUploadedFile("x.xlsx", buffer.getvalue())})
    no_server_error(response)
    job = ImportJob.objects.order_by("-pk").first()
    assert job.status in (ImportJob.Status.INVALID, ImportJob.Status.VALID)
    if job.status == ImportJob.Status.VALID:
        no_server_error(staff.post(f"/candidates/imports/{job.pk}/save/"))
        job.refresh_from_db()
        assert job.status in (ImportJob.Status.SAVED, ImportJob.Status.FAILED)
        if job.status == ImportJob.Status.SAVED:
            return
    assert counts() == before


def test_the_budget_sends_the_issue_s_ten_thousand_generated_values():
    assert sum(examples * values for examples, values in BUDGET.values()) >= 10_000
