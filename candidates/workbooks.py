"""Writing the workbooks the app produces (exports, reports, import templates), through one helper.

Nothing a user typed becomes a formula: a text starting with "=", "+", "-", "@", a tab or a carriage
return is written as text, marked with Excel's quote prefix so that it stays text when the cell is
edited (a CSV-style injection otherwise runs when the office opens or re-saves the file). Dates are
real dates shown dd/mm/yyyy, so that the office can sort and filter them; times are written in the
app's time zone (Asia/Ho_Chi_Minh): a cell holds no time zone, and the database's times are UTC. Lists open ready to read: a
coloured heading row, frozen, filterable and repeated on every printed page, columns as wide as their
content usually is, landscape pages one page wide; they are written row by row (openpyxl's write-only
mode), so that a list of 20,000 people does not hold a workbook of them in memory.
"""
from __future__ import annotations

import datetime
import io
import re
import unicodedata
from collections.abc import Iterable

from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
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
    # Placed where it is appended; a place from the start, which a write-only sheet's append reads before it moves it.
    cell = Cell(sheet, row=1, column=1, value=value)
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


HEADING_FONT = Font(bold=True, color="FFFFFF")
HEADING_FILL = PatternFill("solid", fgColor="B71C1C")  # the app's red
HEADING_ALIGNMENT = Alignment(vertical="center", wrap_text=True)
HEADING_BORDER = Border(bottom=Side(style="thin", color="7F0000"))


def heading_cells(sheet, headings: Iterable) -> list[Cell]:
    """A list's heading row: white bold text on the app's red, wrapped."""
    cells = []
    for heading in headings:
        cell = safe_cell(sheet, heading)
        cell.font, cell.fill, cell.alignment, cell.border = HEADING_FONT, HEADING_FILL, HEADING_ALIGNMENT, HEADING_BORDER
        cells.append(cell)
    return cells


def _frame(sheet, row: int, widths: Iterable[int]) -> None:
    """Freeze the rows down to `row` (the headings), repeat it on every printed page, set the columns' widths."""
    sheet.freeze_panes = f"A{row + 1}"
    sheet.print_title_rows = f"{row}:{row}"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def header_row(sheet: Worksheet, headings: Iterable, widths: Iterable[int] = ()) -> None:
    """The first row of a list in an ordinary sheet: styled headings, frozen on screen and repeated on every
    printed page."""
    sheet.append(heading_cells(sheet, headings))
    _frame(sheet, sheet.max_row, widths)


def list_workbook(title: str, headings: list, rows: Iterable[Iterable], widths: Iterable[int] = ()) -> tuple[bytes, int]:
    """A one-sheet list (a heading row, then one row per person), written row by row: the file and how many rows
    it holds."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    # What comes before the rows in the file is set before the first row is written.
    _frame(sheet, 1, widths)
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.append(heading_cells(sheet, headings))
    count = 0
    for row in rows:
        sheet.append([safe_cell(sheet, value) for value in row])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(headings), 1))}{count + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    return save(workbook), count


# Letters a file name may not hold as they are: Vietnamese letters become their ASCII base (đ is d).
_NOT_IN_A_NAME = re.compile(r"[^a-z0-9]+")


def file_name_part(text: str) -> str:
    """`text` as part of a file name every system and browser takes: ASCII lower case and hyphens
    ("Đảng bộ xã Tân Đông" → "dang-bo-xa-tan-dong")."""
    ascii_text = unicodedata.normalize("NFKD", str(text).replace("đ", "d").replace("Đ", "D")).encode("ascii", "ignore")
    return _NOT_IN_A_NAME.sub("-", ascii_text.decode().lower()).strip("-")


def file_name(*parts, day: datetime.date, extension: str = "xlsx") -> str:
    """An export's file name from its parts and the day it was made: "danh-sach-tan-dong-dang-xet-2026-12-03.xlsx"."""
    words = [file_name_part(part) for part in parts]
    return "-".join([word for word in words if word] + [day.isoformat()]) + f".{extension}"

def save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
