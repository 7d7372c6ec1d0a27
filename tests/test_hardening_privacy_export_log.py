"""Every export of personal data is logged with who, when, which export, which filter or record and
how many people; administrators read the log in the admin and cannot change it."""
import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from candidates.models import Admission, Candidate, ClassAttendance, ExportLog
from candidates.services import class_create, export_log_record
from cells.models import Organization
from tracker.models import ReportJob

from .factories import CandidateFactory


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    return client


def only_log():
    [log] = ExportLog.objects.all()
    return log


def test_the_candidate_list_export_is_logged_with_its_filter_and_head_count(staff):
    before = timezone.now()
    staff.get("/candidates/?org=tan-dong&stage=trained&export=xlsx")
    log = only_log()
    expected = Candidate.objects.filter(home_cell__path__startswith=Organization.objects.get(code="tan-dong").path, stage="trained").count()
    assert (log.user.username, log.username, log.kind, log.subject, log.people) == (
        "bantochuc", "bantochuc", ExportLog.Kind.CANDIDATE_LIST, "org=tan-dong&stage=trained", expected,
    )
    assert expected > 0 and log.exported_at >= before


def test_browsing_the_list_is_not_an_export(staff):
    staff.get("/candidates/?org=tan-dong")
    assert not ExportLog.objects.exists()


def test_a_refused_export_is_not_logged(staff, monkeypatch):
    monkeypatch.setattr("candidates.views.EXPORT_LIMIT", 3)
    staff.get("/candidates/?export=xlsx")
    assert not ExportLog.objects.exists()


def test_the_dossier_print_view_is_logged(staff):
    person = Candidate.objects.filter(home_cell__code__startswith="tan-dong").first()
    staff.get(f"/candidates/{person.pk}/dossier/")
    log = only_log()
    assert (log.kind, log.subject, log.people) == (ExportLog.Kind.DOSSIER, f"#{person.pk} {person.full_name}", 1)
    staff.get(f"/candidates/{person.pk}/")  # the candidate page itself is not an export
    assert ExportLog.objects.count() == 1


def test_the_class_roster_export_is_logged(staff):
    klass = class_create(
        name="Lớp ghi nhật ký", organizer=Organization.objects.get(code="tan-dong"),
        start_date=datetime.date(2026, 3, 2), end_date=datetime.date(2026, 3, 6),
    )
    for _ in range(3):
        ClassAttendance.objects.create(awareness_class=klass, candidate=CandidateFactory(home_cell=Organization.objects.get(code="tan-dong-ap-2")))
    staff.get(f"/candidates/classes/{klass.pk}/attendees.xlsx")
    log = only_log()
    assert (log.kind, log.subject, log.people) == (ExportLog.Kind.CLASS_ROSTER, f"#{klass.pk} {klass}", 3)


def june_2023():
    return Admission.objects.filter(admitted_on__year=2023, admitted_on__month=6).count()


@pytest.mark.parametrize("query, kind", [("", ExportLog.Kind.REPORT_PAGE), ("&format=xlsx", ExportLog.Kind.REPORT_WORKBOOK)])
def test_the_monthly_report_page_and_workbook_are_logged(staff, query, kind):
    staff.get(f"/org/thanh-hoa/report/?month=2023-06{query}")
    log = only_log()
    assert (log.kind, log.subject, log.people) == (kind, "thanh-hoa 06/2023", june_2023())
    assert june_2023() > 0


def test_the_report_jobs_download_is_logged_with_everyone_it_names(staff, django_capture_on_commit_callbacks):
    staff.post("/org/thanh-hoa/report/jobs/", {"month": "2023-06"})
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.DONE
    staff.get(f"/reports/{job.pk}/")  # the progress page names nobody
    assert not ExportLog.objects.exists()
    staff.get(f"/reports/{job.pk}/?download=1")
    log = only_log()
    assert (log.kind, log.subject, log.people) == (ExportLog.Kind.REPORT_JOB, "thanh-hoa 06/2023", june_2023())


def test_a_bad_month_logs_nothing(staff):
    assert staff.get("/org/thanh-hoa/report/?month=2023-13").status_code == 400
    assert not ExportLog.objects.exists()


def test_the_log_keeps_the_name_of_a_user_deleted_since(db):
    user = get_user_model().objects.create_user("tam.thoi")
    log = export_log_record(user=user, kind=ExportLog.Kind.DOSSIER, subject="#1 X", people=1)
    user.delete()
    log.refresh_from_db()
    assert (log.user, log.username) == (None, "tam.thoi")


def test_administrators_read_the_log_and_nobody_changes_it(client, staff):
    staff.get("/candidates/?org=tan-dong&export=xlsx")
    log = only_log()
    client.logout()
    client.login(username="admin", password="QuanTri@2026")
    changelist = client.get(reverse("admin:candidates_exportlog_changelist"))
    assert changelist.status_code == 200 and "org=tan-dong" in changelist.content.decode()
    assert client.get(reverse("admin:candidates_exportlog_change", args=[log.pk])).status_code == 200
    assert client.get(reverse("admin:candidates_exportlog_add")).status_code == 403
    assert client.post(reverse("admin:candidates_exportlog_change", args=[log.pk]), {"people": 0}).status_code == 403
    assert client.post(reverse("admin:candidates_exportlog_delete", args=[log.pk]), {"post": "yes"}).status_code == 403
    log.refresh_from_db()
    assert log.people > 0


def test_the_log_is_not_in_the_admin_of_a_secretary(client, db):
    client.login(username="bithu.tandong", password="BiThuTanDong@2026")
    assert client.get(reverse("admin:candidates_exportlog_changelist")).status_code == 302  # to the admin's login
