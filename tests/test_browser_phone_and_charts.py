"""Issue 22 in a real browser (Debian's chromium, headless): the dashboard on a phone (390 × 844) shows one card
per unit and nothing runs off the screen; the charts count in whole numbers, keep a colour per category and
list every occupation in their legend; the units' table says it sorts; the admin's parent field offers only
what the kind allows; the monthly report prints with its official heading. Screenshots are written to
$FINISH22_SHOTS (default /tmp/finish22-shots) to be looked at."""
import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone

from candidates.models import Gender, OccupationCategory
from cells import services as cell_services
from cells.models import Organization
from tracker.chart_colours import colour_of

from .factories import CandidateFactory, OrganizationFactory, UserFactory, admit, role
from .test_browser_journey import CHROMIUM, browser_type_launch_args  # noqa: F401 (the launch fixture)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("Chromium is missing: .ci/run must install the chromium package before the tests.")
    pytestmark.append(pytest.mark.skip(reason="needs Debian's chromium (apt-get install chromium)"))
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SHOTS = Path(os.environ.get("FINISH22_SHOTS", "/tmp/finish22-shots"))
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def district(db):
    """A district of four communes with long names, admissions of every occupation this year, and people waiting."""
    today = timezone.localdate()
    district = OrganizationFactory(code="huyen-dt", name="Đảng bộ huyện Điện Thoại", kind=Organization.Kind.DISTRICT)
    communes = []
    for number, name in enumerate(["Tân Đông Phước Hưng", "Thủy Đông Thạnh An", "Thạnh Phước Hòa Bình", "Thuận Nghĩa Hòa"]):
        commune = OrganizationFactory(
            code=f"xa-dt-{number}", name=f"Đảng bộ xã {name}", kind=Organization.Kind.GRASSROOTS_COMMITTEE,
            parent=district, sector=Organization.Sector.COMMUNE,
        )
        cell = OrganizationFactory(code=f"xa-dt-{number}-ap", name=f"Chi bộ ấp {number + 1}", kind=Organization.Kind.CELL,
                                   parent=commune)
        if number < 3:  # the fourth has no plan
            cell_services.target_set(organization=commune, year=today.year, count=[3, 2, 1][number])
        communes.append((commune, cell))
    cell_services.target_set(organization=district, year=today.year, count=9)
    categories = list(OccupationCategory.values)
    for index, category in enumerate(categories):
        _commune, cell = communes[index % 3]
        day = today - datetime.timedelta(days=3 + index * 9)
        if day.year != today.year:
            day = today.replace(month=1, day=2 + index)
        admit(cell, day, category=category, gender=Gender.FEMALE if index % 3 else Gender.MALE)
    for _commune, cell in communes:
        CandidateFactory(home_cell=cell, sourced_on=today - datetime.timedelta(days=20))
    staff = UserFactory(username="staff.dt")
    role(staff, district, role="staff")
    return district


def log_in(page, live_server, username="staff.dt"):
    page.set_default_timeout(20000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "secret-pass-123")
    page.click("button[type=submit]")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def test_on_a_phone_the_dashboard_shows_a_card_per_unit_and_nothing_runs_off_the_screen(page, live_server, district):
    page.set_viewport_size(PHONE)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/org/huyen-dt/")
    page.wait_for_selector("#children-cards")
    shot(page, "phone-dashboard.png")
    page.screenshot(path=str(SHOTS / "phone-dashboard-top.png"))  # what the screen shows first
    page.locator("#children-cards").screenshot(path=str(SHOTS / "phone-units.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not page.locator("#children").is_visible()  # the table is for wider screens
    cards = page.locator("#children-cards > li")
    assert cards.count() == 4
    for index in range(4):
        card = cards.nth(index)
        badge = card.locator(".badge").first
        assert badge.is_visible() and badge.bounding_box()["x"] + badge.bounding_box()["width"] <= PHONE["width"]
        assert " / " in card.inner_text()
    # The period picker and its buttons fit.
    for selector in ("#period-picker select", "#period-picker a"):
        for element in page.locator(selector).all():
            found = element.bounding_box()
            assert found["x"] >= 0 and found["x"] + found["width"] <= PHONE["width"], selector
    # No table of the page is wider than the screen.
    widest = page.evaluate(
        "Math.max(0, ...Array.from(document.querySelectorAll('table')).filter(t => t.offsetParent)"
        ".map(t => t.getBoundingClientRect().right))"
    )
    assert widest <= PHONE["width"]
    # The occupations' legend lists all eleven and stays inside its card.
    legend = page.locator("#chart-category").locator("xpath=../following-sibling::ul[1]")
    card = page.locator("#chart-category").locator("xpath=ancestor::div[contains(@class,'card')][1]").bounding_box()
    assert legend.locator("li").count() == 11
    for item in legend.locator("li").all():
        found = item.bounding_box()
        assert found["x"] >= card["x"] and found["x"] + found["width"] <= card["x"] + card["width"] + 0.5
        assert found["y"] + found["height"] <= card["y"] + card["height"] + 0.5


def test_the_monthly_report_fits_a_phone(page, live_server, district):
    page.set_viewport_size(PHONE)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/org/huyen-dt/report/")
    page.wait_for_selector("#report-heading")
    shot(page, "phone-report.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_charts_count_whole_people_keep_their_colours_and_show_every_legend(page, live_server, district):
    page.set_viewport_size({"width": 1280, "height": 1000})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/org/huyen-dt/")
    page.wait_for_function("typeof Chart !== 'undefined' && Chart.getChart('chart-pipeline')")
    shot(page, "desktop-dashboard.png")
    for canvas in ("chart-pipeline", "chart-monthly"):
        ticks = page.evaluate(f"Chart.getChart('{canvas}').scales.y.ticks.map(t => t.value)")
        assert ticks and all(float(value).is_integer() for value in ticks), (canvas, ticks)
        assert min(ticks) == 0
    # Women and men in their own colours, whichever comes first.
    labels = page.evaluate("Chart.getChart('chart-gender').data.labels")
    colours = page.evaluate("Chart.getChart('chart-gender').data.datasets[0].backgroundColor")
    expected = {str(Gender.FEMALE.label): colour_of("by_gender", "female"), str(Gender.MALE.label): colour_of("by_gender", "male")}
    assert dict(zip(labels, colours)) == expected
    assert not page.evaluate("Chart.getChart('chart-category').options.plugins.legend.display")
    legend = page.locator("#chart-category").locator("xpath=../following-sibling::ul[1]")
    assert legend.locator("li").count() == 11 and all(item.is_visible() for item in legend.locator("li").all())
    swatches = legend.locator(".chart-swatch").evaluate_all("s => s.map(e => getComputedStyle(e).backgroundColor)")
    assert len(set(swatches)) == 11
    # The units' table: every heading says it sorts; the one clicked says which way.
    after = "(th) => getComputedStyle(th, '::after').content"
    headings = page.locator("#children th")
    assert all("⇅" in headings.nth(i).evaluate(after) for i in range(headings.count()))
    assert page.locator("#sort-hint").is_visible()
    headings.nth(1).click()
    assert "▲" in headings.nth(1).evaluate(after) and "⇅" in headings.nth(0).evaluate(after)


def test_a_cells_dashboard_has_no_units_targets_line(page, live_server, district):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/org/xa-dt-0-ap/")
    page.wait_for_selector("#big-figure")
    assert page.locator("#units-targets").count() == 0
    page.goto(f"{live_server.url}/org/huyen-dt/")
    assert page.locator("#units-targets").is_visible()


def test_the_monthly_report_prints_with_its_official_heading(page, live_server, district):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/org/xa-dt-0/report/")
    page.emulate_media(media="print")
    page.wait_for_selector("#report-heading")
    shot(page, "print-report.png")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(SHOTS / "report.pdf"), format="A4")
    assert page.locator("#report-heading").is_visible() and page.locator("#report-signature").is_visible()
    assert not page.locator(".report-screen-title").is_visible()
    assert page.inner_text("#heading-superior") == "ĐẢNG BỘ HUYỆN ĐIỆN THOẠI"
    assert page.inner_text("#heading-own") == "ĐẢNG BỘ XÃ TÂN ĐÔNG PHƯỚC HƯNG"
    party = page.locator("#heading-party")
    assert "underline" in party.evaluate("e => getComputedStyle(e).textDecorationLine")
    left, right = box(page, "#heading-own"), box(page, "#heading-party")
    assert left["x"] + left["width"] <= right["x"] + 1  # side by side on paper
    assert not page.locator("nav.navbar").is_visible() and not page.locator("form[method=get]").first.is_visible()


def test_the_admin_offers_a_parent_the_chosen_kind_allows(page, live_server, district, monkeypatch):
    UserFactory(username="quantri.dt", is_staff=True, is_superuser=True)
    page.set_default_timeout(20000)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "quantri.dt")
    page.fill("#id_password", "secret-pass-123")
    page.click("input[type=submit]")
    # A plain list: the options the kind does not allow are hidden as the kind changes.
    page.goto(f"{live_server.url}/admin/cells/organization/add/")
    page.select_option("#id_kind", "cell")
    offered = page.locator("#id_parent option:not([hidden]):not([value=''])").evaluate_all("o => o.map(e => e.dataset.kind)")
    assert offered and set(offered) <= {"grassroots_committee", "sub_committee"}
    page.select_option("#id_kind", "grassroots_committee")
    offered = page.locator("#id_parent option:not([hidden]):not([value=''])").evaluate_all("o => o.map(e => e.dataset.kind)")
    assert set(offered) == {"district"}
    # Searching (too many for a list): the search asks for the kind too.
    from tracker import widgets

    monkeypatch.setattr(widgets, "SEARCH_ABOVE", 0)
    page.goto(f"{live_server.url}/admin/cells/organization/add/")
    page.fill("#id_code", "xa-dt-0-ap-2")
    page.fill("#id_name", "Chi bộ ấp Hai")
    page.select_option("#id_kind", "cell")
    page.click("#id_parent-ts-control")
    page.keyboard.type("Điện Thoại")
    page.wait_for_timeout(800)
    assert page.locator(".ts-dropdown .option:has-text('Đảng bộ huyện Điện Thoại')").count() == 0
    page.keyboard.press("Control+A")
    page.keyboard.type("Tân Đông")
    page.click(".ts-dropdown .option:has-text('Đảng bộ xã Tân Đông Phước Hưng (xa-dt-0)')")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    assert Organization.objects.get_parent(Organization.objects.get(code="xa-dt-0-ap-2")).code == "xa-dt-0"


def test_staff_take_an_attendee_off_a_class_and_still_save_the_others_results(page, live_server, district):
    from candidates.models import ClassAttendance
    from candidates.services import class_create, class_enroll

    klass = class_create(name="Lớp thử rút", organizer=district, start_date=datetime.date(2026, 3, 2),
                         end_date=datetime.date(2026, 3, 6))
    cell = Organization.objects.get(code="xa-dt-1-ap")
    leaving = class_enroll(awareness_class=klass, candidate=CandidateFactory(home_cell=cell, full_name="Lý Thị Rút"))
    staying = class_enroll(awareness_class=klass, candidate=CandidateFactory(home_cell=cell, full_name="Hồ Văn Ở"))
    log_in(page, live_server)
    page.goto(f"{live_server.url}/candidates/classes/{klass.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"button[name=attendance][value='{leaving.pk}']")
    page.wait_for_selector(".alert-success")
    assert not ClassAttendance.objects.filter(pk=leaving.pk).exists()
    assert "Lý Thị Rút" not in page.inner_text("#attendees")
    # The results form keeps its own button: Enter or Save saves the results, never a removal.
    page.select_option(f"select[name=result-{staying.pk}]", "good")
    page.fill(f"input[name=certificate-{staying.pk}]", "GCN-9")
    page.press(f"input[name=certificate-{staying.pk}]", "Enter")
    page.wait_for_selector(".alert-success")
    staying.refresh_from_db()
    assert (staying.result, staying.certificate_number) == ("good", "GCN-9")
