"""Bulk import of candidates and class rosters from .xlsx files.

A file is read into rows, every row is checked with the same form the candidate page uses,
duplicates are flagged (never merged), and nothing is saved unless every row is valid.
"""
from __future__ import annotations

import datetime
import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from cells.models import Organization

from . import workbooks
from .forms import CandidateForm, cells_within
from .models import Candidate, EducationLevel, Gender, OccupationCategory, Source

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

CANDIDATE_COLUMNS = [
    ("full_name", gettext_lazy("Full name")),
    ("date_of_birth", gettext_lazy("Date of birth (dd/mm/yyyy)")),
    ("gender", gettext_lazy("Gender")),
    ("ethnicity", gettext_lazy("Ethnicity")),
    ("religion", gettext_lazy("Religion")),
    ("education_level", gettext_lazy("Education")),
    ("national_id", gettext_lazy("National ID")),
    ("occupation_category", gettext_lazy("Occupation")),
    ("home_cell", gettext_lazy("Cell code")),
    ("source", gettext_lazy("Source")),
    ("sourced_on", gettext_lazy("Put in the sourcing plan on (dd/mm/yyyy)")),
]
ROSTER_COLUMNS = [
    ("full_name", gettext_lazy("Full name")),
    ("date_of_birth", gettext_lazy("Date of birth (dd/mm/yyyy)")),
    ("national_id", gettext_lazy("National ID")),
]
CHOICES = {"gender": Gender, "education_level": EducationLevel, "occupation_category": OccupationCategory, "source": Source}


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is for the user."""


@dataclass
class Row:
    number: int
    values: dict
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"number": self.number, "values": self.values, "errors": self.errors}


def template_workbook(kind: str) -> bytes:
    columns = CANDIDATE_COLUMNS if kind == "candidates" else ROSTER_COLUMNS
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    workbooks.header_row(sheet, [str(label) for _key, label in columns], widths=[24] * len(columns))
    if kind == "candidates":
        values = workbook.create_sheet(_("Allowed values"))
        for key, choices in CHOICES.items():
            workbooks.append_row(values, [str(dict(CANDIDATE_COLUMNS)[key])] + [str(label) for label in choices.labels])
    return workbooks.save(workbook)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def read_rows(content: bytes, columns) -> list[tuple[int, dict]]:
    """(row number, {column key: text}) for every non-empty data row; ImportFileError for a bad file."""
    if not content:
        raise ImportFileError(_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 5 MB."))
    try:
        # data_only=False: a formula comes back as its text, so it can be refused rather than read as empty.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportFileError(_("This is not an Excel workbook (.xlsx); download the template and fill it in.")) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_text(cell).lower() for cell in next(rows, ())]
    # A template downloaded in either language is accepted.
    accepted = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            accepted.append([str(label).lower() for _key, label in columns])
    if not any(header[: len(expected)] == expected for expected in accepted):
        raise ImportFileError(
            _("The first row must be the template's headings: %(headings)s.") % {"headings": ", ".join(str(l) for _k, l in columns)}
        )
    found = []
    for number, values in enumerate(rows, start=2):
        texts = {key: _text(value) for (key, _label), value in zip(columns, values or ())}
        if not any(texts.values()):
            continue
        if len(found) >= MAX_ROWS:
            raise ImportFileError(_("A file may hold at most %(max)d rows.") % {"max": MAX_ROWS})
        found.append((number, texts))
    workbook.close()
    if not found:
        raise ImportFileError(_("The file has no rows under the headings."))
    return found


def _choice_value(choices, text: str) -> str:
    lowered = text.lower()
    for value, label in choices.choices:
        if lowered in (value.lower(), str(label).lower()):
            return value
    return text


def validate_candidates(content: bytes, *, roots, progress=None) -> list[Row]:
    """Check every row as the candidate form would, and flag duplicates in the file and the records."""
    parsed = read_rows(content, CANDIDATE_COLUMNS)
    cells = dict(cells_within(roots).order_by().values_list("code", "pk"))
    labels = dict(CANDIDATE_COLUMNS)
    rows, seen_ids, seen_people = [], {}, {}
    for index, (number, texts) in enumerate(parsed, start=1):
        row = Row(number=number, values=texts)
        formulas = [labels[key] for key, text in texts.items() if text.startswith("=")]
        if formulas:
            row.errors.append(_("Formulas are not accepted (%(columns)s).") % {"columns": ", ".join(str(c) for c in formulas)})
        data = dict(texts)
        for key, choices in CHOICES.items():
            data[key] = _choice_value(choices, texts[key])
        data["home_cell"] = cells.get(texts["home_cell"], "")
        if texts["home_cell"] and not data["home_cell"]:
            row.errors.append(_("%(column)s: no active cell with code “%(code)s” in your scope.")
                              % {"column": labels["home_cell"], "code": texts["home_cell"]})
        data["ethnicity"] = data["ethnicity"] or "Kinh"
        data["religion"] = data["religion"] or "Không"
        data["source"] = data["source"] or Source.CELL_PLAN
        form = CandidateForm(data=data, roots=roots)
        if not form.is_valid():
            for key, errors in form.errors.items():
                if key == "home_cell" and texts["home_cell"] and not data["home_cell"]:
                    continue
                column = labels.get(key, key)
                row.errors += [f"{column}: {error}" for error in errors]
        else:
            row.values["_clean"] = {
                key: (value.isoformat() if isinstance(value, datetime.date) else value)
                for key, value in form.cleaned_data.items() if key != "mentors"
            }
            row.values["_clean"]["home_cell"] = data["home_cell"]
            _flag_duplicates(row, form.cleaned_data, seen_ids, seen_people)
        rows.append(row)
        if progress and index % 50 == 0:
            progress(index, len(parsed))
    return rows


def _flag_duplicates(row: Row, clean: dict, seen_ids: dict, seen_people: dict) -> None:
    national_id = clean.get("national_id")
    person_key = (clean["full_name"].lower(), clean["date_of_birth"])
    if national_id:
        if national_id in seen_ids:
            row.errors.append(_("Same national ID as row %(row)d.") % {"row": seen_ids[national_id]})
        existing = Candidate.objects.filter(national_id=national_id).first()
        if existing:
            row.errors.append(_("Same national ID as %(name)s, already in the records.") % {"name": existing.full_name})
        seen_ids[national_id] = row.number
    if person_key in seen_people:
        row.errors.append(_("Same name and date of birth as row %(row)d.") % {"row": seen_people[person_key]})
    existing = Candidate.objects.filter(full_name__iexact=clean["full_name"], date_of_birth=clean["date_of_birth"]).first()
    if existing and not (national_id and existing.national_id == national_id):
        row.errors.append(
            _("Same name and date of birth as %(name)s (%(cell)s), already in the records.")
            % {"name": existing.full_name, "cell": existing.home_cell.name}
        )
    seen_people[person_key] = row.number


@transaction.atomic
def save_candidates(rows: list[dict], *, acting_user) -> int:
    """Create every candidate of a validated file in one transaction."""
    from . import services

    for row in rows:
        clean = dict(row["values"]["_clean"])
        clean["home_cell"] = Organization.objects.get(pk=clean["home_cell"])
        for key in ("date_of_birth", "sourced_on"):
            clean[key] = datetime.date.fromisoformat(clean[key])
        services.candidate_create(
            **{key: clean[key] for key in services.EDITABLE_FIELDS}, sourced_on=clean["sourced_on"], acting_user=acting_user
        )
    return len(rows)


def validate_roster(content: bytes, *, awareness_class, scope, progress=None) -> list[Row]:
    """Match every row to one person in the records, by national ID or by name and date of birth."""
    parsed = read_rows(content, ROSTER_COLUMNS)
    enrolled = set(awareness_class.attendances.values_list("candidate_id", flat=True))
    rows, seen = [], {}
    for index, (number, texts) in enumerate(parsed, start=1):
        row = Row(number=number, values=texts)
        try:
            born = datetime.datetime.strptime(texts["date_of_birth"], "%d/%m/%Y").date() if texts["date_of_birth"] else None
        except ValueError:
            born = None
            row.errors.append(_("“%(value)s” is not a date dd/mm/yyyy") % {"value": texts["date_of_birth"]})
        if texts["national_id"]:
            matches = list(scope.filter(national_id=texts["national_id"])[:2])
        elif born and texts["full_name"]:
            matches = list(scope.filter(full_name__iexact=texts["full_name"], date_of_birth=born)[:2])
        else:
            matches = None
            if not row.errors:
                row.errors.append(_("Give the national ID, or the full name and the date of birth."))
        if matches is not None:
            if not matches:
                row.errors.append(_("Nobody in your records matches this row; add the person first."))
            elif len(matches) > 1:
                row.errors.append(_("Several people match this row; give the national ID."))
            elif matches[0].pk in seen:
                row.errors.append(_("Same person as row %(row)d.") % {"row": seen[matches[0].pk]})
            elif matches[0].pk in enrolled:
                row.errors.append(_("%(name)s is already in this class.") % {"name": matches[0].full_name})
            else:
                seen[matches[0].pk] = number
                row.values["_candidate"] = matches[0].pk
        rows.append(row)
        if progress and index % 50 == 0:
            progress(index, len(parsed))
    return rows


@transaction.atomic
def save_roster(rows: list[dict], *, awareness_class, acting_user) -> int:
    from . import services

    for row in rows:
        services.class_enroll(
            awareness_class=awareness_class, candidate=Candidate.objects.get(pk=row["values"]["_candidate"]),
            acting_user=acting_user,
        )
    return len(rows)
