"""Dates a person reads are dd/mm/yyyy and times are in Asia/Ho_Chi_Minh, on the pages and in the workbooks."""
import datetime
import io
import json
import re

import openpyxl
import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from openpyxl import Workbook

from candidates.workbooks import DATETIME_FORMAT, safe_cell
from cells.models import Organization
from tracker import reports
from tracker.models import PipelineCheck, ReportJob


def test_the_app_keeps_its_times_in_the_districts_time_zone(settings):
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh" and settings.USE_TZ


def test_a_workbook_cell_holds_a_time_of_the_local_time_zone():
    utc_evening = datetime.datetime(2026, 11, 26, 19, 9, tzinfo=datetime.timezone.utc)
    cell = safe_cell(Workbook().active, utc_evening)
    assert cell.value == datetime.datetime(2026, 11, 27, 2, 9)  # seven hours later, the next day
    assert cell.number_format == DATETIME_FORMAT == "DD/MM/YYYY HH:MM"


@pytest.mark.django_db
def test_the_monthly_workbook_says_when_its_figures_were_counted_in_local_time():
    organization = Organization.objects.get(code="tan-dong")
    report = reports.month_report(organization, datetime.date(2023, 12, 1), timezone.localdate())
    report["figures"].computed_at = datetime.datetime(2026, 11, 26, 19, 9, tzinfo=datetime.timezone.utc)
    with translation.override("vi"):
        sheet = openpyxl.load_workbook(io.BytesIO(reports.reports_workbook([report]))).active
    label, counted = sheet["A3"].value, sheet["B3"]
    assert label == "Số liệu tính lúc"
    assert counted.value == datetime.datetime(2026, 11, 27, 2, 9)
    assert counted.number_format == "DD/MM/YYYY HH:MM"


@pytest.mark.django_db
def test_the_admissions_of_the_monthly_workbook_are_dates_shown_dd_mm_yyyy():
    organization = Organization.objects.get(code="thanh-hoa")
    report = reports.month_report(organization, datetime.date(2023, 12, 1), timezone.localdate())
    assert report["admissions"]
    sheet = openpyxl.load_workbook(io.BytesIO(reports.reports_workbook([report]))).active
    dates = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, datetime.datetime)]
    assert len(dates) >= 2 * len(report["admissions"])  # born on, ceremony on
    assert {cell.number_format for cell in dates} <= {"DD/MM/YYYY", "DD/MM/YYYY HH:MM"}


@pytest.mark.django_db
def test_the_dashboard_says_the_day_a_plan_was_completed_dd_mm_yyyy(client):
    client.login(username="bithu.tandong", password="BiThuTanDong@2026")
    page = client.get("/org/tan-dong/?period=2023")
    completed_on = page.context["data"]["completed_on"]
    assert re.fullmatch(r"2023-\d\d-\d\d", completed_on)  # the figures keep ISO, as the API gives it
    shown = datetime.date.fromisoformat(completed_on).strftime("%d/%m/%Y")
    assert f"hoàn thành kế hoạch ngày {shown}" in page.content.decode()


def test_a_date_kept_as_iso_text_is_shown_dd_mm_yyyy_by_the_templates():
    # How the units' table shows the day a unit reached its plan (the figures carry "2026-10-03").
    template = Template('{% load readable %}{{ day|iso_date|date:"d/m/Y" }}')
    assert template.render(Context({"day": "2026-10-03"})) == "03/10/2026"
    assert template.render(Context({"day": datetime.date(2026, 10, 3)})) == "03/10/2026"
    assert Template("{% load readable %}{{ day|iso_date }}").render(Context({"day": "hôm nay"})) == "hôm nay"


@pytest.mark.django_db
def test_the_charts_months_and_series_are_labelled_for_the_reader(client):
    client.login(username="bithu.huyen", password="BiThuHuyen@2026")
    page = client.get("/org/thanh-hoa/?period=2023")
    chart = json.loads(re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', page.content.decode()).group(1))
    assert chart["months"][0] == "2023-01"  # the keys stay ISO
    assert chart["month_labels"][0] == "01/2023" and chart["month_labels"][-1] == "12/2023"
    assert chart["labels"] == {"admitted": "Đã kết nạp", "pace": "Tiến độ kế hoạch"}
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/org/thanh-hoa/?period=2023")
    assert english.context["chart"]["labels"] == {"admitted": "Admitted", "pace": "Plan pace"}


@pytest.mark.django_db
def test_the_pipeline_checks_name_is_its_local_time_dd_mm_yyyy():
    check = PipelineCheck(checked_at=datetime.datetime(2026, 11, 26, 19, 9, tzinfo=datetime.timezone.utc))
    assert str(check) == "27/11/2026 02:09"


@pytest.mark.django_db
def test_the_jobs_fields_are_named_in_vietnamese_in_the_admin(admin_client):
    with translation.override("vi"):
        names = {field.name: str(field.verbose_name) for field in ReportJob._meta.fields}
    assert names["requested_by"] == "người yêu cầu" and names["finished_at"] == "xong lúc"
    page = admin_client.get("/admin/tracker/reportjob/add/").content.decode()
    assert "Finished at" not in page and "Requested by" not in page
