"""Awareness classes: create a class, add attendees quickly, record the results table."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cells.selectors import committee_name, record_roots, staff_roots, subtrees_q, within

from . import dates, services, workbooks
from .forms import CandidateForm, DateInput, add_service_errors, committees_within, in_window, searchable
from .models import AwarenessClass, Candidate, ClassAttendance, ExportLog
from .privacy import NationalIds
from .selectors import attendances_within


class ClassForm(forms.ModelForm):
    class Meta:
        model = AwarenessClass
        fields = ["name", "organizer", "start_date", "end_date", "place"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args, roots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizer"].queryset = committees_within(roots)
        searchable(self.fields["organizer"], "committees")

    def clean_start_date(self):
        return in_window(self.cleaned_data["start_date"], dates.planned_date_error(self.cleaned_data["start_date"]))

    def clean_end_date(self):
        return in_window(self.cleaned_data["end_date"], dates.planned_date_error(self.cleaned_data["end_date"]))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start_date") and cleaned.get("end_date") and cleaned["end_date"] < cleaned["start_date"]:
            self.add_error("end_date", gettext_lazy("The class must end on or after its first day."))
        return cleaned


class RosterForm(forms.Form):
    roster = forms.CharField(
        label=gettext_lazy("paste a roster"),
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "Nguyễn Văn An; 15/03/2000"}),
        help_text=gettext_lazy("One person a line: full name; date of birth (dd/mm/yyyy). People already in the records are found by name and date of birth."),
    )


def _paths_above(roots) -> set[str]:
    """The paths of the organizations above any of `roots` (not the roots themselves)."""
    return {path for root in roots for path in root.lineage_paths()[:-1]}


def _get_class_for_user(request, pk, *, to_change=False) -> AwarenessClass:
    """The class if the user may read it, or change it (organized in their staff scope); 404 otherwise.
    A class is read by those whose record scope holds its organizer, and by the board staff below its
    organizer whose people attend it (a commune's staff follow their people in the district's class, read
    only). A class of another commune stays out of sight, whoever attends it."""
    awareness_class = get_object_or_404(AwarenessClass.objects.select_related("organizer"), pk=pk)
    roots = staff_roots(request.user) if to_change else record_roots(request.user)
    if within(awareness_class.organizer, roots):
        return awareness_class
    staff = staff_roots(request.user)
    if (not to_change and awareness_class.organizer.path in _paths_above(staff)
            and attendances_within(awareness_class, staff).exists()):
        return awareness_class
    raise Http404


@login_required
def class_list(request):
    roots = record_roots(request.user)
    if not roots:
        raise Http404
    # Their own classes, and for the board staff those above them that their people attend (read only).
    staff = staff_roots(request.user)
    attended = ClassAttendance.objects.filter(subtrees_q(staff, field="candidate__home_cell__path"))
    above = Q(organizer__path__in=_paths_above(staff), pk__in=attended.values("awareness_class_id"))
    classes = (
        AwarenessClass.objects.filter(subtrees_q(roots, field="organizer__path") | above)
        .select_related("organizer")
        .annotate(attendee_count=Count("attendances"), passed_count=Count("attendances", filter=Q(attendances__result__in=ClassAttendance.PASSING_RESULTS)))
        .order_by("-start_date")
    )
    classes = list(classes)
    for awareness_class in classes:
        awareness_class.from_above = not within(awareness_class.organizer, roots)
    return render(request, "candidates/class_list.html", {"classes": classes, "can_add": bool(staff_roots(request.user))})


@login_required
def class_create(request):
    roots = staff_roots(request.user)
    if not roots:
        raise Http404
    form = ClassForm(request.POST or None, roots=roots)
    if request.method == "POST" and form.is_valid():
        try:
            awareness_class = services.class_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("candidates:class_detail", pk=awareness_class.pk)
    return render(request, "candidates/class_form.html", {"form": form})


def _class_context(request, awareness_class, **forms_):
    roots = staff_roots(request.user)
    query = request.GET.get("q", "").strip()
    found = []
    if query and within(awareness_class.organizer, roots):
        enrolled = awareness_class.attendances.values("candidate_id")
        found = (
            Candidate.objects.filter(subtrees_q(roots, field="home_cell__path"))
            .filter(Q(full_name__icontains=query) | Q(national_id=query))
            .exclude(pk__in=enrolled)
            .select_related("home_cell")[:20]
        )
    posted = forms_.get("posted", {})
    row_errors = forms_.get("row_errors", {})
    can_change = within(awareness_class.organizer, roots)
    # A class may hold people of other organizations (the district enrols anyone of the district): the
    # page names only those the reader may read, counts the others, and offers fields only for the
    # people the reader may change.
    visible = list(
        attendances_within(awareness_class, record_roots(request.user))
        .select_related("candidate__home_cell").order_by("candidate__sort_name", "pk")
    )
    changeable = set(attendances_within(awareness_class, roots).values_list("pk", flat=True)) if can_change else set()
    rows = [
        {
            "attendance": attendance,
            "editable": attendance.pk in changeable,
            # Off the roster while no result is recorded, by whoever may change this attendee.
            "removable": attendance.pk in changeable and attendance.result == ClassAttendance.Result.PENDING
            and not attendance.certificate_number,
            "result": posted.get(attendance.pk, (attendance.result, None))[0],
            "certificate": posted.get(attendance.pk, (None, attendance.certificate_number))[1],
            "errors": row_errors.get(attendance.pk, []),
        }
        for attendance in visible
    ]
    return {
        "awareness_class": awareness_class,
        "rows": rows,
        "hidden_count": awareness_class.attendances.count() - len(visible),
        "any_editable": bool(changeable),
        "results": ClassAttendance.Result.choices,
        "can_change": can_change,
        "any_removable": any(row["removable"] for row in rows),
        "query": query,
        "found": found,
        "new_person_form": forms_.get("new_person_form") or CandidateForm(roots=roots, prefix="new", initial={"sourced_on": timezone.localdate()}),
        "roster_form": forms_.get("roster_form") or RosterForm(),
    }


@login_required
def class_detail(request, pk):
    awareness_class = _get_class_for_user(request, pk)
    return render(request, "candidates/class_detail.html", _class_context(request, awareness_class))


@login_required
def class_export(request, pk):
    """The attendees within the reader's record scope, as a workbook to print or hand to the teachers."""
    awareness_class = _get_class_for_user(request, pk)
    attendances = (
        attendances_within(awareness_class, record_roots(request.user))
        .select_related("candidate__home_cell")
        .annotate(committee=committee_name("candidate__home_cell__path"))
        .order_by("candidate__sort_name", "pk")
    )
    national_ids = NationalIds(request.user)
    rows = (
        [a.candidate.full_name, a.candidate.date_of_birth, national_ids.shown(a.candidate), a.committee,
         a.candidate.home_cell.name, a.get_result_display(), a.certificate_number]
        for a in attendances.iterator(chunk_size=2000)
    )
    content, people = workbooks.list_workbook(
        "hoc-vien",
        [_("Full name"), _("Date of birth"), _("National ID"), _("Committee"), _("Cell"), _("Result"),
         _("Certificate number")],
        rows,
        widths=[28, 13, 15, 30, 30, 16, 18],
    )
    services.export_log_record(
        user=request.user, kind=ExportLog.Kind.CLASS_ROSTER, subject=f"#{awareness_class.pk} {awareness_class}", people=people
    )
    response = HttpResponse(content, content_type=workbooks.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="lop-{awareness_class.pk}-hoc-vien.xlsx"'
    return response


@login_required
@require_POST
def class_enroll(request, pk):
    awareness_class = _get_class_for_user(request, pk, to_change=True)
    try:
        # An id the database can hold: "", "abc" or 2**64 would otherwise fail in the query.
        candidate_id = forms.IntegerField(min_value=1, max_value=2**63 - 1).clean(request.POST.get("candidate"))
    except ValidationError:
        messages.error(request, _("Choose the person to add from the search results."))
        return render(request, "candidates/class_detail.html", _class_context(request, awareness_class), status=400)
    candidate = Candidate.objects.filter(
        subtrees_q(staff_roots(request.user), field="home_cell__path"), pk=candidate_id
    ).first()
    if candidate is None:
        raise Http404
    try:
        services.class_enroll(awareness_class=awareness_class, candidate=candidate, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s added to the class.") % {"name": candidate.full_name})
    return redirect("candidates:class_detail", pk=awareness_class.pk)


@login_required
@require_POST
def class_add_person(request, pk):
    """Add someone new to the records and to the class in one go."""
    awareness_class = _get_class_for_user(request, pk, to_change=True)
    form = CandidateForm(request.POST, roots=staff_roots(request.user), prefix="new")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.candidate_create_and_enroll(awareness_class=awareness_class, data=data, acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s added to the class.") % {"name": data["full_name"]})
            return redirect("candidates:class_detail", pk=awareness_class.pk)
    return render(request, "candidates/class_detail.html", _class_context(request, awareness_class, new_person_form=form), status=400)


@login_required
@require_POST
def class_roster(request, pk):
    awareness_class = _get_class_for_user(request, pk, to_change=True)
    form = RosterForm(request.POST)
    if form.is_valid():
        try:
            count = services.class_enroll_roster(
                awareness_class=awareness_class, roster=form.cleaned_data["roster"],
                scope=Candidate.objects.filter(subtrees_q(staff_roots(request.user), field="home_cell__path")),
                acting_user=request.user,
            )
        except ValidationError as error:
            form.add_error("roster", error)
        else:
            messages.success(request, _("%(count)d people added to the class.") % {"count": count})
            return redirect("candidates:class_detail", pk=awareness_class.pk)
    return render(request, "candidates/class_detail.html", _class_context(request, awareness_class, roster_form=form), status=400)


@login_required
@require_POST
def class_results(request, pk):
    awareness_class = _get_class_for_user(request, pk, to_change=True)
    roots = staff_roots(request.user)
    results = []
    # Only the rows of people the user may change are read; others' ids, even guessed, are ignored.
    for attendance in attendances_within(awareness_class, roots):
        result = request.POST.get(f"result-{attendance.pk}")
        if result is None:
            continue
        if result not in ClassAttendance.Result.values:
            result = ""
        results.append((attendance.pk, result, request.POST.get(f"certificate-{attendance.pk}", "")))
    try:
        saved = services.class_record_results(
            awareness_class=awareness_class, results=results, roots=roots, acting_user=request.user
        )
    except ValidationError as error:
        messages.error(request, _("Nothing was saved: correct the rows marked in red."))
        context = _class_context(
            request, awareness_class,
            row_errors={int(k): v for k, v in error.message_dict.items()},
            posted={pk: (result, certificate) for pk, result, certificate in results},
        )
        return render(request, "candidates/class_detail.html", context, status=400)
    messages.success(request, _("%(count)d results saved.") % {"count": saved})
    return redirect("candidates:class_detail", pk=awareness_class.pk)


@login_required
@require_POST
def class_unenroll(request, pk):
    """Take an attendee off the roster before a result is recorded (the organizer's staff, for the people of
    their scope: the same rows they may grade)."""
    awareness_class = _get_class_for_user(request, pk, to_change=True)
    try:
        attendance_id = forms.IntegerField(min_value=1, max_value=2**63 - 1).clean(request.POST.get("attendance"))
    except ValidationError:
        messages.error(request, _("Choose the person to remove from the class's list."))
        return render(request, "candidates/class_detail.html", _class_context(request, awareness_class), status=400)
    attendance = (
        attendances_within(awareness_class, staff_roots(request.user)).select_related("candidate").filter(pk=attendance_id).first()
    )
    if attendance is None:
        raise Http404
    try:
        services.class_unenroll(attendance=attendance, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s removed from the class.") % {"name": attendance.candidate.full_name})
    return redirect("candidates:class_detail", pk=awareness_class.pk)
