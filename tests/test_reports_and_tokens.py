import io

import openpyxl
import pytest
from django.core.management import call_command

from cells.models import Organization
from tracker import reports
from tracker.models import ApiToken, ReportJob
from tracker.tasks import generate_monthly_reports

from .factories import UserFactory


@pytest.fixture
def district_secretary(client, db):
    client.login(username="bithu.huyen", password="BiThuHuyen@2026")
    return client


def test_the_monthly_report_lists_the_months_admissions(district_secretary):
    page = district_secretary.get("/org/thanh-hoa/report/?month=2023-06")
    assert page.status_code == 200
    from candidates.models import Admission

    june = Admission.objects.filter(admitted_on__year=2023, admitted_on__month=6).count()
    assert page.content.decode().count("QĐ/HU") == june > 0


def test_the_monthly_report_downloads_as_a_workbook(district_secretary):
    response = district_secretary.get("/org/thpt-thanh-hoa/report/?month=2023-12&format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Chi bộ Trường THPT Thạnh Hóa"
    assert rows[5][:4] == ("2023", 3, 5, 60.0)


def test_a_bad_month_answers_400(district_secretary):
    assert district_secretary.get("/org/thanh-hoa/report/?month=2023-13").status_code == 400


def test_the_report_job_builds_one_sheet_per_unit_of_the_subtree(district_secretary, django_capture_on_commit_callbacks):
    response = district_secretary.post("/org/tan-dong/report/jobs/", {"month": "2023-12"})
    job = ReportJob.objects.get()
    assert response.url == f"/reports/{job.pk}/"
    job.refresh_from_db()
    assert job.status == ReportJob.Status.DONE and job.done == job.total == 7
    download = district_secretary.get(f"/reports/{job.pk}/?download=1")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert len(workbook.sheetnames) == 7
    assert generate_monthly_reports(job.pk) == 7  # running twice redoes nothing


def test_a_subtree_too_big_for_one_workbook_gets_its_top_levels_and_the_page_says_so(
    district_secretary, django_capture_on_commit_callbacks, monkeypatch
):
    # Thạnh Hóa: the district, its 19 communes and school committees, 75 cells under them.
    monkeypatch.setattr(reports, "WORKBOOK_LIMIT", 50)
    district_secretary.post("/org/thanh-hoa/report/jobs/", {"month": "2023-12"})
    job = ReportJob.objects.get()
    assert (job.status, job.total, job.levels) == (ReportJob.Status.DONE, 20, 1)
    download = district_secretary.get(f"/reports/{job.pk}/?download=1")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert len(workbook.sheetnames) == 20 and "tan-dong" in workbook.sheetnames and "tan-dong-ap-1" not in workbook.sheetnames
    page = district_secretary.get(f"/reports/{job.pk}/").content.decode()
    assert "1 cấp dưới (20 tổ chức)" in page and "quá 50 trang tính" in page


def test_a_whole_subtree_in_one_workbook_says_nothing_of_levels(district_secretary, django_capture_on_commit_callbacks):
    district_secretary.post("/org/thanh-hoa/report/jobs/", {"month": "2023-12"})
    job = ReportJob.objects.get()
    assert (job.total, job.levels) == (95, None)
    assert 'id="job-levels"' not in district_secretary.get(f"/reports/{job.pk}/").content.decode()


def test_the_report_page_says_how_many_sheets_the_workbook_holds_at_most(district_secretary, monkeypatch):
    monkeypatch.setattr(reports, "WORKBOOK_LIMIT", 50)
    page = district_secretary.get("/org/thanh-hoa/report/?month=2023-12").content.decode()
    assert "Lập báo cáo tháng 12/2023 cho các đơn vị trực thuộc" in page
    assert "tối đa 50 trang tính" in page and "toàn bộ" not in page


def test_the_organizations_own_level_is_always_in_the_workbook(db, monkeypatch):
    monkeypatch.setattr(reports, "WORKBOOK_LIMIT", 1)
    scope = reports.report_scope(Organization.objects.get(code="tan-dong"))
    assert ([org.code for org in scope.organizations], scope.levels) == (["tan-dong"], 0)


def test_nobody_else_sees_a_report_job(client, district_secretary):
    district_secretary.post("/org/tan-dong/report/jobs/", {"month": "2023-12"})
    client.force_login(UserFactory())
    assert client.get(f"/reports/{ReportJob.objects.get().pk}/").status_code == 404


def test_the_command_writes_the_months_reports(tmp_path, db):
    call_command("monthly_reports", "--org", "tan-dong", "--month", "2023-12", "--out", str(tmp_path))
    workbook = openpyxl.load_workbook(tmp_path / "bao-cao-tan-dong-2023-12.xlsx")
    assert workbook.sheetnames[0] == "tan-dong"


def test_the_api_accepts_a_users_token(client, db):
    from django.contrib.auth import get_user_model

    token = ApiToken.objects.create(user=get_user_model().objects.get(username="bithu.tandong"))
    ok = client.get("/api/v1/progress/?org=tan-dong&period=2023", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert ok.json()["admitted"] == 4
    out_of_scope = client.get("/api/v1/progress/?org=thanh-hoa&period=2023", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert out_of_scope.status_code == 404
    assert client.get("/api/v1/progress/?org=tan-dong&period=2023", HTTP_AUTHORIZATION="Token wrong").status_code == 401


def test_the_first_of_the_month_prepares_last_months_reports_of_every_top_organization(db, monkeypatch):
    import datetime

    from django.utils import timezone

    from tracker.tasks import monthly_reports_for_all

    monkeypatch.setattr(timezone, "localdate", lambda: datetime.date(2026, 1, 1))
    monkeypatch.setattr(generate_monthly_reports, "delay", lambda job_id: None)  # the workbook is tested above
    jobs = ReportJob.objects.filter(pk__in=monthly_reports_for_all())
    assert [(job.organization.code, job.month) for job in jobs] == [("thanh-hoa", datetime.date(2025, 12, 1))]
