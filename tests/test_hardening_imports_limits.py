"""Issue 20: a workbook is read within limits (rows read, blank ones included; bytes unpacked; seconds); a
damaged workbook gets a message, not a 500; a job that raises is marked failed and never stays "validating"
or "saving"."""
import io
import time
import zipfile
from xml.sax.saxutils import escape

import pytest
from django.utils.translation import gettext as _

from candidates import imports, views_imports
from candidates.models import Candidate, ImportJob

from .hardening_imports import person, preview, staff_of, upload, workbook

SHEET = "xl/worksheets/sheet1.xml"
NAMESPACE = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DAMAGED = "The workbook is damaged and cannot be read; open it in Excel, save it again and upload it."
UNEXPECTED = ("The import stopped on an unexpected error; nothing was saved. Upload the file again, "
              "or tell the administrator.")


@pytest.fixture
def commune_staff(client, tree):
    client.force_login(staff_of(tree["commune"]))
    return client


def with_part(content: bytes, name: str, replacement: bytes | None) -> bytes:
    """The workbook with one part replaced (or left out, for None)."""
    source, buffer = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info.filename))
        if replacement is not None:
            target.writestr(name, replacement)
    return buffer.getvalue()


def headings_row() -> str:
    cells = "".join(
        f'<c r="{chr(ord("A") + index)}1" t="inlineStr"><is><t>{escape(str(label))}</t></is></c>'
        for index, (_key, label) in enumerate(imports.CANDIDATE_COLUMNS)
    )
    return f'<row r="1">{cells}</row>'


def sheet(body: str, padding: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NAMESPACE}"><sheetData>{headings_row()}{body}'
            f'</sheetData>{padding}</worksheet>').encode()


@pytest.mark.parametrize("blank_row, size", [
    ('<row r="{n}"/>', 2_500_000),  # numbered: 17 MB of XML, 2.4 MB zipped, under the 5 MB cap
    ("<row/>", 20_000),  # unnumbered: 6 MB of XML in 14 KB
])
def test_a_small_file_of_a_million_blank_rows_is_refused_in_under_a_second(
    commune_staff, blank_row, size, django_capture_on_commit_callbacks
):
    content = with_part(workbook([]), SHEET, sheet("".join(blank_row.format(n=n) for n in range(2, 1_000_001))))
    assert len(content) < size
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):  # more than 300 rows: checked by a job
        job, _response = upload(commune_staff, content)
    job.refresh_from_db()
    elapsed = time.monotonic() - started
    assert job.status == ImportJob.Status.INVALID
    assert job.error == _("The sheet has more than %(max)d rows, blank ones included; delete the empty rows under "
                          "the list, or split the file.") % {"max": 10_000}
    assert elapsed < 1.0


def test_blank_rows_within_the_limit_are_skipped(commune_staff, django_capture_on_commit_callbacks):
    blank = "".join(f'<row r="{n}"/>' for n in range(2, 9_000))
    row = "".join(f'<c r="{chr(ord("A") + index)}9000" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
                  for index, value in enumerate(person()))
    with django_capture_on_commit_callbacks(execute=True):
        job, _response = upload(commune_staff, with_part(workbook([]), SHEET, sheet(f'{blank}<row r="9000">{row}</row>')))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALID
    assert [row["number"] for row in job.rows] == [9000]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(commune_staff):
    content = with_part(workbook([person()]), SHEET, sheet("", padding=" " * (30 * 1024 * 1024)))
    assert len(content) < 100 * 1024
    started = time.monotonic()
    job, _response = upload(commune_staff, content)
    assert job.status == ImportJob.Status.INVALID
    assert job.error == _("The workbook unpacks to more than %(size)d MB; a list of %(rows)d people takes a few.") % {
        "size": 20, "rows": 5000,
    }
    assert time.monotonic() - started < 1.0


def test_a_file_cut_in_half_gets_a_message(commune_staff):
    content = workbook([person()])
    job, _response = upload(commune_staff, content[: len(content) // 2])
    assert job.status == ImportJob.Status.INVALID
    assert job.error == _("This is not an Excel workbook (.xlsx); download the template and fill it in.")


@pytest.mark.parametrize("part", [
    sheet('<row r="2"><c r="A2" t="inlineStr"><is><t>Lê Văn'),  # cut short
    sheet('<row r="2"><c r="A2" t="inlineStr"><is><t>Lê</b></t></is></c></row>'),  # tags that do not close
    b"\x00\x01 not XML at all",
])
def test_a_sheet_that_is_not_well_formed_gets_a_message(commune_staff, part):
    job, _response = upload(commune_staff, with_part(workbook([person()]), SHEET, part))
    assert job.status == ImportJob.Status.INVALID
    assert job.error == _(DAMAGED)
    assert commune_staff.get(f"/candidates/imports/{job.pk}/").status_code == 200


def test_a_workbook_without_sheets_gets_a_message(commune_staff):
    content = workbook([person()])
    book = zipfile.ZipFile(io.BytesIO(content)).read("xl/workbook.xml").decode()
    start, end = book.index("<sheets>"), book.index("</sheets>") + len("</sheets>")
    job, _response = upload(commune_staff, with_part(content, "xl/workbook.xml", (book[:start] + "<sheets/>" + book[end:]).encode()))
    assert job.status == ImportJob.Status.INVALID
    assert job.error == _("The workbook has no sheet.")


def test_a_workbook_without_its_sheet_part_gets_a_message(commune_staff):
    job, _response = upload(commune_staff, with_part(workbook([person()]), SHEET, None))
    assert job.status == ImportJob.Status.INVALID
    assert job.error == _("The workbook has no sheet.")


def test_reading_stops_at_the_time_limit(commune_staff, monkeypatch):
    monkeypatch.setattr(imports, "READ_SECONDS", -1)
    job, _response = upload(commune_staff, workbook([person()]))
    assert job.status == ImportJob.Status.INVALID
    assert job.error == _("The file took too long to read; split it into smaller files.")


def test_a_check_that_raises_marks_the_job_failed(commune_staff, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(imports, "validate_candidates", broken)
    job, response = upload(commune_staff, workbook([person()]))
    assert response.status_code == 302
    assert job.status == ImportJob.Status.FAILED and job.error == _(UNEXPECTED)
    assert commune_staff.get(f"/candidates/imports/{job.pk}/").status_code == 200


def test_a_save_that_raises_marks_the_job_failed_with_nothing_saved(commune_staff, monkeypatch):
    job = preview(commune_staff, [person()])
    create = imports.services.candidate_create

    def broken(**fields):
        create(**fields)
        raise KeyError("a bug after the first person")

    monkeypatch.setattr(imports.services, "candidate_create", broken)
    assert commune_staff.post(f"/candidates/imports/{job.pk}/save/").status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.error == _(UNEXPECTED)
    assert not Candidate.objects.filter(full_name="Trần Thị Kim Ngân").exists()


def test_a_big_sheet_goes_to_a_job_whatever_its_dimension_says(commune_staff, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(views_imports.tasks.validate_import, "delay", lambda pk: queued.append(pk))
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Người {n}</t></is></c></row>' for n in range(2, 400))
    lying = sheet(rows).replace(b"<sheetData>", b'<dimension ref="A1:K2"/><sheetData>')
    with django_capture_on_commit_callbacks(execute=True):
        job, _response = upload(commune_staff, with_part(workbook([]), SHEET, lying))
    assert queued == [job.pk]


def test_rows_past_a_wrong_dimension_are_read(commune_staff):
    rows = "".join(
        f'<row r="{n}">' + "".join(f'<c r="{chr(ord("A") + index)}{n}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
                                   for index, value in enumerate(person(full_name=name))) + "</row>"
        for n, name in [(2, "Trần Thị Kim Ngân"), (3, "Lê Văn Hậu"), (4, "Võ Minh Tâm")]
    )
    lying = sheet(rows).replace(b"<sheetData>", b'<dimension ref="A1:K2"/><sheetData>')
    job, _response = upload(commune_staff, with_part(workbook([]), SHEET, lying))
    assert [row["values"]["full_name"] for row in job.rows] == ["Trần Thị Kim Ngân", "Lê Văn Hậu", "Võ Minh Tâm"]


def test_a_big_file_is_queued_once_the_upload_has_committed(commune_staff, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(views_imports, "BACKGROUND_ROWS", 1)
    queued = []
    monkeypatch.setattr(views_imports.tasks.validate_import, "delay", lambda pk: queued.append(pk))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job, _response = upload(commune_staff, workbook([person(), person(full_name="Lê Văn Hậu")]))
        assert queued == []  # a worker would look for a job not yet committed
    for callback in callbacks:
        callback()
    assert queued == [job.pk]
