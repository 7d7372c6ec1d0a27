"""Excel exports that open well: real dates shown dd/mm/yyyy, column widths, a styled, frozen and filterable heading
row, the committee column, a file name that says the organization, the list and the day, written row by row
(issue 22)."""
import datetime
import io

import openpyxl
import pytest
from django.utils import timezone, translation

from candidates import services, workbooks
from candidates.models import ClassAttendance, Stage
from cells.models import Organization

from .factories import CandidateFactory, OrganizationFactory


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    return client


@pytest.fixture
def cell(db):
    return OrganizationFactory(
        code="tan-dong-xuat", name="Chi bộ ấp Xuất", kind=Organization.Kind.CELL, parent=Organization.objects.get(code="tan-dong")
    )


def sheet_of(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def file_name_of(response) -> str:
    return response["Content-Disposition"].removeprefix('attachment; filename="').removesuffix('"')


def test_the_candidate_export_opens_ready_to_read(staff, cell):
    person = CandidateFactory(home_cell=cell, full_name="Lê Văn Tám", date_of_birth=datetime.date(1999, 12, 31))
    sheet = sheet_of(staff.get(f"/candidates/?org={cell.code}&export=xlsx"))
    headings = [c.value for c in sheet[1]]
    assert headings[5:7] == [translation.gettext("Committee"), translation.gettext("Cell")]
    row = {heading: c for heading, c in zip(headings, sheet[2])}
    assert row[translation.gettext("Committee")].value == "Đảng bộ xã Tân Đông"
    assert row[translation.gettext("Cell")].value == "Chi bộ ấp Xuất"
    born, since = row[translation.gettext("Date of birth")], row[translation.gettext("Since")]
    assert (born.value, born.number_format) == (datetime.datetime(1999, 12, 31), "DD/MM/YYYY")
    assert (since.value.date(), since.number_format) == (person.stage_date, "DD/MM/YYYY")
    # The heading row: styled, frozen, filterable, on every printed page; widths for every column.
    heading = sheet["A1"]
    assert heading.font.bold and heading.font.color.rgb.endswith("FFFFFF") and heading.fill.fgColor.rgb.endswith("B71C1C")
    assert sheet.freeze_panes == "A2" and sheet.print_title_rows == "$1:$1"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(headings))}2"
    assert all(sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width >= 9 for i in range(1, len(headings) + 1))
    assert sheet.page_setup.orientation == "landscape"


def test_the_export_file_name_says_the_organization_the_list_and_the_day(staff, client, cell):
    CandidateFactory(home_cell=cell)
    today = timezone.localdate().isoformat()
    assert file_name_of(staff.get("/candidates/?org=tan-dong&export=xlsx")) == f"danh-sach-tan-dong-dang-xet-{today}.xlsx"
    assert file_name_of(staff.get("/candidates/?org=tan-dong&show=probation&export=xlsx")) == f"danh-sach-tan-dong-du-bi-{today}.xlsx"
    assert file_name_of(staff.get("/candidates/?show=all&export=xlsx")) == f"danh-sach-thanh-hoa-tat-ca-{today}.xlsx"
    with translation.override("vi"):
        stage = workbooks.file_name_part(Stage.TRAINED.label)
    named = file_name_of(staff.get("/candidates/?org=tan-dong&stage=trained&export=xlsx"))
    assert named == f"danh-sach-tan-dong-{stage}-{today}.xlsx" and named.isascii()
    # In English too, the name stays the same (the organization's code, Vietnamese words in ASCII).
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        assert file_name_of(staff.get("/candidates/?org=tan-dong&stage=trained&export=xlsx")) == named


def test_file_name_parts_are_ascii():
    assert workbooks.file_name_part("Đảng bộ xã Tân Đông") == "dang-bo-xa-tan-dong"
    assert workbooks.file_name_part("Nghị quyết: 6-KNĐ / “Chi bộ”") == "nghi-quyet-6-knd-chi-bo"
    assert workbooks.file_name("danh sách", "", "ấp 1", day=datetime.date(2026, 12, 3)) == "danh-sach-ap-1-2026-12-03.xlsx"


def test_lists_are_written_row_by_row(monkeypatch):
    made = []
    real = workbooks.Workbook

    def spy(*args, **kwargs):
        made.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(workbooks, "Workbook", spy)
    rows = ([f"Người {n}", datetime.date(2000, 1, 1 + n % 28)] for n in range(3000))
    content, count = workbooks.list_workbook("thu", ["Họ tên", "Ngày"], rows, widths=[20, 12])
    assert made == [{"write_only": True}] and count == 3000
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet.max_row == 3001 and sheet["B3001"].number_format == "DD/MM/YYYY"
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"


def test_the_class_attendees_export_has_the_committee_column(staff, cell):
    klass = services.class_create(
        name="Lớp xuất", organizer=Organization.objects.get(code="tan-dong"),
        start_date=datetime.date(2026, 3, 2), end_date=datetime.date(2026, 3, 6),
    )
    ClassAttendance.objects.create(awareness_class=klass, candidate=CandidateFactory(home_cell=cell, full_name="Võ Văn Xuất"))
    sheet = sheet_of(staff.get(f"/candidates/classes/{klass.pk}/attendees.xlsx"))
    headings = [c.value for c in sheet[1]]
    row = dict(zip(headings, (c.value for c in sheet[2])))
    assert row[translation.gettext("Committee")] == "Đảng bộ xã Tân Đông" and row[translation.gettext("Cell")] == "Chi bộ ấp Xuất"
    assert sheet["A1"].fill.fgColor.rgb.endswith("B71C1C") and sheet.freeze_panes == "A2"
