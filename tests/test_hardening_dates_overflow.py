"""A date stored at the calendar's end (31/12/9999, written past the forms, as old data or a restore may
hold) never breaks a page: the working-day arithmetic stops at the calendar's last day."""
import datetime

import pytest
from django.utils.translation import gettext as _

from candidates import rules, services
from candidates.models import Admission, DossierDocument, PartyMember, Stage, StageEvent
from cells.models import Organization
from tracker.periods import add_months

from .factories import CandidateFactory, admit, walk_to

D = datetime.date
END = datetime.date.max  # 31/12/9999


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    return client


def cell():
    return Organization.objects.get(code="tan-dong-ap-1")


def pages(candidate) -> dict[str, str]:
    return {
        "candidate": f"/candidates/{candidate.pk}/",
        "dossier": f"/candidates/{candidate.pk}/dossier/",
        "deadlines": "/candidates/deadlines/",
        "deadlines of the commune": "/candidates/deadlines/?org=tan-dong",
        "overdue": "/candidates/?overdue=1",
        "dashboard": "/org/thanh-hoa/",
    }


def test_the_working_day_arithmetic_stops_at_the_calendars_last_day(db):
    assert rules.add_working_days(END, 30) == END
    assert rules.add_working_days(D(9999, 12, 1), 30) == END
    assert rules.add_working_days(D(9999, 12, 1), 1) == D(9999, 12, 2)
    assert add_months(END, 12) == END
    assert add_months(D(9999, 2, 28), 10) == D(9999, 12, 28)
    assert add_months(D(1, 1, 31), -1) == datetime.date.min


def test_a_cell_resolution_stored_on_31_12_9999_breaks_no_page(staff):
    candidate = walk_to(CandidateFactory(home_cell=cell(), full_name="Người Năm 9999"), Stage.CELL_RESOLUTION, D(2024, 3, 1))
    StageEvent.objects.filter(candidate=candidate, stage=Stage.CELL_RESOLUTION).update(occurred_on=END)
    for name, url in pages(candidate).items():
        assert staff.get(url).status_code == 200, name
    detail = staff.get(f"/candidates/{candidate.pk}/").context["deadline"]
    assert (detail.what, detail.due_on, detail.overdue) == (_("Admission decision"), END, False)
    assert candidate.pk not in [c.pk for c in staff.get("/candidates/?overdue=1").context["page"]]
    assert candidate.pk not in [d.candidate.pk for d in staff.get("/candidates/deadlines/").context["deadlines"]]


def test_a_decision_stored_on_31_12_9999_breaks_no_page(staff):
    candidate = walk_to(CandidateFactory(home_cell=cell()), Stage.COMMITTEE_RESOLUTION, D(2024, 3, 1))
    admission = services.admission_record(
        candidate=candidate, cell=candidate.home_cell, decision_number="99-QĐ", decision_date=D(2024, 3, 20)
    )
    Admission.objects.filter(pk=admission.pk).update(decision_date=END)
    StageEvent.objects.filter(candidate=candidate, stage=Stage.DECIDED).update(occurred_on=END)
    for name, url in pages(candidate).items():
        assert staff.get(url).status_code == 200, name
    assert staff.get(f"/candidates/{candidate.pk}/").context["deadline"].due_on == END


def test_a_probation_ending_on_31_12_9999_breaks_no_page(staff):
    admission = admit(cell(), D(2025, 3, 3))
    Admission.objects.filter(pk=admission.pk).update(admitted_on=END, probation_ends_on=END)
    for name, url in pages(admission.candidate).items():
        assert staff.get(url).status_code == 200, name
    assert "31/12/9999" in staff.get(f"/candidates/{admission.candidate.pk}/").content.decode()


def test_an_introducer_whose_membership_is_stored_on_31_12_9999_gets_the_rules_message(staff):
    candidate = walk_to(CandidateFactory(home_cell=cell()), Stage.VERIFIED, D(2024, 3, 1))
    member = PartyMember.objects.create(full_name="Đảng viên lỗi ngày", organization=cell(), full_member_on=D(2010, 1, 1))
    PartyMember.objects.filter(pk=member.pk).update(full_member_on=END)
    services.dossier_add(candidate=candidate, form_code="3-KNĐ", received_on=D(2024, 3, 2), introducer=member)
    response = staff.post(
        f"/candidates/{candidate.pk}/step/",
        {"stage": Stage.CELL_RESOLUTION, "occurred_on": "05/03/2024", "votes_for": "3", "members_total": "3"},
    )
    assert response.status_code == 400
    assert response.context["step_form"].errors["occurred_on"] == [
        _("%(member)s has not been a full member for %(months)d months when introducing.")
        % {"member": "Đảng viên lỗi ngày", "months": 12}
    ]
    assert DossierDocument.objects.filter(candidate=candidate, form_code="6-KNĐ").count() == 0
