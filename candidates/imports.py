"""Bulk import of candidates and class rosters from .xlsx files.

A file is read into rows, every row is checked with the same form the candidate page uses,
duplicates are flagged (never merged), and nothing is saved unless every row is valid.
"""
from __future__ import annotations

import datetime
import io
import logging
import re
import time
import zipfile
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from itertools import islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from cells.models import Organization
from cells.selectors import cell_label, subtrees_q, within

from . import services, text, workbooks
from .forms import CandidateForm, cells_within, national_id_taken
from .models import Candidate, EducationLevel, Gender, OccupationCategory, Source

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
# Reading a file is bounded whatever it holds: rows read, blank ones included; bytes unpacked (a zip bomb:
# 5,000 people take 2 or 3 MB); seconds.
MAX_READ_ROWS = 2 * MAX_ROWS
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
READ_SECONDS = 20

logger = logging.getLogger(__name__)

NOT_A_WORKBOOK = gettext_lazy("This is not an Excel workbook (.xlsx); download the template and fill it in.")

CANDIDATE_COLUMNS = [
    ("full_name", gettext_lazy("Full name")),
    ("date_of_birth", gettext_lazy("Date of birth (dd/mm/yyyy)")),
    ("gender", gettext_lazy("Gender")),
    ("ethnicity", gettext_lazy("Ethnicity")),
    ("religion", gettext_lazy("Religion")),
    ("education_level", gettext_lazy("Education")),
    ("national_id", gettext_lazy("National ID")),
    ("occupation_category", gettext_lazy("Occupation")),
    ("home_cell", gettext_lazy("Cell")),
    ("source", gettext_lazy("Source")),
    ("sourced_on", gettext_lazy("Put in the sourcing plan on (dd/mm/yyyy)")),
]
ROSTER_COLUMNS = [
    ("full_name", gettext_lazy("Full name")),
    ("date_of_birth", gettext_lazy("Date of birth (dd/mm/yyyy)")),
    ("national_id", gettext_lazy("National ID")),
]
CHOICES = {"gender": Gender, "education_level": EducationLevel, "occupation_category": OccupationCategory, "source": Source}
# Headings of older templates, still accepted: files filled in before the cell could be given by name.
OLD_HEADINGS = {"home_cell": gettext_lazy("Cell code")}
# The template lists the cells of the user's scope up to this many (a province has 8,000); above, the cell is typed.
TEMPLATE_CELLS = 10_000


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is for the user."""


class RecordsChanged(Exception):
    """Since the check, rows became duplicates or left the user's scope: nothing is saved.

    `errors` maps a row's number to its messages, shown next to the row."""

    def __init__(self, errors: dict[int, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class Row:
    number: int
    values: dict
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"number": self.number, "values": self.values, "errors": self.errors}


def still_allowed(job, roots) -> bool:
    """Whether the job's creator may still see and go on with it, `roots` being their staff scope now: a role
    removed ends what it had started. A class roster also needs the class still in that scope."""
    if not roots:
        return False
    if job.kind == job.Kind.ROSTER:
        return job.awareness_class is not None and within(job.awareness_class.organizer, roots)
    return True


def template_workbook(kind: str, roots=()) -> bytes:
    """The workbook to fill in. For candidates, drop-down lists from its other sheets: the cells of the user's scope
    (`roots`), as the app shows them ("Committee › Cell"; a code is accepted too), and the choices of gender,
    education, occupation and source."""
    columns = CANDIDATE_COLUMNS if kind == "candidates" else ROSTER_COLUMNS
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    workbooks.header_row(
        sheet, [str(label) for _key, label in columns], widths=[40 if key == "home_cell" else 24 for key, _label in columns]
    )
    if kind == "candidates":
        values = workbook.create_sheet(_("Allowed values"))
        for row, (key, choices) in enumerate(CHOICES.items(), start=1):
            workbooks.append_row(values, [str(dict(CANDIDATE_COLUMNS)[key])] + [str(label) for label in choices.labels])
            last = get_column_letter(len(choices.labels) + 1)
            _drop_down(workbook, sheet, key, f"{_quoted(values.title)}!$B${row}:${last}${row}", strict=True)
        _cells_sheet(workbook, sheet, roots)
    return workbooks.save(workbook)


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _drop_down(workbook, sheet, key: str, cells_range: str, *, strict: bool, prompt: str = "") -> None:
    """A drop-down list on the template's column `key`, from `cells_range` of another sheet (through a defined
    name, which every version of Excel and LibreOffice read). `strict`: nothing else may be typed; otherwise a
    typed value is allowed after a warning (a cell's code)."""
    name = f"list_{key}"
    workbook.defined_names[name] = DefinedName(name, attr_text=cells_range)
    column = get_column_letter([column_key for column_key, _label in CANDIDATE_COLUMNS].index(key) + 1)
    validation = DataValidation(
        type="list", formula1=name, allow_blank=True, showDropDown=False, showErrorMessage=True,
        errorStyle="stop" if strict else "warning", error=_("Choose a value from the list."),
        showInputMessage=bool(prompt), prompt=prompt or None,
    )
    validation.add(f"{column}2:{column}{MAX_ROWS + 1}")
    sheet.add_data_validation(validation)


def _cells_sheet(workbook, sheet, roots) -> None:
    """The cells of the user's scope, in tree order, as the app shows them, with their codes."""
    cells_sheet = workbook.create_sheet(_("Cells"))
    workbooks.header_row(cells_sheet, [_("Cell"), _("Code"), _("Committee")], widths=[60, 24, 40])
    cells = list(cells_within(roots)[: TEMPLATE_CELLS + 1]) if roots else []
    for cell in cells[:TEMPLATE_CELLS]:
        workbooks.append_row(cells_sheet, [cell_label(cell), cell.code, cell.committee_name or ""])
    if len(cells) > TEMPLATE_CELLS:
        workbooks.append_row(cells_sheet, [
            _("Your scope holds more than %(count)s cells: type the cell as “Committee › Cell”, or its code.")
            % {"count": f"{TEMPLATE_CELLS:,}".replace(",", ".")}
        ])
        return
    if cells:
        _drop_down(
            workbook, sheet, "home_cell", f"{_quoted(cells_sheet.title)}!$A$2:$A${len(cells) + 1}", strict=False,
            prompt=str(_("Choose the cell from the list, or type its code.")),
        )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # Spaces only: a control character must reach the checks, not vanish (candidates.text).
    return text.normalize_name(str(value))


@contextmanager
def _reading():
    """A damaged part of a workbook gives the user a message, whatever openpyxl raises for it."""
    try:
        yield
    except ImportFileError:
        raise
    except Exception:  # openpyxl raises a dozen kinds: ParseError, BadZipFile (a bad CRC), TypeError, EOFError...
        logger.info("An uploaded workbook could not be read", exc_info=True)
        raise ImportFileError(
            _("The workbook is damaged and cannot be read; open it in Excel, save it again and upload it.")
        ) from None


class _Sheet(ReadOnlyWorksheet):
    def _get_size(self):
        # The sheet's <dimension> is ignored: without one, openpyxl reads the whole sheet to look for it when it
        # opens the workbook (7 s for a million blank rows); with a wrong one, it stops reading rows at it.
        # Rows are counted as they are read instead (MAX_READ_ROWS).
        pass


class _Reader(ExcelReader):
    """openpyxl's reader (read-only), whose sheets are _Sheet; chart sheets are left out."""

    def read_worksheets(self):
        for sheet, relation in self.parser.find_sheets():
            if relation.target in self.valid_files and "chartsheet" not in relation.Type:
                self.wb._sheets.append(_Sheet(self.wb, sheet.name, relation.target, self.shared_strings))


def open_workbook(content: bytes):
    """The workbook, read-only, once the file has been checked against the limits of what reading it may cost."""
    if not content:
        raise ImportFileError(_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 5 MB."))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            # zipfile stops each part at its declared size, so the declared sizes bound what reading unpacks.
            unpacked = sum(part.file_size for part in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise ImportFileError(NOT_A_WORKBOOK) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(
            _("The workbook unpacks to more than %(size)d MB; a list of %(rows)d people takes a few.")
            % {"size": MAX_UNPACKED_BYTES // (1024 * 1024), "rows": MAX_ROWS}
        )
    with _reading():
        try:
            # data_only=False: a formula comes back as its text, so it can be refused rather than read as empty.
            reader = _Reader(io.BytesIO(content), read_only=True, data_only=False, keep_links=False)
            reader.read()
        except (InvalidFileException, zipfile.BadZipFile, KeyError):  # a zip, but not a workbook
            raise ImportFileError(NOT_A_WORKBOOK) from None
    workbook = reader.wb
    if not workbook.worksheets:
        raise ImportFileError(_("The workbook has no sheet."))
    return workbook


def row_count(content: bytes, *, up_to: int) -> int:
    """How many rows the first sheet has, blank ones included, counted up to `up_to` + 1; 0 if unreadable.
    Counted rather than taken from the sheet's dimension, which may be missing or wrong."""
    try:
        with _reading(), closing(open_workbook(content)) as workbook:
            rows = workbook.worksheets[0].iter_rows(max_col=1, values_only=True)
            return sum(1 for _row in islice(rows, up_to + 1))
    except ImportFileError:  # the check itself says why
        return 0


def read_rows(content: bytes, columns) -> list[tuple[int, dict]]:
    """(row number, {column key: text}) for every non-empty data row; ImportFileError for a bad file.

    Reading stops at MAX_READ_ROWS rows, blank ones included, and after READ_SECONDS: a million empty rows
    zip into a few kilobytes."""
    deadline = time.monotonic() + READ_SECONDS
    workbook = open_workbook(content)
    with _reading(), closing(workbook):
        # Only the template's columns: a sheet may claim 16,384, which openpyxl would fill in on every row.
        rows = workbook.worksheets[0].iter_rows(max_col=len(columns), values_only=True)
        header = [_text(cell).lower() for cell in next(rows, ())]
        # A template downloaded in either language is accepted.
        accepted = []
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                accepted.append([str(label).lower() for _key, label in columns])
                accepted.append([str(OLD_HEADINGS.get(key, label)).lower() for key, label in columns])
        if not any(header[: len(expected)] == expected for expected in accepted):
            raise ImportFileError(
                _("The first row must be the template's headings: %(headings)s.")
                % {"headings": ", ".join(str(l) for _k, l in columns)}
            )
        found = []
        for number, values in enumerate(rows, start=2):
            if number > MAX_READ_ROWS:
                raise ImportFileError(
                    _("The sheet has more than %(max)d rows, blank ones included; delete the empty rows under the "
                      "list, or split the file.") % {"max": MAX_READ_ROWS}
                )
            if time.monotonic() > deadline:
                raise ImportFileError(_("The file took too long to read; split it into smaller files."))
            texts = {key: _text(value) for (key, _label), value in zip(columns, values or ())}
            if not any(texts.values()):
                continue
            if len(found) >= MAX_ROWS:
                raise ImportFileError(_("A file may hold at most %(max)d rows.") % {"max": MAX_ROWS})
            found.append((number, texts))
    if not found:
        raise ImportFileError(_("The file has no rows under the headings."))
    return found


def _choice_value(choices, typed: str) -> str:
    lowered = typed.lower()
    for value, label in choices.choices:
        if lowered in (value.lower(), str(label).lower()):
            return value
    return typed


def validate_candidates(content: bytes, *, roots, progress=None) -> list[Row]:
    """Check every row as the candidate form would, and flag duplicates in the file and the records."""
    parsed = read_rows(content, CANDIDATE_COLUMNS)
    cells = CellFinder(roots)
    labels = dict(CANDIDATE_COLUMNS)
    rows, seen_ids, seen_people = [], {}, {}
    for index, (number, texts) in enumerate(parsed, start=1):
        row = Row(number=number, values=texts)
        formulas = [labels[key] for key, value in texts.items() if value.startswith("=")]
        if formulas:
            row.errors.append(_("Formulas are not accepted (%(columns)s).") % {"columns": ", ".join(str(c) for c in formulas)})
        data = dict(texts)
        for key, choices in CHOICES.items():
            data[key] = _choice_value(choices, texts[key])
        data["home_cell"], cell_error = cells.find(texts["home_cell"]) if texts["home_cell"] else ("", None)
        if cell_error:
            row.errors.append(cell_error)
        data["ethnicity"] = data["ethnicity"] or "Kinh"
        data["religion"] = data["religion"] or "Không"
        data["source"] = data["source"] or Source.CELL_PLAN
        # The form checks the text rules, and names the holder of a national ID already in the records
        # only when they are in the user's scope (forms.national_id_taken).
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
            _flag_duplicates_in_file(row, form.cleaned_data, seen_ids, seen_people)
        rows.append(row)
        if progress and index % 50 == 0:
            progress(index, len(parsed))
    checked = {row.number: row for row in rows if "_clean" in row.values}
    cleans = [(number, row.values["_clean"]) for number, row in checked.items()]
    for number, errors in _same_people_in_records(cleans, roots=roots).items():
        checked[number].errors += errors
    return rows


def _cell_error(typed: str) -> str:
    column = dict(CANDIDATE_COLUMNS)["home_cell"]
    if _CODE.fullmatch(typed):
        return _("%(column)s: no active cell with code “%(code)s” in your scope.") % {"column": column, "code": typed}
    return _("%(column)s: no active cell “%(cell)s” in your scope; choose it from the template's list, or give its code.") % {
        "column": column, "cell": typed,
    }


_CODE = re.compile(r"[A-Za-z0-9_-]+")  # what a code looks like (and no cell's name does)
_UNDER = re.compile(r"\s*[›>]\s*")  # "Committee › Cell", also typed with ">"


class CellFinder:
    """The cell a file names among the active cells of the user's scope: by its code, by its label as the app and
    the template show it ("Đảng bộ xã Tân Đông › Chi bộ ấp 1"), or by its name alone when no other cell of the
    scope bears it. Names compare as the duplicate checks do (candidates.text.name_key: NFC, case, spaces)."""

    def __init__(self, roots):
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, list[tuple[int, str]]] = {}
        for pk, code, name, path in cells_within(roots).order_by().values_list("pk", "code", "name", "path"):
            self.by_code[code.lower()] = pk
            self.by_name.setdefault(text.name_key(name), []).append((pk, path))
        self.committees: dict[str, str] = {}  # path → name_key, read when a label asks

    def _committee_keys(self, paths: set[str]) -> dict[str, str]:
        missing = paths - self.committees.keys()
        if missing:
            found = dict(Organization.objects.filter(path__in=missing).values_list("path", "name"))
            self.committees.update({path: text.name_key(found.get(path, "")) for path in missing})
        return self.committees

    def find(self, typed: str) -> tuple[int | str, str | None]:
        """(the cell's id, None), or ("", the message for the row)."""
        if typed.lower() in self.by_code:
            return self.by_code[typed.lower()], None
        parts = _UNDER.split(typed)
        named = self.by_name.get(text.name_key(typed), [])  # a plain name (which may hold a ">" of its own)
        if len(parts) > 1 and not named:
            named = self.by_name.get(text.name_key(parts[-1]), [])
            parent_paths = {path[: -Organization.steplen] for _pk, path in named}
            committees = self._committee_keys(parent_paths)
            wanted = text.name_key(parts[-2])
            named = [(pk, path) for pk, path in named if committees[path[: -Organization.steplen]] == wanted]
        if len(named) == 1:
            return named[0][0], None
        if not named:
            return "", _cell_error(typed)
        return "", _(
            "%(column)s: %(count)d cells of your scope are called “%(cell)s”; choose “Committee › Cell” from the "
            "template's list, or give the cell's code."
        ) % {"column": dict(CANDIDATE_COLUMNS)["home_cell"], "count": len(named), "cell": typed}


def _flag_duplicates_in_file(row: Row, clean: dict, seen_ids: dict, seen_people: dict) -> None:
    national_id = clean.get("national_id")
    person_key = (text.name_key(clean["full_name"]), clean["date_of_birth"])
    if national_id:
        if national_id in seen_ids:
            row.errors.append(_("Same national ID as row %(row)d.") % {"row": seen_ids[national_id]})
        seen_ids[national_id] = row.number
    if person_key in seen_people:
        row.errors.append(_("Same name and date of birth as row %(row)d.") % {"row": seen_people[person_key]})
    seen_people[person_key] = row.number


def _chunks(items: list, size: int = 500) -> list[list]:
    return [items[start:start + size] for start in range(0, len(items), size)]


def _same_people_in_records(cleans: list[tuple[int, dict]], *, roots) -> dict[int, list[str]]:
    """The rows (number, clean values) naming someone already in the records of the user's scope: the same
    normalized name and date of birth, and not the holder of the row's own national ID (reported as such).

    Someone of that name and birth date outside the scope is not reported: it says nothing certain, and it
    would tell the user who is registered where."""
    wanted = {}
    for number, clean in cleans:
        wanted.setdefault((text.name_key(clean["full_name"]), _date(clean["date_of_birth"])), []).append((number, clean))
    errors: dict[int, list[str]] = {}
    scope = Candidate.objects.filter(subtrees_q(roots, field="home_cell__path")).select_related("home_cell")
    for dates in _chunks(sorted({born for _key, born in wanted})):
        for existing in scope.filter(date_of_birth__in=dates).order_by("pk"):
            for number, clean in wanted.get((text.name_key(existing.full_name), existing.date_of_birth), []):
                if clean.get("national_id") and existing.national_id == clean["national_id"]:
                    continue
                if number in errors:
                    continue  # one is enough to say why the row is refused
                errors[number] = [
                    _("Same name and date of birth as %(name)s (%(cell)s), already in the records.")
                    % {"name": existing.full_name, "cell": existing.home_cell.name}
                ]
    return errors


def _taken_national_ids(cleans: list[tuple[int, dict]], *, roots) -> dict[int, list[str]]:
    """The rows whose national ID someone in the records already holds (named only within the scope)."""
    ids = {clean["national_id"]: number for number, clean in cleans if clean.get("national_id")}
    column = dict(CANDIDATE_COLUMNS)["national_id"]
    errors = {}
    for chunk in _chunks(sorted(ids)):
        for existing in Candidate.objects.filter(national_id__in=chunk).select_related("home_cell"):
            errors[ids[existing.national_id]] = [f"{column}: {national_id_taken(existing, roots)}"]
    return errors


def _date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


SAVE_LOCK = 0x696D_706F  # any constant: names PostgreSQL's advisory lock of the import saves


def _saves_one_at_a_time() -> None:
    """Two saves of the same file, or of two files naming the same person, run one after the other, so that
    the second one's check sees the first one's people. Call inside the saving transaction: the lock goes
    with it. SQLite lets one writer at a time: a second save that read before the first one wrote fails with
    "database is locked", which the job reports as nothing saved."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SAVE_LOCK])


@transaction.atomic
def save_candidates(rows: list[dict], *, roots, acting_user) -> int:
    """Create every candidate of a validated file in one transaction, after checking again, under a lock,
    what may have changed since the preview: the people already in the records, and the user's scope.
    RecordsChanged (nothing saved) if a row no longer passes."""
    _saves_one_at_a_time()
    cleans = [(row["number"], row["values"]["_clean"]) for row in rows]
    errors = _taken_national_ids(cleans, roots=roots)
    for number, messages in _same_people_in_records(cleans, roots=roots).items():
        errors.setdefault(number, []).extend(messages)
    cells = {cell.pk: cell for cell in cells_within(roots).filter(pk__in={clean["home_cell"] for _n, clean in cleans})}
    for row in rows:
        if row["values"]["_clean"]["home_cell"] not in cells:
            errors.setdefault(row["number"], []).append(_cell_error(row["values"].get("home_cell", "")))
    if errors:
        raise RecordsChanged(errors)
    for _number, clean in cleans:
        clean = dict(clean)
        clean["home_cell"] = cells[clean["home_cell"]]
        for key in ("date_of_birth", "sourced_on"):
            clean[key] = _date(clean[key])
        services.candidate_create(
            **{key: clean[key] for key in services.EDITABLE_FIELDS}, sourced_on=clean["sourced_on"], acting_user=acting_user
        )
    return len(rows)


def validate_roster(content: bytes, *, awareness_class, scope, progress=None) -> list[Row]:
    """Match every row to one person in the records, by national ID or by name and date of birth."""
    parsed = read_rows(content, ROSTER_COLUMNS)
    labels = dict(ROSTER_COLUMNS)
    enrolled = set(awareness_class.attendances.values_list("candidate_id", flat=True))
    rows, seen = [], {}
    for index, (number, texts) in enumerate(parsed, start=1):
        row = Row(number=number, values=texts)
        try:
            born = datetime.datetime.strptime(texts["date_of_birth"], "%d/%m/%Y").date() if texts["date_of_birth"] else None
        except ValueError:
            born = None
            row.errors.append(_("“%(value)s” is not a date dd/mm/yyyy") % {"value": texts["date_of_birth"]})
        matches = None
        if texts["national_id"]:
            try:
                text.validate_national_id(texts["national_id"])
            except ValidationError as error:
                row.errors += [f"{labels['national_id']}: {message}" for message in error.messages]
            else:
                matches = list(scope.filter(national_id=texts["national_id"])[:2])
        elif born and texts["full_name"]:
            matches = text.same_name(scope.filter(date_of_birth=born), texts["full_name"])
        elif not row.errors:
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
def save_roster(rows: list[dict], *, awareness_class, scope, acting_user) -> int:
    """Enrol every person of a validated roster, after checking again that each is still in the user's scope
    (`scope`: the candidates they may enrol today). RecordsChanged (nothing saved) otherwise."""
    _saves_one_at_a_time()
    wanted = {row["values"]["_candidate"]: row["number"] for row in rows}
    people = scope.in_bulk(list(wanted))
    missing = {number: [_("Nobody in your records matches this row; add the person first.")]
               for pk, number in wanted.items() if pk not in people}
    if missing:
        raise RecordsChanged(missing)
    for pk in wanted:
        services.class_enroll(awareness_class=awareness_class, candidate=people[pk], acting_user=acting_user)
    return len(rows)
