"""Random, huge, wrong-typed and far-off input: every form and the import answer with a message
and save nothing; none answers 500."""
import io

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candidates import imports
from candidates.models import Candidate, ImportJob, StageEvent
from cells.models import Organization

from .factories import CandidateFactory

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
junk = st.one_of(
    st.text(max_size=300),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.dates(min_value=__import__("datetime").date(1, 1, 1)).map(lambda d: d.strftime("%d/%m/%Y")),
    st.sampled_from(["=1+1", "=HYPERLINK(\"x\")", "'; DROP TABLE x;--", "\x00", "9" * 5000, "31/02/2026", "2026-13-01"]),
)


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    return client


@FUZZ
@given(name=junk, born=junk, national_id=junk, sourced_on=junk, cell=junk)
def test_the_candidate_form_never_fails_and_saves_only_valid_people(staff, name, born, national_id, sourced_on, cell):
    before = Candidate.objects.count()
    fields = {
        "full_name": name, "date_of_birth": born, "gender": "male", "ethnicity": "Kinh", "religion": "Không",
        "education_level": "university", "national_id": national_id, "occupation_category": "teacher",
        "home_cell": cell, "source": "school", "sourced_on": sourced_on,
    }
    response = staff.post("/candidates/new/", fields)
    if any("\x00" in value for value in fields.values()):
        # Refused before any form sees it (tracker.middleware.RefuseNulMiddleware).
        assert response.status_code == 400
        assert Candidate.objects.count() == before
        return
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert response.context["form"].errors
        assert Candidate.objects.count() == before


@FUZZ
@given(stage=junk, day=junk, votes=junk, members=junk, number=junk)
def test_the_step_form_never_fails(staff, stage, day, votes, members, number):
    candidate = CandidateFactory(home_cell=Organization.objects.get(code="tan-dong-ap-1"))
    events = StageEvent.objects.filter(candidate=candidate).count()
    response = staff.post(f"/candidates/{candidate.pk}/step/", {
        "stage": stage, "occurred_on": day, "votes_for": votes, "members_total": members, "document_number": number,
    })
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert StageEvent.objects.filter(candidate=candidate).count() == events


@FUZZ
@given(content=st.binary(max_size=3000))
def test_any_bytes_uploaded_as_a_workbook_get_a_clear_answer(staff, content):
    response = staff.post("/candidates/import/", {"file": SimpleUploadedFile("x.xlsx", content)})
    assert response.status_code in (200, 302)
    job = ImportJob.objects.order_by("-pk").first()
    if response.status_code == 302:
        assert job.status == ImportJob.Status.INVALID and job.error


@FUZZ
@given(cells=st.lists(st.lists(junk, min_size=11, max_size=11), min_size=1, max_size=5))
def test_any_cell_values_are_checked_row_by_row_and_nothing_is_saved_half(staff, cells):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([str(label) for _key, label in imports.CANDIDATE_COLUMNS])
    for row in cells:
        # Characters a workbook cannot hold at all are left out by whoever writes the file.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    before = Candidate.objects.count()
    response = staff.post("/candidates/import/", {"file": SimpleUploadedFile("x.xlsx", buffer.getvalue())})
    assert response.status_code == 302
    job = ImportJob.objects.order_by("-pk").first()
    assert job.status in (ImportJob.Status.INVALID, ImportJob.Status.VALID)
    if job.status == ImportJob.Status.INVALID and not job.error:
        assert any(row["errors"] for row in job.rows)
    assert Candidate.objects.count() == before


@FUZZ
@given(code=junk, day=junk, number=junk, introducer=junk)
def test_the_dossier_form_never_fails(staff, code, day, number, introducer):
    candidate = CandidateFactory(home_cell=Organization.objects.get(code="tan-dong-ap-1"))
    response = staff.post(f"/candidates/{candidate.pk}/documents/", {
        "doc-form_code": code, "doc-received_on": day, "doc-document_number": number, "doc-introducer": introducer,
    })
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert not candidate.documents.exists()


@FUZZ
@given(name=junk, organizer=junk, start=junk, end=junk, place=junk)
def test_the_class_form_never_fails(staff, name, organizer, start, end, place):
    from candidates.models import AwarenessClass

    before = AwarenessClass.objects.count()
    fields = {"name": name, "organizer": organizer, "start_date": start, "end_date": end, "place": place}
    response = staff.post("/candidates/classes/new/", fields)
    if any("\x00" in value for value in fields.values()):
        # Refused before any form sees it (tracker.middleware.RefuseNulMiddleware).
        assert response.status_code == 400
        assert AwarenessClass.objects.count() == before
        return
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert AwarenessClass.objects.count() == before


def test_an_oversize_upload_is_refused_next_to_the_field(staff):
    before = ImportJob.objects.count()
    response = staff.post("/candidates/import/", {"file": SimpleUploadedFile("big.xlsx", b"0" * (imports.MAX_BYTES + 1))})
    assert "5 MB" in str(response.context["form"].errors["file"])
    assert ImportJob.objects.count() == before
