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
from candidates.workbooks import append_row
from cells.models import Organization

from .periods import add_months, month_end, year_period, years_shown
from .selectors import figures_as_of, figures_for

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str, today: datetime.date) -> datetime.date:
    """"2026-11" → 1 November 2026; empty → the last full month (the current one in the first year counted).
    ValueError with a message otherwise."""
    if not value:
        last_month = add_months(today.replace(day=1), -1)
        return last_month if last_month.year in years_shown(today) else today.replace(day=1)
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


def admissions_of_month(organization: Organization, month: datetime.date):
    """The month's admissions in the organization's subtree (each credits every organization above it)."""
    return Admission.objects.filter(credits__organization=organization, admitted_on__gte=month, admitted_on__lte=month_end(month))


def month_report(organization: Organization, month: datetime.date, today: datetime.date) -> dict:
    """The state at the end of the month: its year's admissions up to its last day against the year's plan,
    the pace on that day and the pipeline as it stood then (`figures_as_of`), without a forecast. The
    current month's report (or a later one's) is as of today, with the forecast."""
    last_day = month_end(month)
    if last_day < today:
        figures = figures_as_of(organization, year_period(month.year), last_day)
    else:
        figures = figures_for(organization, year_period(month.year), today)
    admissions = (
        admissions_of_month(organization, month)
        .select_related("candidate", "cell")
        .order_by("admitted_on", "candidate__sort_name", "pk")
    )
    data = figures.data
    return {
        "organization": organization,
        "month": month,
        "figures": figures,
        "data": data,
        "admissions": list(admissions),
        "as_of": figures.as_of,
        # Units below their pace or their plan, and the active ones without a plan.
        "lagging": [
            child for child in data["children"]
            if child["status"] in ("behind", "not_met") or (child["status"] == "no_plan" and child["is_active"])
        ],
    }


# Characters Excel refuses in a sheet title, and the control characters XML cannot carry.
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f-\x9f]")
_SHEET_TITLE_ENDS = re.compile(r"^[\s']+|[\s']+$")
_SHEET_TITLE_UNITS = 31  # Excel's limit, counted in UTF-16 code units


def _utf16_prefix(text: str, units: int) -> str:
    """The longest start of `text` that fits in `units` UTF-16 code units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > units:
            return text[:index]
    return text


def sheet_titles(names: list[str]) -> list[str]:
    """One title per name that Excel accepts: at most 31 characters, none of []:*?/\\, not blank, no apostrophe
    at either end, not "History", and unique without regard to case. A name that collides gets "-2", "-3"…
    in place of its last characters; one that cleans to nothing becomes "Sheet"."""
    taken = {"history"}  # reserved by Excel
    # One counter per stem that every numbered title keeps (31 units less "-99999"), so that thousands of
    # names sharing their start are numbered in one pass instead of each trying every number from 2 again.
    next_number: dict[str, int] = {}
    titles = []
    for name in names:
        cleaned = _SHEET_TITLE_ENDS.sub("", _SHEET_TITLE_FORBIDDEN.sub("-", name))
        base = _SHEET_TITLE_ENDS.sub("", _utf16_prefix(cleaned, _SHEET_TITLE_UNITS)) or _("Sheet")
        stem = _utf16_prefix(base, _SHEET_TITLE_UNITS - 6).casefold()
        title, number = base, next_number.get(stem, 2)
        # Ends: every numbered title is new to `taken` or one of its finitely many titles.
        while title.casefold() in taken:
            suffix = f"-{number}"
            title = _utf16_prefix(base, _SHEET_TITLE_UNITS - len(suffix)) + suffix
            number += 1
        next_number[stem] = number
        taken.add(title.casefold())
        titles.append(title)
    return titles


def status_labels() -> dict[str, str]:
    """What each pace status is called on the pages and in the workbooks (tracker/_status.html)."""
    return {
        "done": _("plan reached"), "not_met": _("not met"), "behind": _("behind"), "on_track": _("on track"),
        "no_plan": _("no plan"),
    }


def alert_text(alert: dict) -> tuple[str, str]:
    """(what the alert is, what it says), in words."""
    if alert["kind"] == "no_plan":
        return _("no sourcing plan"), ""
    if alert["kind"] == "not_met":
        return _("not met"), _("%(admitted)s admitted of a plan of %(target)s") % alert
    return _("source gap"), _("the pipeline (%(pipeline)s people) is not enough: about %(missing)s more needed") % alert


def reports_workbook(reports: list[dict]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    categories = dict(OccupationCategory.choices)
    statuses = status_labels()
    bold = Font(bold=True)
    titles = sheet_titles([report["organization"].code for report in reports])
    for report, title in zip(reports, titles):
        org, data = report["organization"], report["data"]
        sheet = workbook.create_sheet(title)
        append_row(sheet, [org.name])
        sheet["A1"].font = Font(bold=True, size=14)
        as_of = report.get("as_of")
        append_row(sheet, [_("Monthly report"), report["month"].strftime("%m/%Y"),
                           *([_("State at the end of"), as_of] if as_of else [])])
        append_row(sheet, [_("Figures as of"), report["figures"].computed_at])  # a time of the local time zone
        append_row(sheet, [])
        # A past month's report forecasts nothing: the forecast column is left out.
        forecast = data.get("forecast_text")
        append_row(sheet, [_("Year"), _("Admitted"), _("Target"), "%", _("Sum of the units' own targets"), _("Status"),
                           _("Expected at the plan's pace"), _("In the pipeline"), *([_("Forecast")] if forecast else [])])
        if forecast and data.get("forecast_low") == data.get("forecast_high"):
            forecast = data["forecast_people"]
        append_row(sheet, [data["period_label"], data["admitted"], data["target"], data["percent"], data["children_target"],
                           statuses.get(data.get("status"), ""), data.get("expected_people"), data["pipeline_total"],
                           *([forecast] if forecast is not None else [])])
        append_row(sheet, [])
        append_row(sheet, [_("Admissions this month")])
        sheet.cell(sheet.max_row, 1).font = bold
        append_row(sheet, [_("Full name"), _("Date of birth"), _("Occupation"), _("Cell"), _("Decision number"), _("Ceremony date")])
        for admission in report["admissions"]:
            append_row(sheet, [admission.candidate.full_name, admission.candidate.date_of_birth,
                               str(categories.get(admission.occupation_category, "")), admission.cell.name,
                               admission.decision_number, admission.admitted_on])
        append_row(sheet, [])
        append_row(sheet, [_("Units behind or without a plan")])
        sheet.cell(sheet.max_row, 1).font = bold
        append_row(sheet, [_("Unit"), _("Admitted"), _("Target"), "%", _("Status")])
        for child in report["lagging"]:
            append_row(sheet, [child["name"], child["admitted"], child["target"], child["percent"],
                               statuses.get(child.get("status"), "")])
        append_row(sheet, [])
        append_row(sheet, [_("Alerts")])
        sheet.cell(sheet.max_row, 1).font = bold
        for alert in data["alerts"]:
            append_row(sheet, [alert["name"], *alert_text(alert)])
        sheet.column_dimensions["A"].width = 40
        for column in "BCDEFGHI":
            sheet.column_dimensions[column].width = 18
        # One page wide when printed, however many admissions the month had.
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
