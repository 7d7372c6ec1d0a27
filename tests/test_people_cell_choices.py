"""Choosing a cell: each cell is labelled under its committee ("Đảng bộ xã Tân Đông › Chi bộ ấp 1"), since many
cells share a name; mentors are offered from the chosen cell's full members first (issue 22)."""
import datetime
import re

import pytest

from candidates.forms import CandidateForm
from candidates.models import PartyMember
from cells.models import Organization
from cells.selectors import cell_label, staff_roots
from tracker import widgets

from .factories import CandidateFactory, OrganizationFactory, UserFactory, role


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    return client


def options(page: str, field_id: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select[^>]*id="{field_id}".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


def test_the_cell_choices_name_each_cells_committee(staff):
    for commune in ("tan-dong", "thuy-dong"):  # "Chi bộ ấp 1" in two communes, as in most districts
        OrganizationFactory(
            code=f"{commune}-ap-mot", name="Chi bộ ấp 1", kind=Organization.Kind.CELL, parent=Organization.objects.get(code=commune)
        )
    page = staff.get("/candidates/new/").content.decode()
    labels = dict(options(page, "id_home_cell"))
    for code, committee in [("tan-dong-ap-1", "Đảng bộ xã Tân Đông"), ("thuy-dong-ap-1", "Đảng bộ xã Thủy Đông"),
                            ("thpt-thanh-hoa", "Đảng bộ huyện Thạnh Hóa")]:
        cell = Organization.objects.get(code=code)
        assert labels[str(cell.pk)] == f"{committee} › {cell.name}"
    # Cells sharing a name are told apart.
    shared = [label for label in labels.values() if label.endswith("› Chi bộ ấp 1")]
    assert {"Đảng bộ xã Tân Đông › Chi bộ ấp 1", "Đảng bộ xã Thủy Đông › Chi bộ ấp 1"} <= set(shared)
    assert len(shared) == len(set(shared))


def test_a_cells_label_reads_its_committee_when_the_query_did_not(db):
    cell = Organization.objects.get(code="tan-dong-ap-1")  # without with_committee_names
    assert cell_label(cell) == f"Đảng bộ xã Tân Đông › {cell.name}"
    assert cell_label(Organization.objects.get(code="thanh-hoa")) == "Đảng bộ huyện Thạnh Hóa"  # the top: no committee


def test_the_cell_search_answers_cells_under_their_committee(staff):
    cell = Organization.objects.get(code="tan-dong-ap-1")
    found = staff.get("/candidates/search/cells/", {"q": "tan-dong-ap-1"}).json()["results"]
    assert found == [{"value": cell.pk, "text": f"Đảng bộ xã Tân Đông › {cell.name}"}]


def test_a_searching_cell_field_draws_the_chosen_cell_under_its_committee(staff, monkeypatch):
    monkeypatch.setattr(widgets, "SEARCH_ABOVE", 5)
    candidate = CandidateFactory(home_cell=Organization.objects.get(code="tan-dong-ap-2"))
    edit = staff.get(f"/candidates/{candidate.pk}/edit/").content.decode()
    assert options(edit, "id_home_cell") == [(str(candidate.home_cell_id), f"Đảng bộ xã Tân Đông › {candidate.home_cell.name}")]


@pytest.fixture
def two_cells(db):
    commune = Organization.objects.get(code="tan-dong")
    first = OrganizationFactory(code="tan-dong-m1", name="Chi bộ ấp Một", kind=Organization.Kind.CELL, parent=commune)
    second = OrganizationFactory(code="tan-dong-m2", name="Chi bộ ấp Hai", kind=Organization.Kind.CELL, parent=commune)
    members = {
        "other_full": PartyMember.objects.create(full_name="Lê Văn An", organization=first, full_member_on=datetime.date(2010, 1, 1)),
        "probationary": PartyMember.objects.create(full_name="Trần Văn Bình", organization=second, admitted_on=datetime.date(2025, 1, 1)),
        "full": PartyMember.objects.create(full_name="Võ Thị Xuân", organization=second, full_member_on=datetime.date(2012, 5, 1)),
        "full_too": PartyMember.objects.create(full_name="Hồ Văn Yên", organization=second, full_member_on=datetime.date(2014, 5, 1)),
    }
    user = UserFactory()
    role(user, commune, role="staff")
    return first, second, members, user


def test_mentors_are_offered_from_the_chosen_cells_full_members_first(two_cells):
    first, second, members, user = two_cells
    roots = staff_roots(user)
    ours = PartyMember.objects.filter(organization__in=[first, second])
    form = CandidateForm(data={"home_cell": str(second.pk)}, roots=roots)
    offered = [m.full_name for m in form.fields["mentors"].queryset if m in ours]
    assert offered == ["Võ Thị Xuân", "Hồ Văn Yên", "Lê Văn An", "Trần Văn Bình"]  # full members first, by given name
    plain = CandidateForm(roots=roots)
    assert [m.full_name for m in plain.fields["mentors"].queryset if m in ours] == [
        "Lê Văn An", "Trần Văn Bình", "Võ Thị Xuân", "Hồ Văn Yên",
    ]
    editing = CandidateForm(instance=CandidateFactory(home_cell=first), roots=roots)
    assert [m.full_name for m in editing.fields["mentors"].queryset if m in ours][0] == "Lê Văn An"


def test_the_mentor_options_carry_what_the_page_reorders_them_by(client, two_cells):
    first, second, members, user = two_cells
    client.force_login(user)
    page = client.get("/candidates/new/").content.decode()
    select = re.search(r'<select[^>]*id="id_mentors".*?</select>', page, re.S).group(0)
    assert "data-mentors" in select and "js/mentors-first.js" in page
    option = re.search(rf'<option value="{members["full"].pk}"[^>]*>', select).group(0)
    assert f'data-cell="{second.pk}"' in option and 'data-full-member="1"' in option
    probationary = re.search(rf'<option value="{members["probationary"].pk}"[^>]*>', select).group(0)
    assert 'data-full-member="0"' in probationary
    ranks = [int(rank) for rank in re.findall(r'data-rank="(\d+)"', select)]
    assert sorted(ranks) == list(range(len(ranks)))


def test_the_mentor_search_offers_the_chosen_cells_full_members_first(client, two_cells):
    first, second, members, user = two_cells
    client.force_login(user)
    found = client.get("/candidates/search/members/", {"q": "Văn", "cell": second.pk}).json()["results"]
    assert [result["value"] for result in found][:1] == [members["full_too"].pk]
    plain = client.get("/candidates/search/members/", {"q": "Văn"}).json()["results"]
    assert plain[0]["value"] == members["other_full"].pk  # An before Bình and Yên
    assert client.get("/candidates/search/members/", {"q": "Văn", "cell": "²"}).status_code == 200
