"""The class page offers its attendees as a workbook, to those who may read the class, listing only
the attendees within the reader's record scope."""
import datetime
import io

import openpyxl
import pytest
from django.utils.translation import gettext as _

from candidates.models import ClassAttendance
from candidates.services import class_create
from cells.models import Organization

from .factories import CandidateFactory, UserFactory, role

HEADINGS = ("Full name", "Date of birth", "National ID", "Committee", "Cell", "Result", "Certificate number")
BORN = datetime.datetime(1995, 5, 17)


@pytest.fixture
def commune_class(db):
    """A class of Tân Đông that the district staff also enrolled someone from Thủy Đông into."""
    klass = class_create(
        name="Lớp nhận thức Tân Đông 4/2026", organizer=Organization.objects.get(code="tan-dong"),
        start_date=datetime.date(2026, 4, 6), end_date=datetime.date(2026, 4, 10),
    )
    ours = CandidateFactory(full_name="Võ Thị Hồng", home_cell=Organization.objects.get(code="tan-dong-ap-1"))
    theirs = CandidateFactory(full_name="Đặng Văn Lợi", home_cell=Organization.objects.get(code="thuy-dong-ap-1"))
    ClassAttendance.objects.create(awareness_class=klass, candidate=ours, result="good", certificate_number="GCN-17")
    ClassAttendance.objects.create(awareness_class=klass, candidate=theirs, result="passed", certificate_number="GCN-18")
    return klass


def rows_of(response):
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="lop-{response.wsgi_request.resolver_match.kwargs["pk"]}-hoc-vien.xlsx"'
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def cell_name(code):
    return Organization.objects.get(code=code).name


def committee_name(code):
    return Organization.objects.get_parent(Organization.objects.get(code=code)).name


def test_the_board_staff_download_every_attendee_with_results_and_certificates(client, commune_class):
    client.login(username="bantochuc", password="BanToChuc@2026")
    rows = rows_of(client.get(f"/candidates/classes/{commune_class.pk}/attendees.xlsx"))
    assert rows[0] == tuple(_(heading) for heading in HEADINGS)
    # In the name order of the database (ICU on PostgreSQL, code points on SQLite): compared as a set.
    assert {row[:2] + row[3:] for row in rows[1:]} == {
        ("Đặng Văn Lợi", BORN, committee_name("thuy-dong-ap-1"), cell_name("thuy-dong-ap-1"), _("Passed"), "GCN-18"),
        ("Võ Thị Hồng", BORN, committee_name("tan-dong-ap-1"), cell_name("tan-dong-ap-1"), _("Good"), "GCN-17"),
    }


def test_the_commune_secretary_downloads_only_the_attendees_within_the_commune(client, commune_class):
    client.login(username="bithu.tandong", password="BiThuTanDong@2026")
    rows = rows_of(client.get(f"/candidates/classes/{commune_class.pk}/attendees.xlsx"))
    assert [row[0] for row in rows[1:]] == ["Võ Thị Hồng"]


def test_the_class_page_offers_the_download(client, commune_class):
    client.login(username="bithu.tandong", password="BiThuTanDong@2026")
    page = client.get(f"/candidates/classes/{commune_class.pk}/").content.decode()
    assert f'href="/candidates/classes/{commune_class.pk}/attendees.xlsx"' in page


@pytest.mark.parametrize("role_name", ["viewer", None])
def test_who_may_not_read_the_class_gets_404(client, commune_class, role_name):
    user = UserFactory()
    if role_name:
        role(user, Organization.objects.get(code="tan-dong"), role=role_name)
    else:  # a secretary of another commune
        role(user, Organization.objects.get(code="thuy-dong"), role="secretary")
    client.force_login(user)
    assert client.get(f"/candidates/classes/{commune_class.pk}/attendees.xlsx").status_code == 404
