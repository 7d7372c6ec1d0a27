"""Issue 22: the dossier checklist says what is missing for the next step; the probation's papers
(10- to 13-KNĐ) fall due when the probation ends, not at the ceremony."""
import datetime
import re

import pytest
from django.utils import timezone

from candidates import rules
from candidates.models import Stage
from candidates.services import candidate_advance, dossier_add

from .factories import CandidateFactory, UserFactory, admit, role, walk_to

PROBATION_FORMS = ["10-KNĐ", "11-KNĐ", "12-KNĐ", "13-KNĐ"]


def statuses(candidate, **kwargs):
    return {item.code: item.status for item in rules.checklist(candidate, **kwargs)}


def page_statuses(client, candidate):
    """The checklist on the candidate page: form code → data-status of its row."""
    html = client.get(f"/candidates/{candidate.pk}/").content.decode()
    table = html[html.index('id="checklist"'):]
    table = table[: table.index("</table>")]
    return dict(
        (code, status) for status, code in re.findall(r'data-status="([a-z_]+)">\s*<td>([0-9]+-KNĐ)</td>', table)
    )


@pytest.fixture
def staff_client(client, tree):
    user = UserFactory()
    role(user, tree["district"], role="staff")
    client.force_login(user)
    return client


def test_right_after_the_ceremony_the_probation_forms_are_not_yet_due(tree, staff_client):
    today = timezone.localdate()
    admission = admit(tree["cell_a"], today - datetime.timedelta(days=10))
    candidate = admission.candidate
    candidate.refresh_from_db()
    assert candidate.stage == Stage.PROBATIONARY
    items = {item.code: item for item in rules.checklist(candidate, admission, today)}
    for code in PROBATION_FORMS:
        assert items[code].status == "not_yet_due" and not items[code].needed_now
        assert items[code].due_on == admission.probation_ends_on
    # The ceremony's own forms are due (and were filed on the way).
    assert items["9-KNĐ"].status == "in"
    shown = page_statuses(staff_client, candidate)
    assert {code: shown[code] for code in PROBATION_FORMS} == dict.fromkeys(PROBATION_FORMS, "not_yet_due")
    html = staff_client.get(f"/candidates/{candidate.pk}/").content.decode()
    assert admission.probation_ends_on.strftime("%d/%m/%Y") in html  # when they fall due


def test_once_the_probation_has_ended_the_missing_probation_forms_are_missing(tree, staff_client):
    today = timezone.localdate()
    admission = admit(tree["cell_a"], today - datetime.timedelta(days=400))
    candidate = admission.candidate
    candidate.refresh_from_db()
    assert admission.probation_ends_on <= today
    assert {code: statuses(candidate, today=today)[code] for code in PROBATION_FORMS} == dict.fromkeys(PROBATION_FORMS, "missing")
    dossier_add(candidate=candidate, form_code="10-KNĐ", received_on=today)
    shown = page_statuses(staff_client, candidate)
    assert shown["10-KNĐ"] == "in" and shown["11-KNĐ"] == "missing" and shown["13-KNĐ"] == "missing"


def test_the_day_before_the_probation_ends_they_are_still_not_yet_due(tree):
    today = timezone.localdate()
    admission = admit(tree["cell_a"], today - datetime.timedelta(days=200))
    candidate = admission.candidate
    candidate.refresh_from_db()
    the_eve = admission.probation_ends_on - datetime.timedelta(days=1)
    assert statuses(candidate, admission=admission, today=the_eve)["12-KNĐ"] == "not_yet_due"
    assert statuses(candidate, admission=admission, today=admission.probation_ends_on)["12-KNĐ"] == "missing"


def test_the_checklist_shows_missing_for_the_next_step_and_later_forms_as_not_yet_due(tree, staff_client):
    on = timezone.localdate() - datetime.timedelta(days=30)
    candidate = CandidateFactory(home_cell=tree["cell_a"], sourced_on=on)
    for stage in (Stage.TRAINED, Stage.APPLIED, Stage.VERIFIED):
        candidate_advance(candidate=candidate, stage=stage, occurred_on=on)
    candidate.refresh_from_db()
    # Next: the cell's resolution, which needs the introduction (3-), the summary (5-) and the resolution (6-KNĐ).
    shown = page_statuses(staff_client, candidate)
    assert shown["1-KNĐ"] == "in"
    assert shown["2-KNĐ"] == "missing"  # needed by a step already recorded: still missing
    assert shown["3-KNĐ"] == shown["5-KNĐ"] == shown["6-KNĐ"] == "missing"
    assert shown["8-KNĐ"] == shown["9-KNĐ"] == "not_yet_due"
    assert all(shown[code] == "not_yet_due" for code in PROBATION_FORMS)
    assert "4-KNĐ" not in shown  # a resident: introduced by a member, not a union


def test_after_the_decision_only_the_ceremony_is_next_and_the_probation_forms_wait(tree):
    on = timezone.localdate() - datetime.timedelta(days=20)
    candidate = walk_to(CandidateFactory(home_cell=tree["cell_a"], sourced_on=on), Stage.COMMITTEE_RESOLUTION, on)
    from candidates.services import admission_record

    admission_record(candidate=candidate, cell=tree["cell_a"], decision_number="QĐ-1", decision_date=on)
    candidate.refresh_from_db()
    found = statuses(candidate)
    assert candidate.stage == Stage.DECIDED and found["9-KNĐ"] == "in"
    assert all(found[code] == "not_yet_due" for code in PROBATION_FORMS)
    assert all(item.due_on is None for item in rules.checklist(candidate) if item.code in PROBATION_FORMS)


def test_someone_who_left_the_pipeline_has_nothing_missing(tree, staff_client):
    on = timezone.localdate() - datetime.timedelta(days=5)
    candidate = CandidateFactory(home_cell=tree["cell_a"], sourced_on=on)
    candidate_advance(candidate=candidate, stage=Stage.DROPPED, occurred_on=on)
    candidate.refresh_from_db()
    shown = page_statuses(staff_client, candidate)
    assert shown and set(shown.values()) == {"not_needed"}
