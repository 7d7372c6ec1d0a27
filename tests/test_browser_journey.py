"""The organization-board staff journey in a real browser (Debian's chromium, headless)."""
import datetime
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from candidates.models import PartyMember
from cells import services as cell_services
from cells.models import Organization

from .factories import OrganizationFactory, UserFactory, role

CHROMIUM = Path("/usr/bin/chromium")

# serialized_rollback: start from the migrated data (the rule sets) even after another test flushed it.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

if not CHROMIUM.exists():
    # A newcomer's `make test` may lack chromium; CI installs it and must never skip this.
    if os.environ.get("CI"):
        raise RuntimeError("Chromium is missing: .ci/run must install the chromium package before the tests.")
    pytestmark.append(pytest.mark.skip(reason="needs Debian's chromium (apt-get install chromium)"))

# Playwright's sync API runs an event loop in the test thread; the test's own ORM calls (fixtures,
# the database flush) are safe. Tests that start subprocesses drop this variable from their environment.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {
        "executable_path": str(CHROMIUM),
        "args": ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"],
    }


@pytest.fixture
def commune():
    year = timezone.localdate().year
    district = OrganizationFactory(code="huyen-thu", name="Đảng bộ huyện Thử", kind=Organization.Kind.DISTRICT)
    commune = OrganizationFactory(
        code="xa-thu", name="Đảng bộ xã Thử", kind=Organization.Kind.GRASSROOTS_COMMITTEE, parent=district,
        sector=Organization.Sector.COMMUNE,
    )
    cell = OrganizationFactory(code="xa-thu-ap-1", name="Chi bộ ấp Một", kind=Organization.Kind.CELL, parent=commune)
    PartyMember.objects.create(full_name="Trần Văn Giới", organization=cell, full_member_on=datetime.date(2012, 3, 1))
    cell_services.target_set(organization=commune, year=year, count=2)
    staff = UserFactory(username="staff.thu", first_name="Cán bộ", last_name="Thử")
    role(staff, district, role="staff")
    return commune


def log_in_as_staff(page, live_server):
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "staff.thu")
    page.fill("#id_password", "secret-pass-123")
    page.click("button[type=submit]")


def fill_date(page, selector, day):
    page.fill(selector, day.strftime("%d/%m/%Y"))


def record_step(page, stage, day, **fields):
    page.select_option("#step-form #id_stage", stage)
    fill_date(page, "#step-form #id_occurred_on", day)
    for name, value in fields.items():
        page.fill(f"#step-form #id_{name}", value)
    page.click("#step-form button[type=submit]")
    page.wait_for_selector(".alert-success")


def test_staff_journey_from_sourcing_to_admission_raises_the_count(page, live_server, commune):
    year = timezone.localdate().year
    day = lambda month, d: datetime.date(year, month, d)  # noqa: E731
    log_in_as_staff(page, live_server)
    page.goto(f"{live_server.url}/org/xa-thu/")
    assert page.inner_text("#big-figure").startswith("0 / 2")

    # Add a candidate to the sourcing plan.
    page.goto(f"{live_server.url}/candidates/new/")
    page.fill("#id_full_name", "Nguyễn Thị Thanh Trúc")
    page.fill("#id_date_of_birth", "12/08/1998")
    page.select_option("#id_gender", "female")
    page.select_option("#id_education_level", "university")
    page.select_option("#id_occupation_category", "teacher")
    page.select_option("#id_home_cell", label="Đảng bộ xã Thử › Chi bộ ấp Một")
    fill_date(page, "#id_sourced_on", day(1, 5))
    page.click("main form button[type=submit]")
    page.wait_for_selector("#candidate-name")
    candidate_url = page.url

    # Record the awareness class: create it, add her, record a pass with its certificate.
    page.goto(f"{live_server.url}/candidates/classes/new/")
    page.fill("#id_name", "Lớp nhận thức đợt 1")
    page.select_option("#id_organizer", label="Đảng bộ huyện Thử")
    fill_date(page, "#id_start_date", day(2, 2))
    fill_date(page, "#id_end_date", day(2, 6))
    page.click("main form button[type=submit]")
    page.fill("input[name=q]", "Thanh Trúc")
    page.click("main form[method=get] button")
    page.click("form[action$='/enroll/'] button")
    page.wait_for_selector("#attendees select")
    page.select_option("#attendees select", "good")
    page.fill("#attendees input", "01/2026")
    page.click("#results-form button[type=submit]")
    page.wait_for_selector(".alert-success")

    # Advance through the steps on her page.
    page.goto(candidate_url)
    assert page.inner_text("#candidate-stage") == "Đã học lớp nhận thức về Đảng"
    record_step(page, "applied", day(3, 2))
    record_step(page, "verified", day(3, 16))
    page.select_option("#id_doc-form_code", "3-KNĐ")
    fill_date(page, "#id_doc-received_on", day(3, 20))
    page.select_option("#id_doc-introducer", label="Trần Văn Giới")
    page.click("#document-form button[type=submit]")
    page.wait_for_selector(".alert-success")
    record_step(page, "cell_resolution", day(4, 1), votes_for="8", members_total="9")
    record_step(page, "committee_resolution", day(4, 15))
    record_step(page, "decided", day(5, 4), document_number="45-QĐ/HU")
    record_step(page, "probationary", day(5, 19))
    assert page.inner_text("#candidate-stage") == "Đảng viên dự bị"

    # The commune's figure rose.
    page.goto(f"{live_server.url}/org/xa-thu/")
    assert re.match(r"1 / 2 = 50,0 %", page.inner_text("#big-figure"))


def test_a_cell_is_found_by_typing_when_the_scope_holds_too_many_for_a_list(page, live_server, commune, monkeypatch):
    from candidates.models import Candidate
    from tracker import widgets

    monkeypatch.setattr(widgets, "SEARCH_ABOVE", 0)  # the live server runs in this process
    log_in_as_staff(page, live_server)
    page.goto(f"{live_server.url}/candidates/new/")
    page.fill("#id_full_name", "Lê Văn Tìm")
    page.fill("#id_date_of_birth", "02/03/1999")
    page.select_option("#id_gender", "male")
    page.select_option("#id_education_level", "university")
    page.select_option("#id_occupation_category", "teacher")
    page.click("#id_home_cell-ts-control")
    page.keyboard.type("ấp Mộ")
    page.click(".ts-dropdown .option:has-text('Đảng bộ xã Thử › Chi bộ ấp Một')")
    fill_date(page, "#id_sourced_on", timezone.localdate())
    page.click("main form button[type=submit]")
    page.wait_for_selector("#candidate-name")
    assert Candidate.objects.get(full_name="Lê Văn Tìm").home_cell.code == "xa-thu-ap-1"


def test_an_admin_finds_the_parent_by_typing_when_organizations_are_many(page, live_server, commune, monkeypatch):
    from tracker import widgets

    monkeypatch.setattr(widgets, "SEARCH_ABOVE", 0)
    UserFactory(username="quantri.thu", is_staff=True, is_superuser=True)
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "quantri.thu")
    page.fill("#id_password", "secret-pass-123")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/cells/organization/add/")
    page.fill("#id_code", "xa-thu-ap-2")
    page.fill("#id_name", "Chi bộ ấp Hai")
    page.select_option("#id_kind", "cell")
    page.click("#id_parent-ts-control")  # the admin loads the script in the page's head, before the form
    page.keyboard.type("xã Thử")
    page.click(".ts-dropdown .option:has-text('Đảng bộ xã Thử (xa-thu)')")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    assert Organization.objects.get_parent(Organization.objects.get(code="xa-thu-ap-2")).code == "xa-thu"
