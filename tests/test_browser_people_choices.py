"""Choosing a cell, a mentor and the list's organization in a real browser (Debian's chromium, headless): cells under
their committee, the chosen cell's full members first as mentors, the organization by name (issue 22)."""
import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone

from candidates.models import Candidate, PartyMember
from cells.models import Organization

from .factories import OrganizationFactory, UserFactory, role

CHROMIUM = Path("/usr/bin/chromium")

# serialized_rollback: start from the migrated data (the rule sets) even after another test flushed it.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("Chromium is missing: .ci/run must install the chromium package before the tests.")
    pytestmark.append(pytest.mark.skip(reason="needs Debian's chromium (apt-get install chromium)"))

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {
        "executable_path": str(CHROMIUM),
        "args": ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"],
    }


@pytest.fixture
def commune():
    district = OrganizationFactory(code="huyen-chon", name="Đảng bộ huyện Chọn", kind=Organization.Kind.DISTRICT)
    commune = OrganizationFactory(
        code="xa-chon", name="Đảng bộ xã Chọn", kind=Organization.Kind.GRASSROOTS_COMMITTEE, parent=district,
        sector=Organization.Sector.COMMUNE,
    )
    one = OrganizationFactory(code="xa-chon-ap-1", name="Chi bộ ấp Một", kind=Organization.Kind.CELL, parent=commune)
    two = OrganizationFactory(code="xa-chon-ap-2", name="Chi bộ ấp Hai", kind=Organization.Kind.CELL, parent=commune)
    PartyMember.objects.create(full_name="Trần Văn Giới", organization=one, full_member_on=datetime.date(2012, 3, 1))
    PartyMember.objects.create(full_name="Lê Thị An", organization=two, full_member_on=datetime.date(2011, 3, 1))
    PartyMember.objects.create(full_name="Võ Văn Bé", organization=two, admitted_on=datetime.date(2025, 3, 1))
    staff = UserFactory(username="staff.chon")
    role(staff, district, role="staff")
    return commune


def log_in(page, live_server):
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "staff.chon")
    page.fill("#id_password", "secret-pass-123")
    page.click("button[type=submit]")


def mentors_offered(page) -> list[str]:
    return page.eval_on_selector_all("#id_mentors option", "options => options.map(o => o.textContent)")


def test_choosing_a_cell_offers_its_full_members_first_as_mentors(page, live_server, commune):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/candidates/new/")
    assert mentors_offered(page) == ["Lê Thị An", "Võ Văn Bé", "Trần Văn Giới"]  # by given name: An, Bé, Giới
    page.select_option("#id_home_cell", label="Đảng bộ xã Chọn › Chi bộ ấp Một")
    assert mentors_offered(page) == ["Trần Văn Giới", "Lê Thị An", "Võ Văn Bé"]
    page.select_option("#id_home_cell", label="Đảng bộ xã Chọn › Chi bộ ấp Hai")
    assert mentors_offered(page) == ["Lê Thị An", "Võ Văn Bé", "Trần Văn Giới"]  # Bé is on probation: no mentor yet


def test_a_searched_cell_shows_its_committee_and_brings_its_members_first(page, live_server, commune, monkeypatch):
    from tracker import widgets

    monkeypatch.setattr(widgets, "SEARCH_ABOVE", 0)  # the live server runs in this process
    log_in(page, live_server)
    page.goto(f"{live_server.url}/candidates/new/")
    page.fill("#id_full_name", "Lê Văn Chọn")
    page.fill("#id_date_of_birth", "02/03/1999")
    page.select_option("#id_gender", "male")
    page.select_option("#id_education_level", "university")
    page.select_option("#id_occupation_category", "teacher")
    page.click("#id_home_cell-ts-control")
    page.keyboard.type("ấp Mộ")
    page.click(".ts-dropdown .option:has-text('Đảng bộ xã Chọn › Chi bộ ấp Một')")
    page.click("#id_mentors-ts-control")
    page.keyboard.type("Văn")
    page.wait_for_selector("#id_mentors-ts-dropdown .option:has-text('Võ Văn Bé')")
    offered = page.eval_on_selector_all("#id_mentors-ts-dropdown .option", "options => options.map(o => o.textContent)")
    assert offered[0].startswith("Trần Văn Giới")  # the chosen cell's full member before Bé
    page.click("#id_mentors-ts-dropdown .option:has-text('Trần Văn Giới')")
    page.keyboard.press("Escape")
    page.fill("#id_sourced_on", timezone.localdate().strftime("%d/%m/%Y"))
    page.click("main form button[type=submit]")
    page.wait_for_selector("#candidate-name")
    saved = Candidate.objects.get(full_name="Lê Văn Chọn")
    assert saved.home_cell.code == "xa-chon-ap-1" and [m.full_name for m in saved.mentors.all()] == ["Trần Văn Giới"]


def test_the_list_is_filtered_by_an_organization_found_by_name(page, live_server, commune, monkeypatch):
    from tracker import widgets

    monkeypatch.setattr(widgets, "SEARCH_ABOVE", 0)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/candidates/")
    page.click("#id_org-ts-control")
    page.keyboard.type("xã Chọn")
    page.click(".ts-dropdown .option:has-text('Đảng bộ xã Chọn (xa-chon)')")
    page.click("main form button[type=submit]")
    page.wait_for_url("**org=xa-chon**")
