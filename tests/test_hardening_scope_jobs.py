"""Issue 20, scope: a role removed ends what the user had started. The report job's page and its
download re-check the current scope, and a job does not produce a workbook for a requester who lost it."""
import datetime

import pytest
from django.utils.translation import gettext as _

from cells.models import Organization, OrganizationRole
from tracker.models import ReportJob
from tracker.tasks import generate_monthly_reports

from .factories import UserFactory, role


def org(code):
    return Organization.objects.get(code=code)


@pytest.fixture
def secretary(client, db):
    user = UserFactory()
    role(user, org("tan-dong"), role="secretary")
    client.force_login(user)
    client.user = user
    return client


def started_job(client):
    response = client.post("/org/tan-dong/report/jobs/", {"month": "2023-12"})
    job = ReportJob.objects.get(requested_by=client.user)
    assert response.url == f"/reports/{job.pk}/"
    assert job.status == ReportJob.Status.DONE
    return job


def test_the_job_page_and_its_download_answer_404_once_the_role_is_removed(secretary):
    job = started_job(secretary)
    assert secretary.get(f"/reports/{job.pk}/").status_code == 200
    assert secretary.get(f"/reports/{job.pk}/?download=1").status_code == 200
    OrganizationRole.objects.filter(user=secretary.user).delete()
    assert secretary.get(f"/reports/{job.pk}/").status_code == 404
    assert secretary.get(f"/reports/{job.pk}/?download=1").status_code == 404


def test_a_role_lowered_to_viewer_loses_the_job_too(secretary):
    job = started_job(secretary)
    OrganizationRole.objects.filter(user=secretary.user).update(role="viewer")
    assert secretary.get(f"/reports/{job.pk}/?download=1").status_code == 404


def test_a_role_moved_to_another_commune_loses_the_job(secretary):
    job = started_job(secretary)
    OrganizationRole.objects.filter(user=secretary.user).update(organization=org("thuy-dong"))
    assert secretary.get(f"/reports/{job.pk}/").status_code == 404


def test_a_role_above_still_covers_the_job(secretary):
    job = started_job(secretary)
    OrganizationRole.objects.filter(user=secretary.user).delete()
    role(secretary.user, org("thanh-hoa"), role="staff")
    assert secretary.get(f"/reports/{job.pk}/?download=1").status_code == 200


def test_a_job_whose_requester_lost_the_scope_before_it_ran_produces_nothing(db):
    user = UserFactory()
    role(user, org("tan-dong"), role="secretary")
    job = ReportJob.objects.create(organization=org("tan-dong"), month=datetime.date(2023, 12, 1), requested_by=user)
    OrganizationRole.objects.filter(user=user).delete()
    assert generate_monthly_reports(job.pk) == 0
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED and not job.file and job.finished_at
    assert job.error == _("%(user)s no longer reads the records of %(organization)s: no reports were prepared.") % {
        "user": user.username, "organization": "Đảng bộ xã Tân Đông",
    }


def test_a_deactivated_requester_gets_no_workbook(db):
    user = UserFactory(is_active=False)
    role(user, org("tan-dong"), role="staff")
    job = ReportJob.objects.create(organization=org("tan-dong"), month=datetime.date(2023, 12, 1), requested_by=user)
    assert generate_monthly_reports(job.pk) == 0
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED and not job.file


def test_the_systems_scheduled_jobs_stay_allowed(db):
    job = ReportJob.objects.create(organization=org("tan-dong"), month=datetime.date(2023, 12, 1), requested_by=None)
    assert generate_monthly_reports(job.pk) == 7
    job.refresh_from_db()
    assert job.status == ReportJob.Status.DONE and job.file
