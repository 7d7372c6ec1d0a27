"""Sheet titles of the report workbook: Excel's rules, and unique however the organizations' codes collide."""
import datetime
import io
import signal
from contextlib import contextmanager
from types import SimpleNamespace

import openpyxl
from django.utils.translation import gettext as _

from tracker.reports import reports_workbook, sheet_titles

PREFIX = "dang-bo-xa-tan-dong-huyen-thanh"  # 31 characters, as many as a title holds


@contextmanager
def at_most(seconds):
    """Fail instead of hanging: the old de-duplication looped for ever."""

    def stop(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def fake_report(code):
    data = {"period_label": "2026", "admitted": 0, "target": None, "percent": None, "children_target": 0,
            "pipeline_total": 0, "forecast": 0, "alerts": []}
    return {
        "organization": SimpleNamespace(code=code, name=code),
        "month": datetime.date(2026, 4, 1),
        "figures": SimpleNamespace(computed_at=datetime.datetime(2026, 5, 1, 2, 0)),
        "data": data, "admissions": [], "lagging": [],
    }


def test_a_third_code_sharing_its_start_101_sheets_later_gets_its_own_sheet_instead_of_hanging():
    # The old titles kept 28 characters and numbered a clash with len(titles) % 100: the third clash
    # 100 sheets after the second got the second's number again, for ever.
    codes = [PREFIX + "-hoa-a", PREFIX + "-hoa-b", *(f"chi-bo-{n}" for n in range(99)), PREFIX + "-hoa-c"]
    with at_most(20):
        content = reports_workbook([fake_report(code) for code in codes])
    names = openpyxl.load_workbook(io.BytesIO(content)).sheetnames
    assert (names[0], names[1], names[101]) == (PREFIX, PREFIX[:29] + "-2", PREFIX[:29] + "-3")
    assert len({name.casefold() for name in names}) == 102


def test_thousands_of_colliding_codes_get_distinct_titles_of_at_most_31_characters():
    names = [f"{PREFIX}-{n}" for n in range(5000)] + [PREFIX[:28]] * 5000
    with at_most(10):
        titles = sheet_titles(names)
    assert len({title.casefold() for title in titles}) == 10_000
    assert max(len(title) for title in titles) == 31
    assert titles[:3] == [PREFIX, PREFIX[:29] + "-2", PREFIX[:29] + "-3"]
    assert titles[5000:5002] == [PREFIX[:28], PREFIX[:26] + "-5001"]
    assert titles[-1] == PREFIX[:26] + "-9999"


def test_titles_that_differ_only_in_case_are_made_distinct():
    assert sheet_titles(["ABC", "abc", "Abc", "ĐẢNG", "đảng"]) == ["ABC", "abc-2", "Abc-3", "ĐẢNG", "đảng-2"]


def test_a_numbered_title_and_a_code_that_already_ends_so_stay_distinct():
    assert sheet_titles(["a", "a", "a-2", "A-2"]) == ["a", "a-2", "a-2-2", "A-2-3"]


def test_forbidden_characters_become_dashes():
    assert sheet_titles(["a/b", "a:b", "[x]*?\\", "tab\there"]) == ["a-b", "a-b-2", "-x----", "tab-here"]


def test_a_name_empty_after_cleaning_gets_a_plain_title():
    sheet = str(_("Sheet"))
    assert sheet_titles(["", "   ", "''", "' '"]) == [sheet, f"{sheet}-2", f"{sheet}-3", f"{sheet}-4"]


def test_excels_other_rules_hold_apostrophes_at_the_ends_history_and_31_utf16_units():
    assert sheet_titles(["'quoted'", "History", "history"]) == ["quoted", "History-2", "history-3"]
    # Excel counts UTF-16 units: a character outside the BMP takes two of the 31.
    assert sheet_titles(["😀" * 20]) == ["😀" * 15]
    assert sheet_titles(["a" * 30 + "'x"]) == ["a" * 30]


def test_openpyxl_keeps_every_title_as_given():
    names = ["ABC", "abc", "a/b", "", "History", PREFIX + "-1", PREFIX + "-2", "😀" * 20]
    content = reports_workbook([fake_report(name) for name in names])
    assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames == sheet_titles(names)
