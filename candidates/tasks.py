"""Celery jobs of the candidates app: they take ids and can run twice safely."""
import logging

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from cells.selectors import staff_roots, subtrees_q

from . import imports
from .models import Candidate, ImportJob

logger = logging.getLogger(__name__)


def _progress(job_id):
    def report(done, total):
        ImportJob.objects.filter(pk=job_id).update(done=done, total=total)
    return report


def _fail(job_id: int, message: str) -> str:
    ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.FAILED, error=message)
    return ImportJob.Status.FAILED


def _role_removed() -> str:
    return _("You no longer hold the role this import needs; nothing was saved.")


def _unexpected() -> str:
    return _("The import stopped on an unexpected error; nothing was saved. Upload the file again, or tell the administrator.")


@shared_task
def validate_import(job_id: int) -> str:
    job = ImportJob.objects.select_related("created_by", "awareness_class__organizer").filter(pk=job_id).first()
    if job is None or job.status != ImportJob.Status.VALIDATING:
        return job.status if job else ""
    try:
        return _validate(job)
    except Exception:  # a job never stays "validating": the page says it failed, the log says why
        logger.exception("Checking import %s failed", job.pk)
        return _fail(job.pk, _unexpected())


def _validate(job: ImportJob) -> str:
    roots = staff_roots(job.created_by)
    if not imports.still_allowed(job, roots):
        return _fail(job.pk, _role_removed())
    content = job.file.open("rb").read()
    try:
        if job.kind == ImportJob.Kind.CANDIDATES:
            rows = imports.validate_candidates(content, roots=roots, progress=_progress(job.pk))
        else:
            scope = Candidate.objects.filter(subtrees_q(roots, field="home_cell__path"))
            rows = imports.validate_roster(content, awareness_class=job.awareness_class, scope=scope, progress=_progress(job.pk))
    except imports.ImportFileError as error:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.INVALID, error=str(error))
        return ImportJob.Status.INVALID
    status = ImportJob.Status.INVALID if any(row.errors for row in rows) else ImportJob.Status.VALID
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, rows=[row.as_json() for row in rows], total=len(rows), done=len(rows)
    )
    return status


@shared_task
def save_import(job_id: int) -> int:
    # Claim the job in the database: a second run (or a double click) finds nothing to do.
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.VALID).update(
        status=ImportJob.Status.SAVING, done=0
    )
    if not claimed:
        return 0
    job = ImportJob.objects.select_related("created_by", "awareness_class__organizer").get(pk=job_id)
    try:
        return _save(job)
    except Exception:  # a job never stays "saving": the page says it failed, the log says why
        logger.exception("Saving import %s failed", job.pk)
        _fail(job.pk, _unexpected())
        return 0


def _save(job: ImportJob) -> int:
    # The scope as it is now, not as it was at the preview.
    roots = staff_roots(job.created_by)
    if not imports.still_allowed(job, roots):
        _fail(job.pk, _role_removed())
        return 0
    try:
        with transaction.atomic():
            if job.kind == ImportJob.Kind.CANDIDATES:
                saved = imports.save_candidates(job.rows, roots=roots, acting_user=job.created_by)
            else:
                scope = Candidate.objects.filter(subtrees_q(roots, field="home_cell__path"))
                saved = imports.save_roster(job.rows, awareness_class=job.awareness_class, scope=scope, acting_user=job.created_by)
    except imports.RecordsChanged as changed:
        rows = [
            {**row, "errors": row["errors"] + changed.errors.get(row["number"], [])} for row in job.rows
        ]
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, rows=rows,
            error=_("The records changed since the check: nothing was saved. The rows in red say why; "
                    "correct the file and upload it again."),
        )
        return 0
    except ValidationError as error:  # the records changed since the check (someone added the same person)
        _fail(job.pk, " ".join(error.messages))
        return 0
    except DatabaseError:  # the unique national ID met a save running at the same moment
        logger.warning("Saving import %s failed", job.pk, exc_info=True)
        _fail(job.pk, _("The records changed while saving; nothing was saved. Upload the file again."))
        return 0
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.SAVED, saved_count=saved, done=saved)
    return saved
