"""National IDs are read whole only by the organization-board staff who enter them (Nghị định
13/2023/NĐ-CP); secretaries see the last three digits, on every page and in every workbook."""
import datetime
import io

import openpyxl
import pytest

from candidates.models import ClassAttendance
from candidates.privacy import mask_national_id
from candidates.services import EDITABLE_FIELDS, candidate_update, class_create
from cells.models import Organization

from .factories import CandidateFactory, UserFactory, role

FULL = "080300012345"
MASKED = "•••••••••345"


@pytest.fixture
def person(db):
    return CandidateFactory(
        full_name="Phạm Thị Bảo Ngọc", home_cell=Organization.objects.get(code="tan-dong-ap-1"), national_id=FULL
    )


def login(client, username, password):
    assert client.login(username=username, password=password)
    return client


@pytest.fixture
def staff(client, db):
    return login(client, "bantochuc", "BanToChuc@2026")


@pytest.fixture
def secretary(client, db):
    return login(client, "bithu.tandong", "BiThuTanDong@2026")


def export_rows(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_mask_keeps_the_last_three_digits_only():
    assert mask_national_id(FULL) == MASKED
    assert mask_national_id("") == "" and mask_national_id(None) == ""


def test_the_board_staff_read_the_whole_id_on_the_candidate_page_and_the_dossier(staff, person):
    for url in (f"/candidates/{person.pk}/", f"/candidates/{person.pk}/dossier/"):
        page = staff.get(url).content.decode()
        assert FULL in page, url


def test_a_superuser_reads_the_whole_id(client, person):
    login(client, "admin", "QuanTri@2026")
    assert FULL in client.get(f"/candidates/{person.pk}/").content.decode()


# Not named "page": that is pytest-playwright's fixture, which would run the test among the browser tests.
@pytest.mark.parametrize("url", ["/candidates/{pk}/", "/candidates/{pk}/dossier/"])
def test_a_secretary_sees_the_id_masked_on_the_candidate_page_and_the_dossier(secretary, person, url):
    content = secretary.get(url.format(pk=person.pk)).content.decode()
    assert MASKED in content
    assert FULL not in content


def test_a_secretary_with_a_staff_role_elsewhere_still_sees_the_id_masked(client, person):
    # Staff of another commune, secretary of the district: reads the record, does not enter it.
    user = UserFactory()
    role(user, Organization.objects.get(code="thanh-hoa"), role="secretary")
    role(user, Organization.objects.get(code="thuy-dong"), role="staff")
    client.force_login(user)
    content = client.get(f"/candidates/{person.pk}/").content.decode()
    assert MASKED in content and FULL not in content


def test_the_history_of_an_id_change_shows_neither_id_to_a_secretary(secretary, person):
    data = {field: getattr(person, field) for field in EDITABLE_FIELDS}
    candidate_update(candidate=person, data={**data, "national_id": "080300099876"})
    content = secretary.get(f"/candidates/{person.pk}/").content.decode()
    assert "080300099876" not in content and FULL not in content
    assert "•••••••••876" in content


def test_the_candidate_list_export_masks_the_id_for_a_secretary_and_not_for_the_staff(client, person):
    login(client, "bithu.tandong", "BiThuTanDong@2026")
    rows = export_rows(client.get("/candidates/?org=tan-dong-ap-1&export=xlsx"))
    mine = [row for row in rows if row[0] == person.full_name]
    assert len(mine) == 1 and mine[0][3] == MASKED
    assert not any(FULL in str(value) for row in rows for value in row)
    login(client, "bantochuc", "BanToChuc@2026")
    rows = export_rows(client.get("/candidates/?org=tan-dong-ap-1&export=xlsx"))
    assert [row[3] for row in rows if row[0] == person.full_name] == [FULL]


def test_the_candidate_list_and_its_search_by_id_never_print_the_id_to_a_secretary(secretary, person):
    page = secretary.get("/candidates/?org=tan-dong-ap-1").content.decode()
    assert person.full_name in page and FULL not in page


def test_the_class_page_and_its_roster_mask_the_id_for_a_secretary(client, person):
    klass = class_create(
        name="Lớp nhận thức 3/2026", organizer=Organization.objects.get(code="tan-dong"),
        start_date=datetime.date(2026, 3, 2), end_date=datetime.date(2026, 3, 6),
    )
    ClassAttendance.objects.create(awareness_class=klass, candidate=person)
    login(client, "bithu.tandong", "BiThuTanDong@2026")
    assert FULL not in client.get(f"/candidates/classes/{klass.pk}/").content.decode()
    rows = export_rows(client.get(f"/candidates/classes/{klass.pk}/attendees.xlsx"))
    assert rows[1][:3] == (person.full_name, datetime.datetime(1995, 5, 17), MASKED)
    login(client, "bantochuc", "BanToChuc@2026")
    rows = export_rows(client.get(f"/candidates/classes/{klass.pk}/attendees.xlsx"))
    assert rows[1][2] == FULL
