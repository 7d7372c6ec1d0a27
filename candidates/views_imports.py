"""Bulk import from Excel: upload, preview with the errors of each row, then save the whole file."""
from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cells.selectors import staff_roots

from . import imports, tasks
from .models import ImportJob
from .views_classes import _get_class_for_user

# Above this many rows the check and the save run as a Celery job with a progress bar.
BACKGROUND_ROWS = 300


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("This is not an Excel workbook (.xlsx); download the template and fill it in."))
        return upload


def _run(task, job):
    if imports.row_count(job.file.open("rb").read(), up_to=BACKGROUND_ROWS) > BACKGROUND_ROWS:
        # Once the request has committed: a worker that looked the job up before would not find it.
        transaction.on_commit(lambda: _send_or_run_inline(task, job.pk))
        return
    task(job.pk)


def _send_or_run_inline(task, job_id):
    try:
        task.delay(job_id)
    except Exception:  # the broker is down: do it now rather than not at all
        task(job_id)


def _get_job_for_user(request, pk) -> ImportJob:
    """The user's own import while they still hold the role it needs (imports.still_allowed); 404 otherwise."""
    job = get_object_or_404(ImportJob.objects.select_related("awareness_class__organizer"), pk=pk, created_by=request.user)
    if not imports.still_allowed(job, staff_roots(request.user)):
        raise Http404
    return job


def _start(request, form, kind, awareness_class=None):
    upload = form.cleaned_data["file"]
    job = ImportJob.objects.create(
        kind=kind, file=upload, file_name=upload.name[:200], awareness_class=awareness_class, created_by=request.user
    )
    _run(tasks.validate_import, job)
    return redirect("candidates:import_detail", pk=job.pk)


@login_required
def import_candidates(request):
    if not staff_roots(request.user):
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        return _start(request, form, ImportJob.Kind.CANDIDATES)
    recent = ImportJob.objects.filter(created_by=request.user)[:10]
    return render(request, "candidates/import_upload.html", {"form": form, "kind": "candidates", "recent": recent})


@login_required
@require_POST
def import_roster(request, pk):
    awareness_class = _get_class_for_user(request, pk, to_change=True)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        return _start(request, form, ImportJob.Kind.ROSTER, awareness_class)
    return render(request, "candidates/import_upload.html", {"form": form, "kind": "roster", "awareness_class": awareness_class}, status=400)


@login_required
def import_template(request, kind):
    if kind not in ("candidates", "roster"):
        raise Http404
    response = HttpResponse(
        imports.template_workbook(kind, staff_roots(request.user)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="mau-{kind}.xlsx"'
    return response


@login_required
def import_detail(request, pk):
    job = _get_job_for_user(request, pk)
    rows = job.rows if job.status != ImportJob.Status.VALIDATING else []
    columns = imports.CANDIDATE_COLUMNS if job.kind == ImportJob.Kind.CANDIDATES else imports.ROSTER_COLUMNS
    table = [{"number": row["number"], "cells": [row["values"].get(key, "") for key, _label in columns], "errors": row["errors"]} for row in rows]
    return render(request, "candidates/import_detail.html", {"job": job, "columns": columns, "table": table})


@login_required
@require_POST
def import_save(request, pk):
    job = _get_job_for_user(request, pk)
    if job.status == ImportJob.Status.VALID:
        _run(tasks.save_import, job)
    return redirect("candidates:import_detail", pk=job.pk)
