
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from candidates.models import AdmissionCredit, ExportLog, Gender, OccupationCategory, Stage
from candidates.services import export_log_record
from cells.models import Organization, Target, Term
from cells.services import TargetsChanged, targets_set_many
from cells.selectors import RECORD_ROLES, ancestors, organization_for_user, role_roots, units_of, within

from .models import ApiToken, ReportJob
from .periods import (
    PeriodError, add_months, current_term, current_year, parse_period_shown, term_period, year_period, years_shown,
)
from . import reports
from .chart_colours import colours_by_count, colours_in_order
from .report_heading import report_heading
from .reports import month_report, parse_month, reports_workbook
from .selectors import figures_for, report_job_in_scope
from .tasks import generate_monthly_reports


@login_required
def home(request):
    roots = role_roots(request.user)
    if len(roots) == 1:
        return redirect("tracker:dashboard", code=roots[0].code)
    return render(request, "tracker/home.html", {"roots": roots})


def _all_terms() -> list[Term]:
    return list(Term.objects.order_by("-start_date"))


def _period_choices(today, terms: list[Term]):
    years = [year_period(year) for year in range(today.year, years_shown(today, terms).start - 1, -1)]
    return [term_period(term) for term in terms] + years


def _chart_months(period, today, by_month: dict) -> list[str]:
    """Every month of the period up to today (or its end), so that empty months show as flat."""
    last = min(period.end, max(today, period.start))
    months, day = [], period.start.replace(day=1)
    while day <= last:
        months.append(f"{day:%Y-%m}")
        day = add_months(day, 1)
    return months or sorted(by_month)


def _labelled(mapping: dict, choices) -> list[tuple[str, int]]:
    labels = dict(choices)
    return [(str(labels.get(key, key)), count) for key, count in sorted(mapping.items(), key=lambda item: -item[1])]


@login_required
def dashboard(request, code):
    organization = organization_for_user(request.user, code)
    roots = role_roots(request.user)
    today = timezone.localdate()
    terms = _all_terms()
    try:
        period = parse_period_shown(request.GET["period"], today, terms) if request.GET.get("period") else current_year(today)
    except PeriodError as error:
        return render(request, "tracker/bad_period.html", {"error": str(error), "organization": organization}, status=400)
    figures = figures_for(organization, period, today)
    term = current_term(today)
    data = figures.data
    months = _chart_months(period, today, data["by_month"])
    cumulative, running = [], 0
    for month in months:
        running += data["by_month"].get(month, 0)
        cumulative.append(running)
    chart = {
        "months": months,
        # What the chart's axis and legend say, in the page's language: "03/2023", not the key "2023-03".
        "month_labels": [f"{month[5:]}/{month[:4]}" for month in months],
        "labels": {"admitted": _("Admitted"), "pace": _("Plan pace")},
        "cumulative": cumulative,
        # The plan's pace: an even share of the yearly target at the end of each month.
        "pace": [round((data["target"] or 0) * int(month[5:]) / 12, 1) for month in months] if period.year else [],
        "by_category": _labelled(data["by_category"], OccupationCategory.choices),
        "by_gender": _labelled(data["by_gender"], Gender.choices),
        "by_age_band": _labelled(data["by_age_band"], AdmissionCredit.AgeBand.choices),
        "by_sector": _labelled(data["by_sector"], Organization.Sector.choices),
        "pipeline": [(str(Stage(stage).label), count) for stage, count in data["pipeline"].items()],
        # A fixed colour per category (static/js/dashboard.js): the same in every chart, period and page.
        "colours": {
            **{name: colours_by_count(name, data[name]) for name in ("by_category", "by_gender", "by_age_band", "by_sector")},
            "pipeline": colours_in_order("pipeline", data["pipeline"]),
        },
    }
    context = {
        "organization": organization,
        "breadcrumbs": [org for org in ancestors(organization) if within(org, roots)],
        "period": period,
        "period_ended": period.has_ended(today),
        "figures": figures,
        "data": data,
        "chart": chart,
        "term_figures": figures_for(organization, term, today) if term and not period.is_term and period.year == today.year else None,
        "period_choices": _period_choices(today, terms),
        "can_read_records": within(organization, role_roots(request.user, RECORD_ROLES)),
        "can_set_targets": within(organization, role_roots(request.user, {"staff"})),
        "category_labels": dict(OccupationCategory.choices),
    }
    return render(request, "tracker/dashboard.html", context)


def _api_user(request):
    """The session's user, or the owner of the token in "Authorization: Token <key>"."""
    if request.user.is_authenticated:
        return request.user
    scheme, _space, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "token" and key.strip():
        token = ApiToken.objects.select_related("user").filter(key=key.strip(), user__is_active=True).first()
        if token:
            return token.user
    return None


def api_progress(request):
    """GET /api/v1/progress/?org=<code>&period=<YYYY or YYYY-YYYY>"""
    user = _api_user(request)
    if user is None:
        return JsonResponse({"error": _("Log in first.")}, status=401)
    code, key = request.GET.get("org", ""), request.GET.get("period", "")
    try:
        period = parse_period_shown(key, timezone.localdate())
    except PeriodError as error:
        return JsonResponse({"error": str(error)}, status=400, json_dumps_params={"ensure_ascii": False})
    try:
        organization = organization_for_user(user, code)
    except Http404:
        return JsonResponse({"error": _("No organization with code “%(code)s” in your scope.") % {"code": code}}, status=404)
    figures = figures_for(organization, period, timezone.localdate())
    data = figures.data
    return JsonResponse(
        {
            "org": organization.code,
            "name": organization.name,
            "period": period.key,
            "admitted": data["admitted"],
            "target": data["target"],
            "percent": data["percent"],
            "children_target": data["children_target"],
            # In whole people: the pace's expected admissions by today, the forecast (low = high unless the
            # pipeline is small; null once the period has ended) and the alerts (missing: people).
            "status": data["status"],
            "expected_to_date": data["expected_people"],
            "pipeline_total": data["pipeline_total"],
            "forecast": (
                {"low": data["forecast_low"], "expected": data["forecast_people"], "high": data["forecast_high"]}
                if data["forecast_people"] is not None else None
            ),
            "alerts": data["alerts"],
            "by_category": data["by_category"],
            "children": [
                {key: child[key] for key in ("org", "name", "admitted", "target", "percent")} for child in data["children"]
            ],
            "computed_at": timezone.localtime(figures.computed_at).isoformat(),
            "stale": figures.stale,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@login_required
def monthly_report(request, code):
    # The report names the people admitted: readers of records only, not dashboard viewers.
    organization = organization_for_user(request.user, code, roles=RECORD_ROLES)
    today = timezone.localdate()
    try:
        month = parse_month(request.GET.get("month", ""), today)
    except ValueError as error:
        return render(request, "tracker/bad_period.html", {"error": str(error), "organization": organization}, status=400)
    report = month_report(organization, month, today)
    as_workbook = request.GET.get("format") == "xlsx"
    # The report names the month's admitted people: it is an export of personal data, page or workbook.
    export_log_record(
        user=request.user, kind=ExportLog.Kind.REPORT_WORKBOOK if as_workbook else ExportLog.Kind.REPORT_PAGE,
        subject=f"{organization.code} {month:%m/%Y}", people=len(report["admissions"]),
    )
    if as_workbook:
        response = HttpResponse(
            reports_workbook([report]),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="bao-cao-{organization.code}-{month:%Y-%m}.xlsx"'
        return response
    jobs = ReportJob.objects.filter(organization=organization, requested_by=request.user)[:5]
    return render(
        request,
        "tracker/report.html",
        {**report, "jobs": jobs, "month_value": f"{month:%Y-%m}", "workbook_limit": reports.WORKBOOK_LIMIT,
         "heading": report_heading(organization, today)},
    )


@login_required
@require_POST
def report_job_start(request, code):
    organization = organization_for_user(request.user, code, roles=RECORD_ROLES)
    try:
        month = parse_month(request.POST.get("month", ""), timezone.localdate())
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("tracker:report", code=organization.code)
    job = ReportJob.objects.create(organization=organization, month=month, requested_by=request.user)
    try:
        generate_monthly_reports.delay(job.pk)
    except Exception:  # broker down: say so, keep the job to retry
        messages.warning(request, _("The report job could not be started now; try again in a few minutes."))
    return redirect("tracker:report_job", pk=job.pk)


@login_required
def report_job(request, pk):
    job = get_object_or_404(ReportJob.objects.select_related("organization"), pk=pk, requested_by=request.user)
    if not report_job_in_scope(job):
        raise Http404  # the role that started it is gone: so are its page and its workbook
    if request.GET.get("download") and job.status == ReportJob.Status.DONE and job.file:
        # Every sheet's admissions are also on the top organization's sheet: its count is the people named.
        export_log_record(
            user=request.user, kind=ExportLog.Kind.REPORT_JOB, subject=f"{job.organization.code} {job.month:%m/%Y}",
            people=reports.admissions_of_month(job.organization, job.month).count(),
        )
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file.name.rsplit("/", 1)[-1])
    return render(request, "tracker/report_job.html", {"job": job, "workbook_limit": reports.WORKBOOK_LIMIT})


HISTORY_MODELS = ["cells.Organization", "cells.Target", "cells.OrganizationRole", "candidates.Candidate",
                  "candidates.StageEvent", "candidates.DossierDocument", "candidates.Admission", "candidates.RuleSet"]


@login_required
def recent_changes(request):
    """What changed lately across people, admissions, targets, roles and the tree (administrators)."""
    if not request.user.is_superuser:
        raise Http404
    from django.apps import apps

    changes = []
    for label in HISTORY_MODELS:
        model = apps.get_model(label)
        for record in model.history.select_related("history_user").order_by("-history_date")[:100]:
            changes.append({"model": model._meta.verbose_name, "record": record})
    changes.sort(key=lambda change: change["record"].history_date, reverse=True)
    return render(request, "tracker/recent_changes.html", {"changes": changes[:200]})


_PEOPLE = re.compile(r"[0-9]{1,6}")


def _target_from_form(raw: str) -> int | None:
    """A box of the targets table: empty for no plan, else a whole number of people. ASCII digits only:
    str.isdigit() takes "²" and "٣", which int() then refuses or reads."""
    raw = raw.strip()
    if raw == "":
        return None
    if not _PEOPLE.fullmatch(raw) or int(raw) > 100000:
        raise ValueError(raw)
    return int(raw)


@login_required
def targets_edit(request, code):
    """Staff set the targets of an organization and its units for one year or term, in one table.

    Each row carries the count it was loaded with, so that a row someone else changed meanwhile is
    reported instead of overwritten; a row the form does not send is left as it is."""
    organization = organization_for_user(request.user, code, roles={"staff"})
    today = timezone.localdate()
    terms = _all_terms()
    try:
        period = parse_period_shown(request.GET.get("period") or str(today.year), today, terms)
    except PeriodError as error:
        return render(request, "tracker/bad_period.html", {"error": str(error), "organization": organization}, status=400)
    units = [organization, *units_of(organization).filter(is_active=True)]
    targets = Target.objects.filter(organization__in=units, **period.target_lookup)
    current = dict(targets.values_list("organization_id", "count"))
    rows = {unit.pk: {"unit": unit, "value": current.get(unit.pk), "loaded": current.get(unit.pk), "error": None}
            for unit in units}
    status = 200
    if request.method == "POST":
        counts, loaded = {}, {}
        for unit in units:
            row, box, was = rows[unit.pk], f"target-{unit.pk}", f"loaded-{unit.pk}"
            if box not in request.POST:
                continue
            row["value"] = request.POST[box]
            try:
                counts[unit] = _target_from_form(row["value"])
                if was in request.POST:
                    row["loaded"] = request.POST[was]
                    loaded[unit] = _target_from_form(row["loaded"])
            except ValueError:
                row["error"] = _("Enter a whole number of people (0 to 100000), or leave empty for no plan.")
                status = 400
        if status == 200:
            try:
                changed = targets_set_many(
                    counts=counts, loaded=loaded, year=period.year, term=period.term, acting_user=request.user
                )
            except TargetsChanged as conflict:
                messages.error(request, conflict.messages[0])
                _targets_rebase(rows, counts, loaded, dict(targets.values_list("organization_id", "count")), conflict)
                status = 409
            else:
                messages.success(request, _("%(count)d targets saved.") % {"count": changed})
                return redirect(f"{request.path}?period={period.key}")
    return render(request, "tracker/targets.html", {
        "organization": organization, "period": period, "rows": list(rows.values()),
        "period_choices": _period_choices(today, terms),
    }, status=status)


def _targets_rebase(rows: dict, counts: dict, loaded: dict, now: dict, conflict: TargetsChanged) -> None:
    """After a conflict the table starts from the counts of now: what the user typed stays in the boxes
    they changed, the others show the count of now, and saving again replaces the rows reported."""
    for unit_id, row in rows.items():
        unit = row["unit"]
        if unit not in counts or (unit in loaded and loaded[unit] == counts[unit]):
            row["value"] = now.get(unit_id)
        row["loaded"] = now.get(unit_id)
        if unit in conflict.current:
            if now.get(unit_id) is None:
                row["error"] = _("Removed by someone else since you opened the page: no plan now. Save again to set it.")
            else:
                row["error"] = _(
                    "Changed by someone else since you opened the page: now %(count)s. Save again to replace it."
                ) % {"count": now[unit_id]}
