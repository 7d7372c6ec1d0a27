"""Issue 22, the dashboard's charts and units: a fixed colour per category in every chart and period, whole
numbers on the axes, a legend that is never cut off, a units' table that says it sorts, one card per unit
on a phone, and no "units' targets: —" on the page of an organization without units."""
import datetime
import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from candidates.models import AdmissionCredit, Gender, OccupationCategory, Stage
from cells.models import Organization
from tracker.chart_colours import CHART_COLOURS, UNKNOWN, colour_of

from .factories import OrganizationFactory, UserFactory, admit, role

STATIC = Path(settings.BASE_DIR) / "static"


@pytest.fixture
def district_secretary(client, db):
    client.login(username="bithu.huyen", password="BiThuHuyen@2026")
    return client


def chart_data(response):
    return json.loads(re.search(r'<script id="chart-data" type="application/json">(.*?)</script>',
                                response.content.decode(), re.S).group(1))


def colour_by_key(data, name, choices):
    """key → colour of a breakdown as the page sends it (labels are in the page's language)."""
    key_of = {str(label): key for key, label in choices}
    return {key_of[label]: colour for (label, _count), colour in zip(data[name], data["colours"][name])}


def test_every_category_has_its_own_colour_in_each_chart():
    for name, colours in CHART_COLOURS.items():
        assert len(set(colours.values())) == len(colours), name
        assert UNKNOWN not in colours.values(), name
    assert set(CHART_COLOURS["by_category"]) == set(OccupationCategory.values)
    assert set(CHART_COLOURS["by_gender"]) == set(Gender.values)
    assert set(CHART_COLOURS["by_age_band"]) == set(AdmissionCredit.AgeBand.values)
    assert set(CHART_COLOURS["by_sector"]) == set(Organization.Sector.values)
    assert {Stage.SOURCED, Stage.DECIDED} <= set(CHART_COLOURS["pipeline"])


def test_women_keep_their_colour_whether_they_are_the_most_or_the_fewest(client, db):
    year = datetime.date.today().year
    district = OrganizationFactory(code="h-mau", name="Huyện Màu", kind=Organization.Kind.DISTRICT)
    many_women = OrganizationFactory(code="x-nu", name="Xã Nữ", kind=Organization.Kind.GRASSROOTS_CELL, parent=district)
    few_women = OrganizationFactory(code="x-nam", name="Xã Nam", kind=Organization.Kind.GRASSROOTS_CELL, parent=district)
    day = datetime.date(year - 1, 5, 6)
    for gender, cell in [(Gender.FEMALE, many_women)] * 2 + [(Gender.MALE, many_women)] + \
            [(Gender.MALE, few_women)] * 2 + [(Gender.FEMALE, few_women)]:
        admit(cell, day, gender=gender, category=OccupationCategory.TEACHER if cell == many_women else OccupationCategory.RESIDENT)
    user = UserFactory()
    role(user, district, role="viewer")
    client.force_login(user)
    pages = [chart_data(client.get(f"/org/{code}/?period={year - 1}")) for code in ("x-nu", "x-nam")]
    orders = [[label for label, _count in data["by_gender"]] for data in pages]
    assert orders[0] == orders[1][::-1]  # women first on one page, last on the other
    for data in pages:
        colours = colour_by_key(data, "by_gender", Gender.choices)
        assert colours == {"female": colour_of("by_gender", "female"), "male": colour_of("by_gender", "male")}


def test_the_district_pages_of_two_years_colour_each_occupation_alike(district_secretary):
    seen = {}
    for period in ("2023", "2024", "2020-2025"):
        data = chart_data(district_secretary.get(f"/org/thanh-hoa/?period={period}"))
        for name, choices in (("by_category", OccupationCategory.choices), ("by_sector", Organization.Sector.choices),
                              ("by_age_band", AdmissionCredit.AgeBand.choices), ("by_gender", Gender.choices)):
            for key, colour in colour_by_key(data, name, choices).items():
                assert colour == CHART_COLOURS[name][key]
                assert seen.setdefault((name, key), colour) == colour
        assert len(data["colours"]["pipeline"]) == len(data["pipeline"])
    assert len({key for name, key in seen if name == "by_category"}) >= 3  # the demo has several occupations


def test_the_charts_count_people_in_whole_numbers_and_list_their_legend_under_the_chart():
    script = (STATIC / "js" / "dashboard.js").read_text()
    assert "Chart.defaults.scales.linear.ticks.precision = 0" in script
    assert "Chart.defaults.scales.linear.beginAtZero = true" in script
    assert "legend: { display: false }" in script and "chart-legend" in script  # the list, not the canvas's legend
    assert "data.colours" in script


def test_the_units_table_says_it_can_be_sorted(district_secretary):
    html = district_secretary.get("/org/thanh-hoa/?period=2023").content.decode()
    assert 'id="sort-hint"' in html
    assert 'class="table table-sm table-hover sortable mb-0" id="children"' in html
    css = (STATIC / "css" / "app.css").read_text()
    assert re.search(r"table\.sortable th:not\(\[aria-sort\]\)::after \{ content: \" ⇅\"", css)


def test_on_a_phone_each_unit_is_a_card_with_its_figure_and_status(district_secretary):
    response = district_secretary.get("/org/thanh-hoa/?period=2023")
    html = response.content.decode()
    children = response.context["data"]["children"]
    cards = html[html.index('id="children-cards"'):]
    cards = cards[: cards.index("</ul>")]
    items = re.findall(r'<li class="card mb-2 status-([a-z_]+)">(.*?)</li>', cards, re.S)
    assert len(items) == len(children) > 5
    for (status, body), child in zip(items, children):
        assert status == child["status"] and child["name"] in body
        assert f"{child['admitted']} / " in body and 'class="badge' in body
    # The table is for wider screens (and paper); the cards for phones only.
    assert 'class="table-responsive d-none d-md-block d-print-block"' in html
    assert 'class="list-unstyled d-md-none d-print-none mb-0" id="children-cards"' in html


def test_the_period_picker_wraps_instead_of_running_off_a_phone(district_secretary):
    html = district_secretary.get("/org/thanh-hoa/").content.decode()
    assert re.search(r'<form method="get" class="d-flex flex-wrap gap-2 d-print-none"[^>]*id="period-picker"', html)
    assert 'class="form-select w-auto mw-100"' in html


def test_a_cells_page_says_nothing_about_units_targets(district_secretary):
    cell = Organization.objects.get(code="tan-dong-ap-1")
    response = district_secretary.get(f"/org/{cell.code}/?period=2023")
    html = response.content.decode()
    assert response.status_code == 200 and not response.context["data"]["children"]
    assert 'id="units-targets"' not in html and "Tổng chỉ tiêu của các đơn vị trực thuộc" not in html
    district = district_secretary.get("/org/thanh-hoa/?period=2023").content.decode()
    assert 'id="units-targets"' in district and "Tổng chỉ tiêu của các đơn vị trực thuộc" in district


def test_a_committee_without_units_hides_the_line_too(client, db):
    lonely = OrganizationFactory(code="h-trong", name="Huyện Trống", kind=Organization.Kind.DISTRICT)
    user = UserFactory()
    role(user, lonely, role="viewer")
    client.force_login(user)
    html = client.get("/org/h-trong/").content.decode()
    assert "Huyện Trống" in html and 'id="units-targets"' not in html
