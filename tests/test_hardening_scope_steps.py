"""Issue 20, scope: each step is recorded only by the organization that owns it: the cell's steps by the
cell, the committee's resolution by the grassroots organization, the decision and the ceremony by the
deciding committee's board staff (candidates.selectors.step_owner / may_record_step)."""
import datetime

import pytest

from candidates.models import Admission, Stage, StageEvent
from candidates.selectors import may_record_step, step_owner
from candidates.services import admission_record
from cells.models import Organization

from .factories import CandidateFactory, OrganizationFactory, UserFactory, role, walk_to

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 3, 3)


def org(code):
    return Organization.objects.get(code=code)


def person_at(stage, cell="tan-dong-ap-1"):
    candidate = CandidateFactory(home_cell=org(cell), sourced_on=DAY)
    if stage == Stage.SOURCED:
        return candidate
    if stage == Stage.DECIDED:
        walk_to(candidate, Stage.COMMITTEE_RESOLUTION, DAY)
        admission_record(candidate=candidate, cell=candidate.home_cell, decision_number="1-QĐ/HU", decision_date=DAY)
        candidate.refresh_from_db()
        return candidate
    return walk_to(candidate, stage, DAY)


def logged_in(client, code, role_name):
    user = UserFactory()
    role(user, org(code), role=role_name)
    client.force_login(user)
    return client


def offered(client, candidate):
    page = client.get(f"/candidates/{candidate.pk}/")
    assert page.status_code == 200
    return [value for value, _label in page.context["step_form"].fields["stage"].choices]


def test_a_cell_secretary_can_no_longer_record_the_committees_resolution(client):
    candidate = person_at(Stage.CELL_RESOLUTION)
    secretary = logged_in(client, "tan-dong-ap-1", "secretary")
    assert offered(secretary, candidate) == [Stage.DROPPED]
    response = secretary.post(f"/candidates/{candidate.pk}/step/", {"stage": Stage.COMMITTEE_RESOLUTION, "occurred_on": "10/03/2025"})
    assert response.status_code == 400
    assert "stage" in response.context["step_form"].errors
    assert not StageEvent.objects.filter(candidate=candidate, stage=Stage.COMMITTEE_RESOLUTION).exists()


def test_a_cell_secretary_can_no_longer_record_the_decision_or_the_ceremony(client):
    secretary = logged_in(client, "tan-dong-ap-1", "secretary")
    waiting = person_at(Stage.COMMITTEE_RESOLUTION)
    response = secretary.post(f"/candidates/{waiting.pk}/step/", {
        "stage": Stage.DECIDED, "occurred_on": "10/03/2025", "document_number": "9-QĐ/HU",
    })
    assert response.status_code == 400
    assert not Admission.objects.filter(candidate=waiting).exists()
    assert not StageEvent.objects.filter(candidate=waiting, stage=Stage.DECIDED).exists()
    decided = person_at(Stage.DECIDED)
    response = secretary.post(f"/candidates/{decided.pk}/step/", {"stage": Stage.PROBATIONARY, "occurred_on": "10/03/2025"})
    assert response.status_code == 404
    assert not StageEvent.objects.filter(candidate=decided, stage=Stage.PROBATIONARY).exists()
    assert secretary.get(f"/candidates/{decided.pk}/").context["can_record"] is False


def test_the_cell_secretary_still_records_the_cells_own_steps(client):
    candidate = person_at(Stage.SOURCED)
    secretary = logged_in(client, "tan-dong-ap-1", "secretary")
    assert offered(secretary, candidate) == [Stage.TRAINED, Stage.DROPPED]
    response = secretary.post(f"/candidates/{candidate.pk}/step/", {"stage": Stage.TRAINED, "occurred_on": "10/03/2025"})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.stage == Stage.TRAINED


def test_the_commune_secretary_records_the_committees_resolution_and_nothing_of_the_cells(client):
    candidate = person_at(Stage.CELL_RESOLUTION)
    client.login(username="bithu.tandong", password="BiThuTanDong@2026")
    assert offered(client, candidate) == [Stage.COMMITTEE_RESOLUTION]
    response = client.post(f"/candidates/{candidate.pk}/step/", {"stage": Stage.DROPPED, "occurred_on": "10/03/2025"})
    assert response.status_code == 400
    response = client.post(f"/candidates/{candidate.pk}/step/", {"stage": Stage.COMMITTEE_RESOLUTION, "occurred_on": "10/03/2025"})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.stage == Stage.COMMITTEE_RESOLUTION


def test_the_communes_staff_does_not_decide_the_admission(client):
    candidate = person_at(Stage.COMMITTEE_RESOLUTION)
    staff = logged_in(client, "tan-dong", "staff")
    assert offered(staff, candidate) == [Stage.DROPPED]
    response = staff.post(f"/candidates/{candidate.pk}/step/", {
        "stage": Stage.DECIDED, "occurred_on": "10/03/2025", "document_number": "9-QĐ/HU",
    })
    assert response.status_code == 400
    candidate.refresh_from_db()
    assert candidate.stage == Stage.COMMITTEE_RESOLUTION


def test_the_demo_staff_records_the_decision_and_the_ceremony(client):
    candidate = person_at(Stage.COMMITTEE_RESOLUTION)
    client.login(username="bantochuc", password="BanToChuc@2026")
    assert offered(client, candidate) == [Stage.DECIDED, Stage.DROPPED]
    assert client.post(f"/candidates/{candidate.pk}/step/", {
        "stage": Stage.DECIDED, "occurred_on": "10/03/2025", "document_number": "9-QĐ/HU",
    }).status_code == 302
    assert offered(client, candidate) == [Stage.PROBATIONARY]
    assert client.post(f"/candidates/{candidate.pk}/step/", {"stage": Stage.PROBATIONARY, "occurred_on": "17/03/2025"}).status_code == 302
    candidate.refresh_from_db()
    assert candidate.stage == Stage.PROBATIONARY and candidate.admission.admitted_on == datetime.date(2025, 3, 17)


def test_the_district_secretary_reads_but_records_no_step(client):
    candidate = person_at(Stage.SOURCED)
    client.login(username="bithu.huyen", password="BiThuHuyen@2026")
    page = client.get(f"/candidates/{candidate.pk}/")
    assert page.status_code == 200 and page.context["can_record"] is False and page.context["documents_open"] is False
    assert 'id="step-form"' not in page.content.decode()
    assert client.post(f"/candidates/{candidate.pk}/step/", {"stage": Stage.TRAINED, "occurred_on": "10/03/2025"}).status_code == 404
    assert client.post(f"/candidates/{candidate.pk}/documents/", {"doc-form_code": "1-KNĐ", "doc-received_on": "10/03/2025"}).status_code == 404


def test_dossier_forms_are_filed_by_whoever_records_their_step(client):
    candidate = person_at(Stage.CELL_RESOLUTION)
    secretary = logged_in(client, "tan-dong-ap-1", "secretary")
    page = secretary.get(f"/candidates/{candidate.pk}/")
    codes = [code for code, _label in page.context["document_form"].fields["form_code"].choices]
    # 1-, 3- and 6-KNĐ are filed; 8- and 9-KNĐ are the committees'; the probation's papers are the cell's.
    assert codes == ["2-KNĐ", "4-KNĐ", "5-KNĐ", "10-KNĐ", "11-KNĐ", "12-KNĐ", "13-KNĐ"]
    response = secretary.post(f"/candidates/{candidate.pk}/documents/", {"doc-form_code": "8-KNĐ", "doc-received_on": "10/03/2025"})
    assert response.status_code == 400
    assert not candidate.documents.filter(form_code="8-KNĐ").exists()
    response = secretary.post(f"/candidates/{candidate.pk}/documents/", {"doc-form_code": "5-KNĐ", "doc-received_on": "10/03/2025"})
    assert response.status_code == 302


def test_the_commune_secretary_files_the_committees_resolution_only(client):
    candidate = person_at(Stage.CELL_RESOLUTION)
    client.login(username="bithu.tandong", password="BiThuTanDong@2026")
    codes = [code for code, _label in client.get(f"/candidates/{candidate.pk}/").context["document_form"].fields["form_code"].choices]
    assert codes == ["8-KNĐ"]
    assert client.post(f"/candidates/{candidate.pk}/documents/", {"doc-form_code": "5-KNĐ", "doc-received_on": "10/03/2025"}).status_code == 400
    assert client.post(f"/candidates/{candidate.pk}/documents/", {"doc-form_code": "8-KNĐ", "doc-received_on": "10/03/2025"}).status_code == 302


@pytest.fixture
def province_tree(db):
    """A province with a district (commune → sub-committee → cell, and a grassroots cell) and, since the
    district level went, a commune straight under the province."""
    province = OrganizationFactory(code="p", kind=Organization.Kind.PROVINCE)
    district = OrganizationFactory(code="p-d", kind=Organization.Kind.DISTRICT, parent=province)
    commune = OrganizationFactory(code="p-d-c", kind=Organization.Kind.GRASSROOTS_COMMITTEE, parent=district)
    sub = OrganizationFactory(code="p-d-c-s", kind=Organization.Kind.SUB_COMMITTEE, parent=commune)
    cell = OrganizationFactory(code="p-d-c-s-x", kind=Organization.Kind.CELL, parent=sub)
    school = OrganizationFactory(code="p-d-g", kind=Organization.Kind.GRASSROOTS_CELL, parent=district)
    new_commune = OrganizationFactory(code="p-c", kind=Organization.Kind.GRASSROOTS_COMMITTEE, parent=province)
    new_cell = OrganizationFactory(code="p-c-x", kind=Organization.Kind.CELL, parent=new_commune)
    return locals()


@pytest.mark.parametrize("cell, stage, owner", [
    ("cell", Stage.TRAINED, "cell"), ("cell", Stage.DROPPED, "cell"), ("cell", Stage.CELL_RESOLUTION, "cell"),
    ("cell", Stage.COMMITTEE_RESOLUTION, "commune"),  # past the sub-committee, up to the grassroots committee
    ("cell", Stage.DECIDED, "district"), ("cell", Stage.PROBATIONARY, "district"), ("cell", Stage.FULL_MEMBER, "district"),
    ("school", Stage.APPLIED, "school"), ("school", Stage.COMMITTEE_RESOLUTION, "school"), ("school", Stage.DECIDED, "district"),
    ("new_cell", Stage.COMMITTEE_RESOLUTION, "new_commune"), ("new_cell", Stage.NOT_CONFIRMED, "province"),
])
def test_each_step_has_one_owner(province_tree, cell, stage, owner):
    assert step_owner(province_tree[cell], stage) == province_tree[owner]


def test_superusers_record_everything(province_tree):
    admin = UserFactory(is_superuser=True)
    candidate = CandidateFactory(home_cell=province_tree["cell"])
    assert all(may_record_step(admin, candidate, stage) for stage in Stage.values)



def test_the_cell_files_the_probations_papers_and_the_deciding_committee_does_not_need_to(client):
    candidate = person_at(Stage.CELL_RESOLUTION)
    secretary = logged_in(client, "tan-dong-ap-1", "secretary")
    response = secretary.post(f"/candidates/{candidate.pk}/documents/", {"doc-form_code": "13-KNĐ", "doc-received_on": "10/03/2025"})
    assert response.status_code == 302
    assert candidate.documents.filter(form_code="13-KNĐ").exists()
