import datetime
import io

import openpyxl
import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from candidates.models import Candidate, Stage
from candidates.views import CappedPaginator
from cells.models import Organization

from .factories import CandidateFactory, party_member


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    return client


@pytest.fixture
def commune_secretary(client, db):
    client.login(username="bithu.tandong", password="BiThuTanDong@2026")
    return client


NEW_PERSON = {
    "full_name": "  Võ   Thị Mỹ  Duyên ", "date_of_birth": "15/03/2000", "gender": "female", "ethnicity": "Kinh",
    "religion": "Không", "education_level": "university", "national_id": "080300012345",
    "occupation_category": "teacher", "source": "school", "notes": "", "sourced_on": "05/01/2026",
}


def cell(code="tan-dong-truong"):
    return Organization.objects.get(code=code)


def test_staff_adds_a_candidate_to_the_sourcing_plan(staff):
    response = staff.post("/candidates/new/", {**NEW_PERSON, "home_cell": cell().pk})
    candidate = Candidate.objects.get(national_id="080300012345")
    assert response.url == f"/candidates/{candidate.pk}/"
    assert candidate.full_name == "Võ Thị Mỹ Duyên" and candidate.stage == Stage.SOURCED
    assert candidate.history.first().history_user.username == "bantochuc"


@pytest.mark.parametrize(
    "change, field",
    [({"national_id": "12ab"}, "national_id"), ({"date_of_birth": "31/02/2000"}, "date_of_birth"),
     ({"full_name": ""}, "full_name"), ({"home_cell": ""}, "home_cell"), ({"sourced_on": "x"}, "sourced_on")],
)
def test_a_bad_candidate_form_answers_next_to_the_field_and_saves_nothing(staff, change, field):
    before = Candidate.objects.count()
    response = staff.post("/candidates/new/", {**NEW_PERSON, "home_cell": cell().pk, **change})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Candidate.objects.count() == before


def test_a_committee_cannot_be_a_home_cell(staff):
    response = staff.post("/candidates/new/", {**NEW_PERSON, "home_cell": Organization.objects.get(code="tan-dong").pk})
    assert "home_cell" in response.context["form"].errors


def test_the_same_national_id_twice_is_refused(staff):
    staff.post("/candidates/new/", {**NEW_PERSON, "home_cell": cell().pk})
    response = staff.post("/candidates/new/", {**NEW_PERSON, "home_cell": cell().pk})
    assert "national_id" in response.context["form"].errors


def test_the_step_form_only_offers_what_the_rules_allow(staff):
    candidate = CandidateFactory(home_cell=cell())
    choices = staff.get(f"/candidates/{candidate.pk}/").context["step_form"].fields["stage"].choices
    assert [value for value, _label in choices] == [Stage.TRAINED, Stage.DROPPED]


def test_a_refused_step_shows_why_next_to_the_field(staff):
    candidate = CandidateFactory(home_cell=cell(), date_of_birth=datetime.date(1995, 1, 1))
    for stage in (Stage.TRAINED, Stage.APPLIED, Stage.VERIFIED):
        staff.post(f"/candidates/{candidate.pk}/step/", {"stage": stage, "occurred_on": "2026-02-02"})
    response = staff.post(
        f"/candidates/{candidate.pk}/step/",
        {"stage": Stage.CELL_RESOLUTION, "occurred_on": "2026-03-02", "votes_for": "1", "members_total": "9"},
    )
    assert response.status_code == 400
    errors = response.context["step_form"].errors
    assert "1/9 chưa đạt 2/3" in str(errors["votes_for"])
    assert "3-KNĐ" in str(errors["occurred_on"])
    assert Candidate.objects.get(pk=candidate.pk).stage == Stage.VERIFIED


def test_staff_walks_a_candidate_to_admission_and_the_count_rises(staff, django_capture_on_commit_callbacks):
    home = cell()
    introducer = party_member(home)
    staff.post("/candidates/new/", {**NEW_PERSON, "home_cell": home.pk})
    candidate = Candidate.objects.get(national_id="080300012345")
    before = staff.get("/api/v1/progress/?org=tan-dong&period=2026").json()["admitted"]
    url = f"/candidates/{candidate.pk}/"
    for stage, day in [(Stage.TRAINED, "2026-03-10"), (Stage.APPLIED, "2026-03-20"), (Stage.VERIFIED, "2026-04-10")]:
        assert staff.post(url + "step/", {"stage": stage, "occurred_on": day}).status_code == 302
    assert staff.post(url + "documents/", {"doc-form_code": "3-KNĐ", "doc-received_on": "15/04/2026", "doc-introducer": introducer.pk}).status_code == 302
    steps = [
        {"stage": Stage.CELL_RESOLUTION, "occurred_on": "2026-04-20", "votes_for": "7", "members_total": "9"},
        {"stage": Stage.COMMITTEE_RESOLUTION, "occurred_on": "2026-05-04"},
        {"stage": Stage.DECIDED, "occurred_on": "2026-05-20", "document_number": "120-QĐ/HU"},
        {"stage": Stage.PROBATIONARY, "occurred_on": "2026-06-03"},
    ]
    for step in steps:
        # Each request commits; the recompute queued on commit runs (eagerly) as in production.
        with django_capture_on_commit_callbacks(execute=True):
            assert staff.post(url + "step/", step).status_code == 302, step
    candidate.refresh_from_db()
    assert candidate.stage == Stage.PROBATIONARY
    assert candidate.admission.probation_ends_on == datetime.date(2027, 6, 3)
    after = staff.get("/api/v1/progress/?org=tan-dong&period=2026").json()["admitted"]
    assert after == before + 1


def test_a_secretary_records_steps_of_their_own_cell_only(commune_secretary):
    # The Tân Đông secretary is secretary of the commune, not of a cell: reading yes, recording no.
    candidate = CandidateFactory(home_cell=cell())
    assert commune_secretary.get(f"/candidates/{candidate.pk}/").status_code == 200
    response = commune_secretary.post(f"/candidates/{candidate.pk}/step/", {"stage": Stage.TRAINED, "occurred_on": "2026-02-02"})
    assert response.status_code == 404


def test_a_secretary_cannot_read_another_communes_people(commune_secretary):
    other = CandidateFactory(home_cell=Organization.objects.get(code="thuy-dong-ap-1"))
    assert commune_secretary.get(f"/candidates/{other.pk}/").status_code == 404
    assert commune_secretary.get(f"/candidates/?q={other.full_name}").context["page"].paginator.count == 0


def test_the_list_filters_searches_and_exports_exactly_what_is_filtered(staff):
    listed = staff.get("/candidates/?org=tan-dong&stage=trained")
    people = list(listed.context["page"].object_list)
    assert people and all(p.stage == Stage.TRAINED and p.home_cell.code.startswith("tan-dong") for p in people)
    export = staff.get("/candidates/?org=tan-dong&stage=trained&export=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) - 1 == listed.context["page"].paginator.count
    assert staff.get("/candidates/?q=" + people[0].full_name.split()[-1]).context["page"].paginator.count >= 1


def test_a_list_longer_than_the_cap_says_more_than_and_stops_counting_there(staff, monkeypatch):
    everyone = staff.get("/candidates/").context["page"].paginator.count
    monkeypatch.setattr(CappedPaginator, "cap", everyone - 1)
    with CaptureQueriesContext(connection) as queries:
        listed = staff.get("/candidates/")
    assert listed.context["page"].paginator.capped
    with translation.override("vi"):
        assert f"Hơn {intcomma(everyone - 1)} người" in listed.content.decode()
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"] and "candidates_candidate" in q["sql"]]
    # Bounded, and unordered: ordered, the LIMIT would make PostgreSQL walk the whole name index.
    assert counts and all("LIMIT" in sql and "ORDER BY" not in sql for sql in counts)
    # A filtered list under the cap still gets its exact count.
    assert not staff.get("/candidates/?org=tan-dong").context["page"].paginator.capped


def test_a_list_under_the_cap_is_sorted_once_found_and_a_longer_one_is_read_in_name_order(staff, monkeypatch):
    def page_of(url):
        with CaptureQueriesContext(connection) as queries:
            listed = staff.get(url)
        selects = [q["sql"] for q in queries.captured_queries
                   if q["sql"].startswith('SELECT "candidates_candidate"."id"') and "LIMIT" in q["sql"]]
        return [person.pk for person in listed.context["page"]], selects[-1]

    short, short_sql = page_of("/candidates/?page=2")
    everyone = staff.get("/candidates/").context["page"].paginator.count
    monkeypatch.setattr(CappedPaginator, "cap", everyone - 1)
    long, long_sql = page_of("/candidates/?page=2")
    # Walking the name index for a short list read through the whole country's (bench/README.md).
    by_name = 'ORDER BY "candidates_candidate"."sort_name" ASC'
    assert by_name not in short_sql and by_name in long_sql
    assert len(short) == 50 and short == long  # the same order either way


def test_an_export_too_large_is_refused_with_a_message_above_the_list(staff, monkeypatch):
    monkeypatch.setattr("candidates.views.EXPORT_LIMIT", 3)
    response = staff.get("/candidates/?export=xlsx")
    assert response["Content-Type"].startswith("text/html")
    with translation.override("vi"):
        assert "Hơn 3 người khớp: hãy lọc danh sách trước khi xuất." in response.content.decode()
    assert "export=xlsx&amp;export" not in response.content.decode()


def test_the_deadline_list_and_the_dossier_print_view_open(staff):
    assert staff.get("/candidates/deadlines/").status_code == 200
    candidate = Candidate.objects.filter(stage=Stage.COMMITTEE_RESOLUTION).first()
    page = staff.get(f"/candidates/{candidate.pk}/dossier/").content.decode()
    assert candidate.full_name in page and "6-KNĐ" in page


def test_a_viewer_without_record_rights_sees_no_people(client, db):
    from .factories import UserFactory, role

    viewer = UserFactory()
    role(viewer, Organization.objects.get(code="thanh-hoa"), role="viewer")
    client.force_login(viewer)
    assert client.get("/candidates/").status_code == 404


def test_an_edit_is_kept_in_the_history_with_who_and_what(staff):
    staff.post("/candidates/new/", {**NEW_PERSON, "home_cell": cell().pk})
    candidate = Candidate.objects.get(national_id="080300012345")
    response = staff.post(
        f"/candidates/{candidate.pk}/edit/", {**NEW_PERSON, "home_cell": cell().pk, "religion": "Phật giáo"}
    )
    assert response.status_code == 302
    latest = staff.get(f"/candidates/{candidate.pk}/").context["history"][0]
    assert latest.history_user.username == "bantochuc"
    assert latest.changed_fields == ["tôn giáo"]
    assert latest.prev_record.religion == "Không"


def test_dates_are_shown_and_typed_as_dd_mm_yyyy(staff):
    candidate = CandidateFactory(home_cell=cell())
    page = staff.get(f"/candidates/{candidate.pk}/edit/").content.decode()
    assert 'value="17/05/1995"' in page


def test_a_bad_document_form_answers_next_to_the_field(staff):
    candidate = CandidateFactory(home_cell=cell())
    response = staff.post(f"/candidates/{candidate.pk}/documents/", {"doc-form_code": "3-KNĐ", "doc-received_on": "32/01/2026"})
    assert response.status_code == 400
    assert "received_on" in response.context["document_form"].errors
    response = staff.post(f"/candidates/{candidate.pk}/documents/", {"doc-form_code": "3-KNĐ", "doc-received_on": "10/01/2026"})
    assert "introducer" in response.context["document_form"].errors
    assert not candidate.documents.filter(form_code="3-KNĐ").exists()


def test_the_deadline_list_is_per_organization_subtree(staff):
    everything = staff.get("/candidates/deadlines/").context["deadlines"]
    tan_dong = staff.get("/candidates/deadlines/?org=tan-dong").context["deadlines"]
    assert all(d.candidate.home_cell.code.startswith("tan-dong") for d in tan_dong)
    assert len(tan_dong) <= len(everything)
    assert staff.get("/candidates/deadlines/?org=nowhere").status_code == 404
