"""The candidate list shows the people in the pipeline unless asked for the members on probation or everyone;
its organization filter chooses an organization by name, with the forms' search widget; an organization
outside one's scope answers 404 in the list and in its export (issue 22)."""
import datetime
import re

import pytest

from candidates.models import PIPELINE_STAGES, Stage
from cells.models import Organization
from tracker import widgets

from .factories import CandidateFactory, OrganizationFactory, UserFactory, admit, role


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    return client


@pytest.fixture
def commune_secretary(client, db):
    client.login(username="bithu.tandong", password="BiThuTanDong@2026")
    return client


@pytest.fixture
def cell(db):
    return OrganizationFactory(
        code="tan-dong-loc", name="Chi bộ lọc", kind=Organization.Kind.CELL, parent=Organization.objects.get(code="tan-dong")
    )


@pytest.fixture
def people(cell):
    """One person in the pipeline, one admitted (on probation), one who left, one full member."""
    waiting = CandidateFactory(home_cell=cell, full_name="Nguyễn Văn Chờ")
    probation = admit(cell, datetime.date(2025, 9, 1), full_name="Trần Thị Dự Bị").candidate
    dropped = CandidateFactory(home_cell=cell, full_name="Lê Văn Rời")
    dropped.stage = Stage.DROPPED
    dropped.save()
    full = CandidateFactory(home_cell=cell, full_name="Phạm Văn Chính")
    full.stage = Stage.FULL_MEMBER
    full.save()
    return {"waiting": waiting, "probation": probation, "dropped": dropped, "full": full}


def names(response) -> set[str]:
    return {person.full_name for person in response.context["page"]}


def test_the_list_shows_the_people_in_the_pipeline_by_default(staff, cell, people):
    assert names(staff.get(f"/candidates/?org={cell.code}")) == {"Nguyễn Văn Chờ"}
    everyone_by_default = staff.get("/candidates/")
    assert {person.stage for person in everyone_by_default.context["page"]} <= set(PIPELINE_STAGES)


def test_a_switch_shows_the_members_on_probation_or_everyone(staff, cell, people):
    assert names(staff.get(f"/candidates/?org={cell.code}&show=probation")) == {"Trần Thị Dự Bị"}
    assert names(staff.get(f"/candidates/?org={cell.code}&show=all")) == {
        "Nguyễn Văn Chờ", "Trần Thị Dự Bị", "Lê Văn Rời", "Phạm Văn Chính",
    }
    # A chosen stage lists that stage, whatever the switch says.
    assert names(staff.get(f"/candidates/?org={cell.code}&stage=dropped")) == {"Lê Văn Rời"}
    assert staff.get(f"/candidates/?org={cell.code}&show=nobody").status_code == 400


def test_the_export_holds_what_the_switch_shows(staff, cell, people):
    import io

    import openpyxl

    export = staff.get(f"/candidates/?org={cell.code}&show=probation&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Trần Thị Dự Bị"]


def options(page: str, field_id: str) -> dict[str, str]:
    select = re.search(rf'<select[^>]*id="{field_id}".*?</select>', page, re.S).group(0)
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select))


def test_the_organization_filter_chooses_by_name_and_sends_the_code(commune_secretary):
    page = commune_secretary.get("/candidates/").content.decode()
    offered = options(page, "id_org")
    tan_dong = Organization.objects.get(code="tan-dong")
    assert offered["tan-dong"] == "Đảng bộ xã Tân Đông (tan-dong)"
    assert offered["tan-dong-ap-1"] == f"Đảng bộ xã Tân Đông › {Organization.objects.get(code='tan-dong-ap-1').name}"
    # Only the organizations the secretary reads.
    in_scope = Organization.objects.filter(path__startswith=tan_dong.path).count()
    assert len(offered) == in_scope + 1 and "thuy-dong" not in offered  # and the empty choice
    chosen = commune_secretary.get("/candidates/?org=tan-dong-ap-1").content.decode()
    assert re.search(r'<option value="tan-dong-ap-1"[^>]*selected', chosen)


def test_a_scope_with_many_organizations_searches_them_by_name(commune_secretary, monkeypatch):
    monkeypatch.setattr(widgets, "SEARCH_ABOVE", 5)
    page = commune_secretary.get("/candidates/?org=tan-dong").content.decode()
    assert 'data-search-url="/candidates/search/organizations/"' in page and "js/search-select.js" in page
    assert list(options(page, "id_org")) == ["", "tan-dong"]  # only the chosen one is drawn
    results = commune_secretary.get("/candidates/search/organizations/", {"q": "Tân Đông"}).json()["results"]
    assert results[0] == {"value": "tan-dong", "text": "Đảng bộ xã Tân Đông (tan-dong)"}
    assert all(result["value"].startswith("tan-dong") for result in results)
    assert commune_secretary.get("/candidates/search/organizations/", {"q": "Thủy Đông"}).json() == {"results": []}


def test_a_viewer_cannot_search_the_organizations(client, db):
    viewer = UserFactory()
    role(viewer, Organization.objects.get(code="tan-dong"), role="viewer")
    client.force_login(viewer)
    assert client.get("/candidates/search/organizations/", {"q": "Tân"}).status_code == 404


@pytest.mark.parametrize("suffix", ["", "&export=xlsx"])
def test_an_organization_outside_the_scope_answers_404_in_the_list_and_its_export(commune_secretary, suffix):
    assert commune_secretary.get(f"/candidates/?org=thuy-dong{suffix}").status_code == 404
    assert commune_secretary.get(f"/candidates/?org=no-such-code{suffix}").status_code == 404
    assert commune_secretary.get(f"/candidates/?org=tan-dong{suffix}").status_code == 200
    assert commune_secretary.get(f"/candidates/?org=%20tan-dong%20{suffix}").status_code == 200
