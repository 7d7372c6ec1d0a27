"""Issue 20: saving two previews of the same file, one after the other or at once, creates nobody twice: the
duplicate check runs again when saving, inside the saving transaction, under a lock."""
import threading
import time

import pytest
from django.db import IntegrityError, connection, connections
from django.utils.translation import gettext as _

from candidates import imports, services, tasks
from candidates.models import Candidate, ImportJob
from cells.models import Organization

from .factories import OrganizationFactory
from .hardening_imports import person, preview, staff_of

CHANGED = ("The records changed since the check: nothing was saved. The rows in red say why; "
           "correct the file and upload it again.")
PEOPLE = [
    person(full_name="Trần Thị Kim Ngân", date_of_birth="05/06/1999"),
    person(full_name="Lê Văn Hậu", date_of_birth="12/11/2000", home_cell="c-b"),
]


@pytest.fixture
def commune_staff(client, tree):
    client.force_login(staff_of(tree["commune"]))
    return client


def test_saving_a_second_preview_of_the_same_file_creates_nobody_twice(commune_staff):
    first, second = preview(commune_staff, PEOPLE), preview(commune_staff, PEOPLE)
    assert first.status == second.status == ImportJob.Status.VALID
    commune_staff.post(f"/candidates/imports/{first.pk}/save/")
    commune_staff.post(f"/candidates/imports/{second.pk}/save/")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ImportJob.Status.SAVED and first.saved_count == 2
    assert second.status == ImportJob.Status.FAILED and second.error == _(CHANGED)
    assert [row["errors"] for row in second.rows] == [
        [_("Same name and date of birth as %(name)s (%(cell)s), already in the records.")
         % {"name": "Trần Thị Kim Ngân", "cell": "Chi bộ ấp A"}],
        [_("Same name and date of birth as %(name)s (%(cell)s), already in the records.")
         % {"name": "Lê Văn Hậu", "cell": "Chi bộ ấp B"}],
    ]
    assert Candidate.objects.filter(full_name__in=["Trần Thị Kim Ngân", "Lê Văn Hậu"]).count() == 2
    page = commune_staff.get(f"/candidates/imports/{second.pk}/").content.decode()
    assert _(CHANGED) in page


def test_saving_a_second_preview_with_national_ids_names_the_holders(commune_staff):
    rows = [person(national_id="080199001122"), person(full_name="Lê Văn Hậu", national_id="080200003344")]
    first, second = preview(commune_staff, rows), preview(commune_staff, rows)
    tasks.save_import(first.pk)
    assert tasks.save_import(second.pk) == 0
    second.refresh_from_db()
    column = dict(imports.CANDIDATE_COLUMNS)["national_id"]
    assert second.status == ImportJob.Status.FAILED
    assert second.rows[0]["errors"] == [
        f"{column}: " + _("Same national ID as %(name)s (%(cell)s), already in the records.")
        % {"name": "Trần Thị Kim Ngân", "cell": "Chi bộ ấp A"}
    ]
    assert Candidate.objects.filter(national_id__in=["080199001122", "080200003344"]).count() == 2


def test_a_unique_national_id_race_ends_the_job_failed_with_nothing_saved(commune_staff, monkeypatch):
    job = preview(commune_staff, [person(full_name="Người Một"), person(full_name="Người Hai", national_id="080199001122")])
    create = services.candidate_create

    def create_then_race(**fields):
        if fields["national_id"]:
            raise IntegrityError('duplicate key value violates unique constraint "candidates_candidate_national_id_key"')
        return create(**fields)

    monkeypatch.setattr(services, "candidate_create", create_then_race)
    commune_staff.post(f"/candidates/imports/{job.pk}/save/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.error == _("The records changed while saving; nothing was saved. Upload the file again.")
    assert not Candidate.objects.filter(full_name="Người Một").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once need PostgreSQL (SQLite has one)")
@pytest.mark.parametrize("national_id", ["", "080199005566"], ids=["names only", "with a national ID"])
def test_two_previews_saved_at_the_same_moment_create_everybody_once(client, monkeypatch, national_id):
    district = OrganizationFactory(code="d", name="Huyện thử", kind=Organization.Kind.DISTRICT)
    commune = OrganizationFactory(code="c", name="Xã thử", kind=Organization.Kind.GRASSROOTS_COMMITTEE, parent=district)
    OrganizationFactory(code="c-a", name="Chi bộ ấp A", kind=Organization.Kind.CELL, parent=commune)
    OrganizationFactory(code="c-b", name="Chi bộ ấp B", kind=Organization.Kind.CELL, parent=commune)
    client.force_login(staff_of(commune))
    # Without a national ID only the lock keeps the second save out; with one, the unique constraint would
    # too, but as a failed insert rather than the rows' own message.
    rows = PEOPLE + [person(full_name="Võ Minh Tâm", national_id=national_id)]
    jobs = [preview(client, rows), preview(client, rows)]
    assert [job.status for job in jobs] == [ImportJob.Status.VALID] * 2

    # Each person takes a while to save, so that both saves have started before either commits.
    create = services.candidate_create

    def slow_create(**fields):
        time.sleep(0.3)
        return create(**fields)

    monkeypatch.setattr(services, "candidate_create", slow_create)
    barrier = threading.Barrier(2)

    def save(job):
        try:
            barrier.wait()
            tasks.save_import(job.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(ImportJob.objects.filter(pk__in=[job.pk for job in jobs]).values_list("status", flat=True))
    assert statuses == [ImportJob.Status.FAILED, ImportJob.Status.SAVED]
    assert ImportJob.objects.get(status=ImportJob.Status.FAILED).error == _(CHANGED)
    assert sorted(Candidate.objects.filter(home_cell__path__startswith=commune.path).values_list("full_name", flat=True)) == [
        "Lê Văn Hậu", "Trần Thị Kim Ngân", "Võ Minh Tâm",
    ]
