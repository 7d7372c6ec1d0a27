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


@shared_task
def validate_import(job_id: int) -> str:
    job = ImportJob.objects.select_related("created_by", "awareness_class").get(pk=job_id)
    if job.status != ImportJob.Status.VALIDATING:
        return job.status
    roots = staff_roots(job.created_by)
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
    job = ImportJob.objects.select_related("created_by", "awareness_class").get(pk=job_id)
    try:
        with transaction.atomic():
            if job.kind == ImportJob.Kind.CANDIDATES:
                saved = imports.save_candidates(job.rows, acting_user=job.created_by)
            else:
                saved = imports.save_roster(job.rows, awareness_class=job.awareness_class, acting_user=job.created_by)
    except ValidationError as error:  # the records changed since the check (someone added the same person)
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, error=" ".join(error.messages))
        return 0
    except DatabaseError:
        logger.exception("Saving import %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, error=_("The records changed while saving; nothing was saved. Upload the file again.")
        )
        return 0
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.SAVED, saved_count=saved, done=saved)
    return saved
