"""Writing the workbooks the app produces (exports, reports, import templates), through one helper.

Nothing a user typed becomes a formula: a text starting with "=", "+", "-", "@", a tab or a carriage
return is written as text, marked with Excel's quote prefix so that it stays text when the cell is
edited (a CSV-style injection otherwise runs when the office opens or re-saves the file). Dates are
real dates shown dd/mm/yyyy, so that the office can sort and filter them; times are written in the
app's time zone (Asia/Ho_Chi_Minh): a cell holds no time zone, and the database's times are UTC.
"""
from __future__ import annotations

import datetime
import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(sheet: Worksheet, value) -> Cell:
    """A cell of `sheet` holding `value` as data: text stays text, dates are dates, times are local."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.make_naive(value)  # the local time, as the pages show it
    if isinstance(value, str):
        # Control characters that XML cannot hold would make openpyxl refuse the whole workbook.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = Cell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        cell.quotePrefix = True
    elif isinstance(value, datetime.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT
    return cell


def append_row(sheet: Worksheet, values: Iterable) -> None:
    """`sheet.append(values)`, every value through `safe_cell`."""
    sheet.append([safe_cell(sheet, value) for value in values])


def header_row(sheet: Worksheet, headings: Iterable, widths: Iterable[int] = ()) -> None:
    """The first row of a list: bold headings, frozen on screen and repeated on every printed page."""
    append_row(sheet, headings)
    bold = Font(bold=True)
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    sheet.freeze_panes = f"A{sheet.max_row + 1}"
    sheet.print_title_rows = f"{sheet.max_row}:{sheet.max_row}"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def list_workbook(title: str, headings: list, rows: Iterable[Iterable], widths: Iterable[int] = ()) -> tuple[bytes, int]:
    """A one-sheet list (a heading row, then one row per person): the file and how many rows it holds."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    header_row(sheet, headings, widths)
    count = 0
    for row in rows:
        append_row(sheet, row)
        count += 1
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return save(workbook), count


def save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
