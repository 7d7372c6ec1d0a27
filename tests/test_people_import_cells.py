"""Excel import: a cell is given by name as the app shows it ("Committee › Cell", or its plain name when no other
cell of the user's scope bears it) or by code; the template carries drop-down lists and a sheet of the scope's
cells; a duplicate names the person it matches only within the user's scope (issue 22)."""
import io

import openpyxl
import pytest
from django.utils.translation import gettext

from candidates import imports
from candidates.models import Candidate, ImportJob
from cells.models import Organization

from .factories import CandidateFactory, OrganizationFactory
from .hardening_imports import person, preview, staff_of


@pytest.fixture
def commune_staff(client, tree):
    client.force_login(staff_of(tree["commune"]))
    return client


@pytest.fixture
def district_staff(client, tree):
    client.force_login(staff_of(tree["district"]))
    return client


def saved_cell(client, job) -> str:
    assert job.status == ImportJob.Status.VALID, job.rows
    client.post(f"/candidates/imports/{job.pk}/save/")
    return Candidate.objects.get(full_name="Trần Thị Kim Ngân").home_cell.code


@pytest.mark.parametrize("typed", ["Xã thử › Chi bộ ấp A", "xã thử>chi  bộ ấp a", "  Xã thử ›Chi bộ ấp A ", "C-A", "c-a"])
def test_a_cell_is_taken_by_its_label_or_its_code(commune_staff, typed):
    assert saved_cell(commune_staff, preview(commune_staff, [person(home_cell=typed)])) == "c-a"


def test_a_cell_is_taken_by_its_plain_name_when_no_other_cell_of_the_scope_bears_it(commune_staff):
    assert saved_cell(commune_staff, preview(commune_staff, [person(home_cell="Chi bộ ấp B")])) == "c-b"


def test_a_name_two_cells_bear_asks_for_the_committee_or_the_code(district_staff, tree):
    other = OrganizationFactory(
        code="c2", name="Xã khác", kind=Organization.Kind.GRASSROOTS_COMMITTEE, parent=tree["district"],
        sector=Organization.Sector.COMMUNE,
    )
    OrganizationFactory(code="c2-a", name="Chi bộ ấp A", kind=Organization.Kind.CELL, parent=other)
    job = preview(district_staff, [person(home_cell="Chi bộ ấp A")])
    assert job.status == ImportJob.Status.INVALID
    [error] = job.rows[0]["errors"]
    assert "Chi bộ ấp A" in error and "2" in error and "›" in error
    assert saved_cell(district_staff, preview(district_staff, [person(home_cell="Xã khác › Chi bộ ấp A")])) == "c2-a"


def test_a_cell_outside_the_scope_is_not_found_by_name_either(commune_staff, tree):
    job = preview(commune_staff, [person(home_cell="Huyện thử › Chi bộ trường"), person(home_cell="Chi bộ trường",
                                                                                       full_name="Lê Văn Hậu")])
    assert job.status == ImportJob.Status.INVALID
    for row, typed in zip(job.rows, ["Huyện thử › Chi bộ trường", "Chi bộ trường"]):
        assert row["errors"] == [
            gettext("%(column)s: no active cell “%(cell)s” in your scope; choose it from the template's list, or give its code.")
            % {"column": dict(imports.CANDIDATE_COLUMNS)["home_cell"], "cell": typed}
        ]


def test_a_file_from_the_older_template_is_still_read(commune_staff):
    headings = [str(imports.OLD_HEADINGS.get(key, label)) for key, label in imports.CANDIDATE_COLUMNS]
    job = preview(commune_staff, [person(home_cell="c-a")], headings=headings)
    assert saved_cell(commune_staff, job) == "c-a"


def template_of(client):
    response = client.get("/candidates/import/template-candidates.xlsx")
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_the_template_lists_the_scopes_cells_and_offers_drop_down_lists(commune_staff, tree):
    book = template_of(commune_staff)
    sheet = book.worksheets[0]
    cells = book[gettext("Cells")]
    listed = [row for row in cells.iter_rows(min_row=2, values_only=True)]
    assert listed == [("Xã thử › Chi bộ ấp A", "c-a", "Xã thử"), ("Xã thử › Chi bộ ấp B", "c-b", "Xã thử")]
    columns = [key for key, _label in imports.CANDIDATE_COLUMNS]
    validations = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    for key in ("home_cell", "gender", "education_level", "occupation_category"):
        letter = openpyxl.utils.get_column_letter(columns.index(key) + 1)
        validation = validations[f"{letter}2"]
        assert validation.type == "list" and str(validation.sqref) == f"{letter}2:{letter}{imports.MAX_ROWS + 1}"
        target = book.defined_names[validation.formula1].attr_text
        sheet_name, cells_range = target.rsplit("!", 1)
        values = [c.value for row in book[sheet_name.strip("'")][cells_range.replace("$", "")] for c in row]
        if key == "home_cell":
            assert values == ["Xã thử › Chi bộ ấp A", "Xã thử › Chi bộ ấp B"]
            assert validation.errorStyle == "warning"  # a code may still be typed
        else:
            choices = imports.CHOICES[key]
            assert values == [str(label) for label in choices.labels]
    # What the list offers is what the import takes.
    job = preview(commune_staff, [person(home_cell=listed[1][0], gender=gettext("Female"))])
    assert saved_cell(commune_staff, job) == "c-b"


def test_a_scope_of_too_many_cells_gets_no_list_but_says_how_to_type_the_cell(commune_staff, monkeypatch):
    monkeypatch.setattr(imports, "TEMPLATE_CELLS", 1)
    book = template_of(commune_staff)
    assert "›" in book[gettext("Cells")]["A3"].value and book[gettext("Cells")].max_row == 3
    home_cell = openpyxl.utils.get_column_letter([key for key, _l in imports.CANDIDATE_COLUMNS].index("home_cell") + 1)
    assert not [v for v in book.worksheets[0].data_validations.dataValidation if str(v.sqref).startswith(home_cell)]


def test_a_duplicate_names_the_person_only_within_the_users_scope(commune_staff, tree):
    inside = CandidateFactory(home_cell=tree["cell_b"], full_name="Phạm Thị Trong", national_id="080199001122")
    CandidateFactory(home_cell=tree["school"], full_name="Phạm Thị Ngoài", national_id="080199003344")
    job = preview(commune_staff, [person(national_id="080199001122"), person(national_id="080199003344", full_name="Lê Văn Hậu")])
    same_inside, same_outside = (" ".join(row["errors"]) for row in job.rows)
    assert inside.full_name in same_inside and tree["cell_b"].name in same_inside
    assert same_outside.endswith(gettext("A person with this national ID is already registered elsewhere; ask the board staff above."))
    assert "Phạm Thị Ngoài" not in same_outside and tree["school"].name not in same_outside
