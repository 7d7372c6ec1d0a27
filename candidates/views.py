import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Value
from django.db.models.functions import Concat
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cells.selectors import (
    RECORD_ROLES, committee_name, organization_for_user, record_roots, staff_roots, subtrees_q, within,
)
from tracker.querysets import count_up_to
from tracker.widgets import search_response

from . import rules, selectors, services, workbooks
from .filters import SHOW_ALL, SHOW_PIPELINE, SHOW_PROBATION, CandidateFilter
from .forms import SEARCHES, CandidateForm, DocumentForm, StepForm, add_service_errors, members_within
from .models import Admission, Candidate, ExportLog, Stage
from .privacy import NationalIds

PAGE_SIZE = 50
EXPORT_LIMIT = 20_000


class CappedPaginator(Paginator):
    """Counts at most `cap` people: a country-wide list would otherwise count a million rows on every
    page view, to print a number nobody pages through. Past the cap the page says "more than".

    The list is in name order (`sort_name`: given name first, in Vietnamese order; then `pk`). A list of
    at most `cap` people is found first and then sorted: PostgreSQL cannot tell how few people a subtree
    holds, and walked the name index for a commune's 31 people at one stage through the country's 120,000
    (0.8 s instead of 8 ms).
    A longer list is dense enough for the index to find a page quickly.
    """

    cap = 10_000

    @cached_property
    def count(self) -> int:
        return count_up_to(self.object_list, self.cap)

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    def page(self, number):
        if not self.capped:
            # The same order, through an expression the name index cannot serve.
            self.object_list = self.object_list.order_by(Concat("sort_name", Value("")), "pk")
        return super().page(number)


def _candidates_for(user):
    return Candidate.objects.filter(subtrees_q(record_roots(user), field="home_cell__path"))


def _get_candidate_for_user(request, pk) -> Candidate:
    """The candidate if the user may read their record; 404 otherwise (never 'exists but forbidden')."""
    candidate = get_object_or_404(Candidate.objects.select_related("home_cell"), pk=pk)
    if not within(candidate.home_cell, record_roots(request.user)):
        raise Http404
    return candidate


@login_required
def candidate_list(request):
    if not record_roots(request.user):
        raise Http404
    today = timezone.localdate()
    data = request.GET.copy()
    organization = None
    if data.get("org", "").strip():
        # An organization outside the user's scope, or none by that code, is not found (never "forbidden").
        data["org"] = data["org"].strip()
        organization = organization_for_user(request.user, data["org"], RECORD_ROLES)
    queryset = _candidates_for(request.user).select_related("home_cell").order_by("sort_name", "pk")
    filterset = CandidateFilter(data, queryset=queryset, request=request)
    if not filterset.is_valid():
        # A filter that cannot be applied shows its message next to the field and nobody: the whole list
        # (or its export) in its place would pass for the filtered one.
        page = CappedPaginator(queryset.none(), PAGE_SIZE).get_page(1)
        context = {"filter": filterset, "page": page, "query": "", "can_add": bool(staff_roots(request.user))}
        return render(request, "candidates/candidate_list.html", context, status=400)
    # No DISTINCT: the only join (the "sourced in" year) meets one event per person (one_event_per_stage).
    candidates = filterset.qs
    if request.GET.get("overdue"):
        overdue_ids = [d.candidate.pk for d in rules.deadlines(candidates, today, soon_days=0) if d.overdue]
        candidates = candidates.filter(pk__in=overdue_ids)
    if request.GET.get("export") == "xlsx":
        if count_up_to(candidates, EXPORT_LIMIT) <= EXPORT_LIMIT:
            return _export(request, candidates, filterset, organization, today)
        # A workbook of a country-wide list would hold a web worker and its memory for a long time.
        messages.error(
            request, _("More than %(n)s people match: filter the list before exporting it.") % {"n": intcomma(EXPORT_LIMIT)}
        )
    page = CappedPaginator(candidates, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return render(
        request,
        "candidates/candidate_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode(), "can_add": bool(staff_roots(request.user))},
    )


# What the file name says of the list's switch (candidates.filters.SHOWN_STAGES), in Vietnamese as the app's users read it.
SHOWN_IN_FILE_NAMES = {SHOW_PIPELINE: "dang-xet", SHOW_PROBATION: "du-bi", SHOW_ALL: "tat-ca"}


def export_file_name(user, filterset, organization, today) -> str:
    """The list's file name: the organization, what the list holds and the day, in ASCII
    ("danh-sach-tan-dong-dang-xet-2026-12-03.xlsx")."""
    roots = record_roots(user)
    where = organization.code if organization else (roots[0].code if len(roots) == 1 else "tat-ca-don-vi")
    data = filterset.form.cleaned_data
    if data.get("stage"):
        with translation.override("vi"):
            which = workbooks.file_name_part(Stage(data["stage"]).label)
    else:
        which = SHOWN_IN_FILE_NAMES[data.get("show") or SHOW_PIPELINE]
    return workbooks.file_name("danh-sach", where, which, day=today)


def _export(request, candidates, filterset, organization, today) -> HttpResponse:
    national_ids = NationalIds(request.user)
    listed = candidates.select_related("home_cell").annotate(committee=committee_name("home_cell__path"))
    rows = (
        [c.full_name, c.date_of_birth, c.get_gender_display(), national_ids.shown(c), c.get_occupation_category_display(),
         c.committee, c.home_cell.name, c.get_stage_display(), c.stage_date]
        for c in listed.iterator(chunk_size=2000)
    )
    content, people = workbooks.list_workbook(
        "quan-chung",
        [_("Full name"), _("Date of birth"), _("Gender"), _("National ID"), _("Occupation"), _("Committee"), _("Cell"),
         _("Stage"), _("Since")],
        rows,
        widths=[28, 13, 9, 15, 24, 30, 30, 24, 12],
    )
    query = request.GET.copy()
    query.pop("export", None)
    query.pop("page", None)
    services.export_log_record(
        user=request.user, kind=ExportLog.Kind.CANDIDATE_LIST, subject=query.urlencode(), people=people
    )
    response = HttpResponse(content, content_type=workbooks.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export_file_name(request.user, filterset, organization, today)}"'
    return response


@login_required
def candidate_create(request):
    roots = staff_roots(request.user)
    if not roots:
        raise Http404
    form = CandidateForm(request.POST or None, roots=roots)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            candidate = services.candidate_create(
                **{field: data[field] for field in services.EDITABLE_FIELDS}, mentors=data["mentors"],
                sourced_on=data["sourced_on"], acting_user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s is in the sourcing plan.") % {"name": candidate.full_name})
            return redirect("candidates:detail", pk=candidate.pk)
    return render(request, "candidates/candidate_form.html", {"form": form})


@login_required
def candidate_edit(request, pk):
    candidate = _get_candidate_for_user(request, pk)
    roots = staff_roots(request.user)
    if not within(candidate.home_cell, roots):
        raise Http404
    form = CandidateForm(request.POST or None, instance=candidate, roots=roots)
    if request.method == "POST" and form.is_valid():
        try:
            services.candidate_update(candidate=candidate, data=form.cleaned_data, acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("candidates:detail", pk=candidate.pk)
    return render(request, "candidates/candidate_form.html", {"form": form, "candidate": candidate})


def _detail_context(request, candidate, step_form=None, document_form=None):
    today = timezone.localdate()
    events = list(candidate.stage_events.select_related("recorded_by").order_by("occurred_on", "id"))
    candidate = Candidate.objects.prefetch_related("documents__recorded_by", "documents__introducer").get(pk=candidate.pk)
    admission = Admission.objects.filter(candidate=candidate).first()
    deadline = rules.deadline_for(candidate, {e.stage: e.occurred_on for e in events}, admission, today)
    step_form = step_form or StepForm(candidate=candidate, user=request.user, initial={"occurred_on": today})
    document_form = document_form or DocumentForm(
        candidate=candidate, user=request.user, initial={"received_on": today}, prefix="doc"
    )
    return {
        "candidate": candidate,
        "events": events,
        "admission": admission,
        "checklist": rules.checklist(candidate, admission, today),
        "deadline": deadline,
        "mentors": candidate.mentors.all(),
        "history": _history_with_changes(candidate),
        # Whoever may record at least one of the next steps gets the form, offering just those.
        "can_record": bool(step_form.fields["stage"].choices),
        "can_edit": within(candidate.home_cell, staff_roots(request.user)),
        "step_form": step_form,
        "document_form": document_form,
        "documents_open": bool(selectors.forms_user_may_file(request.user, candidate)),
    }


def _history_with_changes(candidate, limit=50):
    """The latest changes, newest first, each with the names of the fields it changed."""
    records = list(candidate.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    for newer, older in zip(records, records[1:] + [None]):
        changes = newer.diff_against(older).changes if older is not None else []
        newer.changed_fields = [str(Candidate._meta.get_field(change.field).verbose_name) for change in changes]
    return records[:limit]


@login_required
def candidate_detail(request, pk):
    candidate = _get_candidate_for_user(request, pk)
    return render(request, "candidates/candidate_detail.html", _detail_context(request, candidate))


@login_required
@require_POST
def candidate_step(request, pk):
    candidate = _get_candidate_for_user(request, pk)
    form = StepForm(request.POST, candidate=candidate, user=request.user)
    if not form.fields["stage"].choices:
        raise Http404  # none of the next steps is this user's to record
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.step_record(candidate=candidate, acting_user=request.user, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Recorded: %(stage)s.") % {"stage": Stage(data["stage"]).label})
            return redirect("candidates:detail", pk=candidate.pk)
    context = _detail_context(request, Candidate.objects.get(pk=candidate.pk), step_form=form)
    return render(request, "candidates/candidate_detail.html", context, status=400)


@login_required
@require_POST
def candidate_document(request, pk):
    candidate = _get_candidate_for_user(request, pk)
    if not selectors.forms_user_may_file(request.user, candidate):
        raise Http404
    form = DocumentForm(request.POST, candidate=candidate, user=request.user, prefix="doc")
    if form.is_valid():
        try:
            services.dossier_add(candidate=candidate, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Filed: %(form)s.") % {"form": form.cleaned_data["form_code"]})
            return redirect("candidates:detail", pk=candidate.pk)
    return render(request, "candidates/candidate_detail.html", _detail_context(request, candidate, document_form=form), status=400)


@login_required
def candidate_dossier(request, pk):
    candidate = _get_candidate_for_user(request, pk)
    # The print view is how a dossier leaves the app: on paper.
    services.export_log_record(
        user=request.user, kind=ExportLog.Kind.DOSSIER, subject=f"#{candidate.pk} {candidate.full_name}", people=1
    )
    return render(request, "candidates/candidate_dossier.html", _detail_context(request, candidate))


@login_required
def deadline_list(request):
    roots = record_roots(request.user)
    if not roots:
        raise Http404
    today = timezone.localdate()
    candidates = _candidates_for(request.user)
    organization = None
    if request.GET.get("org"):
        organization = organization_for_user(request.user, request.GET["org"])
        candidates = candidates.filter(home_cell__path__startswith=organization.path)
    found = rules.deadlines(candidates, today)
    return render(request, "candidates/deadline_list.html", {"deadlines": found, "today": today, "organization": organization})


@login_required
def search(request, name):
    """The choices of a field that searches as you type (tracker.widgets.SearchSelect), within the
    scope the user enters data for (404 for those who enter none); the candidate list's organization
    filter, within the scope the user reads."""
    if name not in SEARCHES:
        raise Http404
    search = SEARCHES[name]
    roots = search.roots(request.user)
    if not roots:
        raise Http404
    query = request.GET.get("q", "").strip()
    choices, order = search.choices(roots), search.order
    cell = request.GET.get("cell", "")
    if name == "members" and re.fullmatch(r"[0-9]{1,18}", cell):
        # The chosen cell's full members first (static/js/mentors-first.js sends the cell).
        choices, order = members_within(roots, int(cell)).select_related("organization"), ("cell_first", *order)
    found = choices.filter(search.matches(query)).order_by(*order)
    return search_response(found, query, search.label, value=search.value)
