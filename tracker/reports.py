"""The monthly report that every cell reviews: the year's figures, the month's admissions,
lagging units and alerts. Rendered as a page (printable) and as an .xlsx workbook."""
from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass

from django.db.models import Count
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from candidates.models import Admission, OccupationCategory
from cells.models import Organization

from .periods import month_end, year_period, years_shown
from .selectors import figures_for

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str, today: datetime.date) -> datetime.date:
    """"2026-11" → 1 November 2026; empty → the current month. ValueError with a message otherwise."""
    if not value:
        return today.replace(day=1)
    match = _MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(_("Unknown month “%(value)s”: use the form 2026-11.") % {"value": value})
    # The report counts its year: only the years the pages show, or each month asked for adds a year to keep counted.
    years = years_shown(today)
    if int(match.group(1)) not in years:
        raise ValueError(_("Choose a year from %(first)d to %(last)d.") % {"first": years[0], "last": years[-1]})
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


# Sheets in one workbook. A province's whole subtree would be 9,000 (ten minutes) and the country's
# 310,000 (hours, gigabytes); spreadsheet programs balk long before (LibreOffice opens 10,000 at most).
WORKBOOK_LIMIT = 1_000


@dataclass
class ReportScope:
    organizations: list[Organization]
    levels: int | None  # how many levels below the organization are in; None: all of them


def report_scope(organization: Organization) -> ReportScope:
    """The organization and its active units for one workbook of the month's reports: whole levels,
    top down, as many as fit in WORKBOOK_LIMIT sheets (the organization's own level always)."""
    active = organization.subtree().filter(is_active=True)
    per_depth = dict(active.values_list("depth").annotate(n=Count("pk")).order_by())
    included, deepest = 0, organization.depth
    for depth in sorted(per_depth):
        if depth > organization.depth and included + per_depth[depth] > WORKBOOK_LIMIT:
            break
        included, deepest = included + per_depth[depth], depth
    complete = deepest >= max(per_depth, default=organization.depth)
    return ReportScope(
        organizations=list(active.filter(depth__lte=deepest).order_by("path")),
        levels=None if complete else deepest - organization.depth,
    )


def month_report(organization: Organization, month: datetime.date, today: datetime.date) -> dict:
    figures = figures_for(organization, year_period(month.year), today)
    admissions = (
        Admission.objects.filter(
            credits__organization=organization, admitted_on__gte=month, admitted_on__lte=month_end(month)
        )
        .select_related("candidate", "cell")
        .order_by("admitted_on", "candidate__full_name")
    )
    data = figures.data
    return {
        "organization": organization,
        "month": month,
        "figures": figures,
        "data": data,
        "admissions": list(admissions),
        "lagging": [child for child in data["children"] if child["status"] in ("behind", "no_plan")],
    }


def reports_workbook(reports: list[dict]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    categories = dict(OccupationCategory.choices)
    bold = Font(bold=True)
    used_titles = set()
    for report in reports:
        org, data = report["organization"], report["data"]
        title = re.sub(r"[\[\]:*?/\\]", "-", org.code)[:28]
        while title in used_titles:
            title = title[:26] + f"-{len(used_titles) % 100}"
        used_titles.add(title)
        sheet = workbook.create_sheet(title)
        sheet.append([org.name])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([_("Monthly report"), report["month"].strftime("%m/%Y")])
        sheet.append([_("Figures as of"), report["figures"].computed_at.strftime("%d/%m/%Y %H:%M")])
        sheet.append([])
        sheet.append([_("Year"), _("Admitted"), _("Target"), "%", _("Sum of the units' own targets"), _("In the pipeline"), _("Forecast")])
        sheet.append([data["period_label"], data["admitted"], data["target"], data["percent"], data["children_target"],
                      data["pipeline_total"], data["forecast"]])
        sheet.append([])
        sheet.append([_("Admissions this month")])
        sheet.cell(sheet.max_row, 1).font = bold
        sheet.append([_("Full name"), _("Date of birth"), _("Occupation"), _("Cell"), _("Decision number"), _("Ceremony date")])
        for admission in report["admissions"]:
            sheet.append([admission.candidate.full_name, admission.candidate.date_of_birth.strftime("%d/%m/%Y"),
                          str(categories.get(admission.occupation_category, "")), admission.cell.name,
                          admission.decision_number, admission.admitted_on.strftime("%d/%m/%Y")])
        sheet.append([])
        sheet.append([_("Units behind or without a plan")])
        sheet.cell(sheet.max_row, 1).font = bold
        sheet.append([_("Unit"), _("Admitted"), _("Target"), "%"])
        for child in report["lagging"]:
            sheet.append([child["name"], child["admitted"], child["target"], child["percent"]])
        sheet.append([])
        sheet.append([_("Alerts")])
        sheet.cell(sheet.max_row, 1).font = bold
        for alert in data["alerts"]:
            kind = _("no sourcing plan") if alert["kind"] == "no_plan" else _("source gap")
            sheet.append([alert["name"], kind])
        sheet.column_dimensions["A"].width = 40
        for column in "BCDEF":
            sheet.column_dimensions[column].width = 18
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
