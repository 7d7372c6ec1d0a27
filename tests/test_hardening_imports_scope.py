"""Issue 20: the import preview tells a user only what their scope holds, and a role removed ends the imports
it had started (the preview page, its save action, the jobs)."""
import datetime

import pytest
from django.utils.translation import gettext as _

from candidates import imports, services, tasks, views_imports
from candidates.models import AwarenessClass, Candidate, ClassAttendance, ImportJob
from cells.models import OrganizationRole

from .factories import CandidateFactory
from .hardening_imports import ROSTER_HEADINGS, person, preview, staff_of, upload, workbook

ELSEWHERE = "A person with this national ID is already registered elsewhere; ask the board staff above."


def national_id_column() -> str:
    return str(dict(imports.CANDIDATE_COLUMNS)["national_id"])


@pytest.fixture
def commune_staff(client, tree):
    """Staff of the commune (cells c-a and c-b); the school cell is outside their scope."""
    user = staff_of(tree["commune"])
    client.force_login(user)
    return client


def test_a_national_id_held_outside_the_scope_is_reported_without_name_or_cell(commune_staff, tree):
    CandidateFactory(home_cell=tree["school"], full_name="Phạm Thị Ngoài", national_id="080199001122")
    job = preview(commune_staff, [person(national_id="080199001122")])
    assert job.status == ImportJob.Status.INVALID
    assert job.rows[0]["errors"] == [f"{national_id_column()}: {_(ELSEWHERE)}"]
    page = commune_staff.get(f"/candidates/imports/{job.pk}/").content.decode()
    assert "Phạm Thị Ngoài" not in page and tree["school"].name not in page


def test_a_national_id_held_within_the_scope_names_the_person_and_the_cell(commune_staff, tree):
    CandidateFactory(home_cell=tree["cell_b"], full_name="Phạm Thị Trong", national_id="080199001122")
    job = preview(commune_staff, [person(national_id="080199001122")])
    assert job.rows[0]["errors"] == [
        f"{national_id_column()}: "
        + _("Same national ID as %(name)s (%(cell)s), already in the records.") % {"name": "Phạm Thị Trong", "cell": "Chi bộ ấp B"}
    ]


def test_the_same_name_and_birth_date_outside_the_scope_is_not_reported(commune_staff, tree):
    CandidateFactory(home_cell=tree["school"], full_name="Trần Thị Kim Ngân", date_of_birth=datetime.date(1999, 6, 5))
    job = preview(commune_staff, [person()])
    assert job.status == ImportJob.Status.VALID
    assert job.rows[0]["errors"] == []


def test_the_same_name_and_birth_date_within_the_scope_names_the_person_and_the_cell(commune_staff, tree):
    CandidateFactory(home_cell=tree["cell_b"], full_name="Trần Thị Kim Ngân", date_of_birth=datetime.date(1999, 6, 5))
    job = preview(commune_staff, [person()])
    assert job.rows[0]["errors"] == [
        _("Same name and date of birth as %(name)s (%(cell)s), already in the records.")
        % {"name": "Trần Thị Kim Ngân", "cell": "Chi bộ ấp B"}
    ]


def test_the_web_form_reports_a_national_id_held_outside_the_scope_the_same_way(commune_staff, tree):
    CandidateFactory(home_cell=tree["school"], full_name="Phạm Thị Ngoài", national_id="080199001122")
    response = commune_staff.post("/candidates/new/", {
        "full_name": "Lê Văn Mới", "date_of_birth": "01/02/2000", "gender": "male", "ethnicity": "Kinh",
        "religion": "Không", "education_level": "university", "national_id": "080199001122",
        "occupation_category": "teacher", "home_cell": tree["cell_a"].pk, "source": "school",
        "sourced_on": "02/01/2026",
    })
    assert response.status_code == 200
    assert response.context["form"].errors["national_id"] == [_(ELSEWHERE)]
    assert "Phạm Thị Ngoài" not in response.content.decode()


# A role removed ends what it had started.

def test_the_preview_and_its_save_answer_404_once_the_staff_role_is_removed(commune_staff, tree):
    job = preview(commune_staff, [person()])
    assert job.status == ImportJob.Status.VALID
    OrganizationRole.objects.filter(organization=tree["commune"]).delete()
    assert commune_staff.get(f"/candidates/imports/{job.pk}/").status_code == 404
    assert commune_staff.post(f"/candidates/imports/{job.pk}/save/").status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALID
    assert not Candidate.objects.filter(full_name="Trần Thị Kim Ngân").exists()


def test_the_save_job_fails_with_a_message_when_the_role_was_removed_after_the_click(commune_staff, tree):
    job = preview(commune_staff, [person()])
    OrganizationRole.objects.filter(organization=tree["commune"]).delete()
    assert tasks.save_import(job.pk) == 0
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.error == _("You no longer hold the role this import needs; nothing was saved.")
    assert not Candidate.objects.filter(full_name="Trần Thị Kim Ngân").exists()


def test_the_check_job_fails_with_a_message_when_the_role_was_removed_before_it_ran(commune_staff, tree, monkeypatch):
    monkeypatch.setattr(views_imports, "_run", lambda task, job: None)  # the worker has not run it yet
    job, _response = upload(commune_staff, workbook([person()]))
    assert job.status == ImportJob.Status.VALIDATING
    OrganizationRole.objects.filter(organization=tree["commune"]).delete()
    tasks.validate_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.error == _("You no longer hold the role this import needs; nothing was saved.")
    assert job.rows == []


def test_the_save_job_refuses_a_cell_that_left_the_scope_since_the_preview(client, tree):
    user = staff_of(tree["district"])
    client.force_login(user)
    job = preview(client, [person(home_cell="s")])
    assert job.status == ImportJob.Status.VALID
    # The district role gives way to the commune's: the school cell is no longer the user's.
    OrganizationRole.objects.filter(user=user).update(organization=tree["commune"])
    tasks.save_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.rows[0]["errors"] == [
        _("%(column)s: no active cell with code “%(code)s” in your scope.")
        % {"column": dict(imports.CANDIDATE_COLUMNS)["home_cell"], "code": "s"}
    ]
    assert not Candidate.objects.filter(full_name="Trần Thị Kim Ngân").exists()


@pytest.fixture
def commune_class(tree):
    return services.class_create(
        name="Lớp nhận thức xã", organizer=tree["commune"], start_date=datetime.date(2026, 3, 2),
        end_date=datetime.date(2026, 3, 6),
    )


def test_a_roster_preview_answers_404_once_its_class_is_out_of_the_users_scope(client, tree, commune_class):
    user = staff_of(tree["commune"])
    client.force_login(user)
    attendee = CandidateFactory(home_cell=tree["cell_a"], national_id="080199007777")
    job = preview(client, [["", "", "080199007777"]], url=f"/candidates/classes/{commune_class.pk}/import/", headings=ROSTER_HEADINGS)
    assert job.status == ImportJob.Status.VALID
    # Still staff, but of the school now: the commune's class is someone else's.
    OrganizationRole.objects.filter(user=user).update(organization=tree["school"])
    assert client.get(f"/candidates/imports/{job.pk}/").status_code == 404
    assert client.post(f"/candidates/imports/{job.pk}/save/").status_code == 404
    tasks.save_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.error == _("You no longer hold the role this import needs; nothing was saved.")
    assert not ClassAttendance.objects.filter(awareness_class=commune_class, candidate=attendee).exists()


def test_a_roster_save_refuses_a_person_who_left_the_scope_since_the_preview(client, tree, commune_class):
    user = staff_of(tree["district"])
    client.force_login(user)
    school_pupil = CandidateFactory(home_cell=tree["school"], national_id="080199007777")
    AwarenessClass.objects.filter(pk=commune_class.pk).update(organizer=tree["commune"])
    job = preview(client, [["", "", "080199007777"]], url=f"/candidates/classes/{commune_class.pk}/import/", headings=ROSTER_HEADINGS)
    assert job.status == ImportJob.Status.VALID
    OrganizationRole.objects.filter(user=user).update(organization=tree["commune"])
    tasks.save_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.rows[0]["errors"] == [_("Nobody in your records matches this row; add the person first.")]
    assert not ClassAttendance.objects.filter(candidate=school_pupil).exists()
