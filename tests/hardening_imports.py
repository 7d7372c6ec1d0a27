"""Helpers of the tests/test_hardening_imports_*.py files: a workbook of people, its upload, a staff user."""
import datetime
import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from candidates import imports
from candidates.models import ImportJob
from cells.models import OrganizationRole

from .factories import UserFactory, role

ROSTER_HEADINGS = [str(label) for _key, label in imports.ROSTER_COLUMNS]


def person(**changes) -> list[str]:
    """A row of the candidates template, good unless `changes` make it bad (choices by their stored values)."""
    values = {
        "full_name": "Trần Thị Kim Ngân", "date_of_birth": "05/06/1999", "gender": "female", "ethnicity": "Kinh",
        "religion": "Không", "education_level": "university", "national_id": "", "occupation_category": "teacher",
        "home_cell": "c-a", "source": "school",
        "sourced_on": (timezone.localdate() - datetime.timedelta(days=30)).strftime("%d/%m/%Y"),
    }
    values.update(changes)
    return [values[key] for key, _label in imports.CANDIDATE_COLUMNS]


def workbook(rows, headings=None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headings or [str(label) for _key, label in imports.CANDIDATE_COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, content, url="/candidates/import/"):
    """The job the upload started, or None with the response when the form refused the file."""
    response = client.post(url, {"file": SimpleUploadedFile("danh-sach.xlsx", content)})
    if response.status_code != 302:
        return None, response
    return ImportJob.objects.get(pk=response.url.rstrip("/").split("/")[-1]), response


def preview(client, rows, url="/candidates/import/", headings=None) -> ImportJob:
    job, response = upload(client, workbook(rows, headings), url)
    assert job is not None, response.content
    return job


def staff_of(organization):
    user = UserFactory()
    role(user, organization, OrganizationRole.Role.STAFF)
    return user
