import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext

from candidates import imports, views_imports
from candidates.models import AwarenessClass, Candidate, ImportJob
from cells.models import Organization

from .factories import CandidateFactory

HEADINGS = [str(label) for _key, label in imports.CANDIDATE_COLUMNS]
GOOD = ["Trần Thị Kim Ngân", "05/06/1999", "Nữ", "Kinh", "Không", "Đại học", "080199001122", "Giáo viên",
        "tan-dong-truong", "Trường học", "02/01/2026"]


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    return client


def workbook(rows, headings=HEADINGS) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, content, url="/candidates/import/", name="danh-sach.xlsx"):
    response = client.post(url, {"file": SimpleUploadedFile(name, content)})
    if response.status_code == 302:
        return ImportJob.objects.get(pk=response.url.rstrip("/").split("/")[-1]), response
    return None, response


def test_the_template_has_the_headings_the_import_expects(staff):
    response = staff.get("/candidates/import/template-candidates.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == HEADINGS


def test_a_good_file_is_previewed_then_saved_whole(staff):
    second = GOOD[:]
    second[0], second[6] = "Lê Văn Hậu", "080099003344"
    job, _ = upload(staff, workbook([GOOD, second]))
    assert job.status == ImportJob.Status.VALID
    assert Candidate.objects.filter(national_id__in=["080199001122", "080099003344"]).count() == 0  # preview only
    page = staff.get(f"/candidates/imports/{job.pk}/")
    assert [row["cells"][0] for row in page.context["table"]] == ["Trần Thị Kim Ngân", "Lê Văn Hậu"]
    staff.post(f"/candidates/imports/{job.pk}/save/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SAVED and job.saved_count == 2
    saved = Candidate.objects.get(national_id="080199001122")
    assert saved.home_cell.code == "tan-dong-truong" and saved.occupation_category == "teacher"
    assert saved.history.first().history_user.username == "bantochuc"
    staff.post(f"/candidates/imports/{job.pk}/save/")  # a second click saves nothing more
    assert Candidate.objects.filter(national_id="080199001122").count() == 1


def test_a_file_with_bad_rows_shows_each_error_next_to_its_row_and_saves_nothing(staff):
    bad_date = GOOD[:]
    bad_date[0], bad_date[1], bad_date[6] = "Ngô Thị Hoa", "31/02/1999", ""
    bad_cell = GOOD[:]
    bad_cell[0], bad_cell[6], bad_cell[8] = "Đỗ Văn Nam", "", "khong-co"
    formula = GOOD[:]
    formula[0], formula[6] = "=HYPERLINK(\"http://x\")", ""
    job, _ = upload(staff, workbook([GOOD, bad_date, bad_cell, formula]))
    assert job.status == ImportJob.Status.INVALID
    errors = {row["number"]: " ".join(row["errors"]) for row in job.rows}
    assert errors[2] == ""
    assert "Ngày sinh" in errors[3]
    assert "khong-co" in errors[4]
    assert "công thức" in errors[5]
    staff.post(f"/candidates/imports/{job.pk}/save/")
    assert not Candidate.objects.filter(national_id="080199001122").exists()


def test_duplicates_are_flagged_never_merged(staff):
    existing = CandidateFactory(home_cell=Organization.objects.get(code="tan-dong-ap-1"), national_id="080199009999")
    same_id = GOOD[:]
    same_id[6] = "080199009999"
    same_person = GOOD[:]
    same_person[0], same_person[1], same_person[6] = existing.full_name, existing.date_of_birth.strftime("%d/%m/%Y"), ""
    twice = GOOD[:]
    job, _ = upload(staff, workbook([same_id, same_person, GOOD, twice]))
    errors = {row["number"]: " ".join(row["errors"]) for row in job.rows}
    # An ID held within the user's scope names its holder and cell (issue 20: outside it, neither).
    assert errors[2] == "Số CCCD: " + gettext("Same national ID as %(name)s (%(cell)s), already in the records.") % {
        "name": existing.full_name, "cell": existing.home_cell.name,
    }
    assert "đã có trong dữ liệu" in errors[3]
    assert "dòng 4" in errors[5]
    assert Candidate.objects.filter(full_name=existing.full_name).count() == 1


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"PK\x03\x04 not really a zip", "x.xlsx", "không phải tệp Excel"),
        (b"full_name,date\n", "x.csv", "không phải tệp Excel"),
        (workbook([]), "x.xlsx", "không có dòng dữ liệu"),
        (workbook([GOOD], headings=["Tên", "Ngày"]), "x.xlsx", "Dòng tiêu đề"),
    ],
)
def test_unreadable_files_answer_with_a_clear_message(staff, content, name, message):
    job, response = upload(staff, content, name=name)
    text = job.error if job else str(response.context["form"].errors)
    assert message in text
    assert not Candidate.objects.filter(national_id="080199001122").exists()


def test_an_empty_upload_is_refused_next_to_the_field(staff):
    _job, response = upload(staff, b"")
    assert "file" in response.context["form"].errors


def test_a_large_file_is_checked_and_saved_by_a_celery_job(staff, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(views_imports, "BACKGROUND_ROWS", 1)
    queued = []
    original = views_imports.tasks.validate_import.delay
    monkeypatch.setattr(views_imports.tasks.validate_import, "delay", lambda pk: queued.append(pk) or original(pk))
    rows = []
    for n in range(3):
        row = GOOD[:]
        row[0], row[6] = f"Người Thứ {n}", f"08019900{n:04d}"
        rows.append(row)
    with django_capture_on_commit_callbacks(execute=True):  # queued once the upload has committed
        job, _ = upload(staff, workbook(rows))
    assert queued == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALID and job.total == job.done == 3


def test_a_class_roster_imports_people_already_in_the_records(staff):
    person = CandidateFactory(home_cell=Organization.objects.get(code="tan-dong-ap-1"), national_id="080199007777")
    other = CandidateFactory(home_cell=Organization.objects.get(code="tan-dong-ap-2"))
    awareness_class = AwarenessClass.objects.filter(start_date__year=2026).first()
    headings = [str(label) for _key, label in imports.ROSTER_COLUMNS]
    content = workbook([["", "", "080199007777"], [other.full_name, other.date_of_birth.strftime("%d/%m/%Y"), ""]], headings)
    job, _ = upload(staff, content, url=f"/candidates/classes/{awareness_class.pk}/import/")
    assert job.status == ImportJob.Status.VALID
    staff.post(f"/candidates/imports/{job.pk}/save/")
    assert set(awareness_class.attendances.filter(candidate__in=[person, other]).values_list("candidate", flat=True)) == {person.pk, other.pk}


def test_nobody_else_sees_an_import(client, staff):
    job, _ = upload(staff, workbook([GOOD]))
    client.logout()
    client.login(username="bithu.huyen", password="BiThuHuyen@2026")
    assert client.get(f"/candidates/imports/{job.pk}/").status_code == 404


def test_a_template_downloaded_in_english_is_accepted(staff):
    from django.utils import translation

    with translation.override("en"):
        english = [str(label) for _key, label in imports.CANDIDATE_COLUMNS]
    job, _ = upload(staff, workbook([GOOD], headings=english))
    assert job.status == ImportJob.Status.VALID
