from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import AdmissionCredit, Gender, OccupationCategory, Stage
from cells.models import Organization, Term
from cells.selectors import ancestors, organization_for_user, role_roots

from .periods import PeriodError, current_term, current_year, parse_period, year_period
from .selectors import figures_for


@login_required
def home(request):
    roots = role_roots(request.user)
    if len(roots) == 1:
        return redirect("tracker:dashboard", code=roots[0].code)
    return render(request, "tracker/home.html", {"roots": roots})


def _period_choices(today):
    years = [year_period(year) for year in range(today.year, 2019, -1)]
    terms = [parse_period(term.key) for term in Term.objects.order_by("-start_date")]
    return terms + years


def _labelled(mapping: dict, choices) -> list[tuple[str, int]]:
    labels = dict(choices)
    return [(str(labels.get(key, key)), count) for key, count in sorted(mapping.items(), key=lambda item: -item[1])]


@login_required
def dashboard(request, code):
    organization = organization_for_user(request.user, code)
    today = timezone.localdate()
    try:
        period = parse_period(request.GET["period"]) if request.GET.get("period") else current_year(today)
    except PeriodError as error:
        return render(request, "tracker/bad_period.html", {"error": str(error), "organization": organization}, status=400)
    figures = figures_for(organization, period, today)
    term = current_term(today)
    data = figures.data
    months = sorted(data["by_month"])
    cumulative, running = [], 0
    for month in months:
        running += data["by_month"][month]
        cumulative.append(running)
    chart = {
        "months": months,
        "cumulative": cumulative,
        "pace": [round((data["target"] or 0) * (i + 1) / 12, 1) for i in range(12)] if period.year else [],
        "by_category": _labelled(data["by_category"], OccupationCategory.choices),
        "by_gender": _labelled(data["by_gender"], Gender.choices),
        "by_age_band": _labelled(data["by_age_band"], AdmissionCredit.AgeBand.choices),
        "by_sector": _labelled(data["by_sector"], Organization.Sector.choices),
        "pipeline": [(str(Stage(stage).label), count) for stage, count in data["pipeline"].items()],
    }
    context = {
        "organization": organization,
        "breadcrumbs": [org for org in ancestors(organization) if _can_see(request.user, org)],
        "period": period,
        "period_ended": today > period.end,
        "figures": figures,
        "data": data,
        "chart": chart,
        "term_figures": figures_for(organization, term, today) if term and not period.is_term and period.year == today.year else None,
        "period_choices": _period_choices(today),
        "category_labels": dict(OccupationCategory.choices),
    }
    return render(request, "tracker/dashboard.html", context)


def _can_see(user, organization) -> bool:
    return any(organization.path.startswith(root.path) for root in role_roots(user))


def api_progress(request):
    """GET /api/v1/progress/?org=<code>&period=<YYYY or YYYY-YYYY>"""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Log in first.")}, status=401)
    code, key = request.GET.get("org", ""), request.GET.get("period", "")
    try:
        period = parse_period(key)
    except PeriodError as error:
        return JsonResponse({"error": str(error)}, status=400, json_dumps_params={"ensure_ascii": False})
    try:
        organization = organization_for_user(request.user, code)
    except Exception:
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
            "by_category": data["by_category"],
            "children": [
                {key: child[key] for key in ("org", "name", "admitted", "target", "percent")} for child in data["children"]
            ],
            "computed_at": timezone.localtime(figures.computed_at).isoformat(),
            "stale": figures.stale,
        },
        json_dumps_params={"ensure_ascii": False},
    )
