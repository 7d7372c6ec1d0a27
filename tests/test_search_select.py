"""Choice fields that search as you type when the user's scope holds too many choices for one page."""
import re

import pytest
from django.db import connection

from candidates.models import Candidate
from django.utils.html import escape

from cells.models import Organization
from cells.selectors import cell_label
from tracker import widgets

from .factories import UserFactory, role


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")  # the demo district's board staff
    return client


@pytest.fixture
def commune_staff(client, db):
    user = UserFactory()
    role(user, Organization.objects.get(code="tan-dong"), role="staff")
    client.force_login(user)
    return client


def options_of(page: str, field_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{field_id}".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"', select)


def test_a_district_keeps_plain_lists_of_its_cells(staff):
    page = staff.get("/candidates/new/").content.decode()
    district = Organization.objects.get(code="thanh-hoa")
    cells = Organization.objects.filter(path__startswith=district.path, kind__in=["cell", "grassroots_cell"], is_active=True)
    assert len(options_of(page, "id_home_cell")) == cells.count() + 1  # and the empty choice
    assert "data-search-url" not in page


def test_a_scope_with_too_many_cells_draws_only_the_chosen_one_and_searches_the_rest(staff, monkeypatch):
    monkeypatch.setattr(widgets, "SEARCH_ABOVE", 5)
    page = staff.get("/candidates/new/").content.decode()
    assert options_of(page, "id_home_cell") == []  # a required field: nothing chosen yet
    assert 'data-search-url="/candidates/search/cells/"' in page and "tom-select.complete.min.js" in page
    assert 'data-placeholder="Gõ vài chữ để tìm"' in page
    candidate = Candidate.objects.filter(home_cell__code__startswith="tan-dong").first()
    edit = staff.get(f"/candidates/{candidate.pk}/edit/").content.decode()
    assert options_of(edit, "id_home_cell") == [str(candidate.home_cell_id)]
    assert escape(cell_label(candidate.home_cell)) in edit


def test_a_class_pages_form_for_someone_new_searches_its_cell_too(staff, monkeypatch):
    from candidates.models import AwarenessClass

    monkeypatch.setattr(widgets, "SEARCH_ABOVE", 5)
    awareness_class = AwarenessClass.objects.filter(organizer__code="thanh-hoa").first()
    page = staff.get(f"/candidates/classes/{awareness_class.pk}/").content.decode()
    assert options_of(page, "id_new-home_cell") == [] and "js/search-select" in page


def test_the_search_answers_only_choices_within_the_users_scope(commune_staff):
    results = commune_staff.get("/candidates/search/cells/", {"q": "chi bộ"}).json()["results"]
    chosen = Organization.objects.filter(pk__in=[result["value"] for result in results])
    assert results and all(cell.code.startswith("tan-dong") for cell in chosen)
    outside = Organization.objects.filter(kind="cell").exclude(code__startswith="tan-dong").first()
    assert commune_staff.get("/candidates/search/cells/", {"q": outside.code}).json() == {"results": []}


def test_the_search_finds_a_cell_by_its_code_and_answers_at_most_twenty(staff):
    cell = Organization.objects.get(code="tan-dong-ap-1")
    found = staff.get("/candidates/search/cells/", {"q": "TAN-DONG-AP-1"}).json()["results"]
    assert found == [{"value": cell.pk, "text": cell_label(cell)}]
    assert len(staff.get("/candidates/search/cells/", {"q": "chi bộ"}).json()["results"]) == widgets.SEARCH_RESULTS


@pytest.mark.parametrize("role_name", ["viewer", "secretary"])
def test_only_those_who_enter_data_may_search(client, db, role_name):
    user = UserFactory()
    role(user, Organization.objects.get(code="tan-dong"), role=role_name)
    client.force_login(user)
    assert client.get("/candidates/search/cells/", {"q": "chi bộ"}).status_code == 404


def test_a_search_needs_two_letters_a_login_and_a_known_field(client, staff):
    assert staff.get("/candidates/search/cells/", {"q": "c"}).json() == {"results": []}
    assert staff.get("/candidates/search/nothing/", {"q": "chi"}).status_code == 404
    client.logout()
    assert client.get("/candidates/search/cells/", {"q": "chi"}).status_code == 302


def test_a_searching_field_still_refuses_a_cell_outside_the_scope(commune_staff, monkeypatch):
    monkeypatch.setattr(widgets, "SEARCH_ABOVE", 1)
    outside = Organization.objects.filter(kind="cell").exclude(code__startswith="tan-dong").first()
    response = commune_staff.post("/candidates/new/", {
        "full_name": "Ngoài Phạm Vi", "date_of_birth": "01/01/2000", "gender": "male", "ethnicity": "Kinh",
        "education_level": "university", "occupation_category": "teacher", "home_cell": outside.pk,
        "sourced_on": "01/02/2026",
    })
    assert response.status_code == 200 and "Ngoài Phạm Vi" not in [c.full_name for c in Candidate.objects.all()]
    assert response.context["form"].errors["home_cell"]


def test_the_admin_parent_field_searches_when_organizations_are_many(client, db, monkeypatch):
    monkeypatch.setattr(widgets, "SEARCH_ABOVE", 5)
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get("/admin/cells/organization/add/").content.decode()
    assert options_of(page, "id_parent") == [""] and 'data-search-url="/admin/cells/organization/search/"' in page
    results = client.get("/admin/cells/organization/search/", {"q": "Tân Đông"}).json()["results"]
    assert "Đảng bộ xã Tân Đông (tan-dong)" in [result["text"] for result in results]
    client.force_login(UserFactory())
    assert client.get("/admin/cells/organization/search/", {"q": "tân"}).status_code == 302  # to the admin login


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's (CI's second run)")
def test_the_name_searches_read_trigram_indexes_on_postgresql(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE %s", ["%name_search"])
        assert {row[0] for row in cursor.fetchall()} == {
            "candidate_name_search", "member_name_search", "organization_name_search"
        }
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the demo's 100 organizations would be read whole
        plan = Organization.objects.filter(name__icontains="Tân Đông").order_by("name").explain()
    assert "organization_name_search" in plan
