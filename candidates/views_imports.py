"""Bulk import from Excel: upload, preview with the errors of each row, then save the whole file."""
import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from openpyxl import load_workbook

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


def _row_estimate(job) -> int:
    try:
        workbook = load_workbook(io.BytesIO(job.file.open("rb").read()), read_only=True)
        return workbook.worksheets[0].max_row or 0
    except Exception:  # an unreadable file: the check itself says why
        return 0


def _run(task, job):
    if _row_estimate(job) > BACKGROUND_ROWS:
        try:
            task.delay(job.pk)
            return
        except Exception:  # the broker is down: do it now rather than not at all
            pass
    task(job.pk)


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
        imports.template_workbook(kind), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="mau-{kind}.xlsx"'
    return response


@login_required
def import_detail(request, pk):
    job = get_object_or_404(ImportJob, pk=pk, created_by=request.user)
    rows = job.rows if job.status != ImportJob.Status.VALIDATING else []
    columns = imports.CANDIDATE_COLUMNS if job.kind == ImportJob.Kind.CANDIDATES else imports.ROSTER_COLUMNS
    table = [{"number": row["number"], "cells": [row["values"].get(key, "") for key, _label in columns], "errors": row["errors"]} for row in rows]
    return render(request, "candidates/import_detail.html", {"job": job, "columns": columns, "table": table})


@login_required
@require_POST
def import_save(request, pk):
    job = get_object_or_404(ImportJob, pk=pk, created_by=request.user)
    if job.status == ImportJob.Status.VALID:
        _run(tasks.save_import, job)
    return redirect("candidates:import_detail", pk=job.pk)
