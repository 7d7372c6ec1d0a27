import datetime

import pytest
from django.core.exceptions import ValidationError

from candidates import rules
from candidates.models import DayOff, EducationLevel, RuleSet, Stage
from candidates.services import admission_record, candidate_advance, dossier_add

from .factories import CandidateFactory, admit, party_member, walk_to

D = datetime.date


def at_verified(cell, **fields):
    candidate = CandidateFactory(home_cell=cell, sourced_on=D(2026, 1, 5), **fields)
    return walk_to(candidate, Stage.VERIFIED, D(2026, 3, 2))


def vote(candidate, on=D(2026, 4, 1), votes_for=3, members_total=3, **extra):
    return candidate_advance(
        candidate=candidate, stage=Stage.CELL_RESOLUTION, occurred_on=on, votes_for=votes_for,
        members_total=members_total, **extra,
    )


def introduce(candidate, member_since=D(2010, 1, 1), on=D(2026, 3, 20)):
    dossier_add(candidate=candidate, form_code="3-KNĐ", received_on=on, introducer=party_member(candidate.home_cell, member_since))


def test_the_rule_set_is_chosen_by_the_date_of_the_step(db):
    assert RuleSet.in_force_on(D(2023, 5, 1)).code == "24-QĐ/TW"
    assert RuleSet.in_force_on(D(2025, 3, 1)).code == "232-QĐ/TW"
    assert RuleSet.in_force_on(D(2025, 6, 30)).code == "232-QĐ/TW"
    assert RuleSet.in_force_on(D(2025, 7, 1)).code == "294-QĐ/TW"


def test_a_changed_rule_set_applies_from_its_date_only(tree):
    RuleSet.objects.filter(code="294-QĐ/TW").update(vote_numerator=3, vote_denominator=4)
    early = at_verified(tree["cell_a"])
    introduce(early)
    with pytest.raises(ValidationError, match="3/4"):
        vote(early, votes_for=2, members_total=3)


def test_ages_are_counted_in_months_at_the_date_of_the_vote(tree):
    assert rules.age_in_months(D(2008, 4, 2), D(2026, 4, 1)) == 18 * 12 - 1
    assert rules.age_in_months(D(2008, 4, 1), D(2026, 4, 1)) == 18 * 12
    too_young = at_verified(tree["cell_a"], date_of_birth=D(2008, 4, 2))
    introduce(too_young)
    with pytest.raises(ValidationError, match="17 tuổi 11 tháng"):
        vote(too_young)
    just_18 = at_verified(tree["cell_b"], date_of_birth=D(2008, 4, 1))
    introduce(just_18)
    assert vote(just_18).stage == Stage.CELL_RESOLUTION


def test_over_60_needs_the_higher_committees_approval(tree):
    older = at_verified(tree["cell_a"], date_of_birth=D(1965, 1, 1))
    introduce(older)
    with pytest.raises(ValidationError, match="phê duyệt của cấp ủy cấp trên"):
        vote(older)
    assert vote(older, approval_reference="Công văn 12-CV/HU").approval_reference == "Công văn 12-CV/HU"


def test_lower_secondary_education_at_least(tree):
    candidate = at_verified(tree["cell_a"], education_level=EducationLevel.PRIMARY)
    introduce(candidate)
    with pytest.raises(ValidationError, match="Trung học cơ sở"):
        vote(candidate)


def test_the_introducer_must_be_a_full_member_of_twelve_months(tree):
    candidate = at_verified(tree["cell_a"])
    introduce(candidate, member_since=D(2025, 6, 1), on=D(2026, 3, 20))
    with pytest.raises(ValidationError, match="chưa đủ 12 tháng"):
        vote(candidate)


def test_no_vote_without_an_introduction(tree):
    with pytest.raises(ValidationError, match="3-KNĐ"):
        vote(at_verified(tree["cell_a"]))


@pytest.mark.parametrize(
    "votes_for, members_total, passes", [(2, 3, True), (6, 9, True), (5, 9, False), (13, 20, False), (14, 20, True), (4, 3, False)]
)
def test_the_cell_resolution_needs_two_thirds_of_the_full_members(tree, votes_for, members_total, passes):
    candidate = at_verified(tree["cell_a"])
    introduce(candidate)
    if passes:
        assert vote(candidate, votes_for=votes_for, members_total=members_total).votes_for == votes_for
    else:
        with pytest.raises(ValidationError):
            vote(candidate, votes_for=votes_for, members_total=members_total)


def test_steps_follow_the_procedure_in_order(tree):
    candidate = CandidateFactory(home_cell=tree["cell_a"])
    with pytest.raises(ValidationError, match="không thể tiếp sau"):
        candidate_advance(candidate=candidate, stage=Stage.VERIFIED, occurred_on=D(2023, 3, 1))
    assert rules.next_stages(Stage.SOURCED) == [Stage.TRAINED, Stage.DROPPED]
    assert rules.next_stages(Stage.PROBATIONARY) == [Stage.FULL_MEMBER, Stage.NOT_CONFIRMED]
    assert rules.next_stages(Stage.FULL_MEMBER) == []


def test_an_admission_needs_the_committee_resolution_first(tree):
    candidate = at_verified(tree["cell_a"])
    with pytest.raises(ValidationError):
        admission_record(candidate=candidate, cell=tree["cell_a"], decision_number="1", decision_date=D(2026, 5, 1))


def test_working_days_skip_weekends_and_lunar_tet(db):
    # Tết 2026: 16–20 February (Monday to Friday).
    assert rules.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 23)
    assert rules.add_working_days(D(2026, 2, 12), 30) == D(2026, 4, 2)


def test_days_off_added_by_an_admin_are_skipped(db):
    DayOff.objects.create(date=D(2026, 3, 2), name="Nghỉ bù")
    assert rules.add_working_days(D(2026, 2, 27), 1) == D(2026, 3, 3)


def test_the_ceremony_is_due_within_30_working_days_of_the_decision(tree):
    candidate = walk_to(CandidateFactory(home_cell=tree["cell_a"], sourced_on=D(2026, 1, 5)), Stage.COMMITTEE_RESOLUTION, D(2026, 1, 20))
    admission_record(candidate=candidate, cell=tree["cell_a"], decision_number="7-QĐ/HU", decision_date=D(2026, 2, 12))
    [deadline] = rules.deadlines(tree["cell_a"].candidates.all(), today=D(2026, 4, 6))
    assert deadline.due_on == D(2026, 4, 2) and deadline.overdue
    assert rules.deadlines(tree["cell_a"].candidates.all(), today=D(2026, 2, 13)) == []  # not due soon yet


def test_probation_lasts_twelve_months_and_the_review_is_due_30_working_days_after(tree):
    admission = admit(tree["cell_a"], D(2025, 9, 15))
    assert admission.probation_ends_on == D(2026, 9, 15)
    [deadline] = rules.deadlines(tree["cell_a"].candidates.all(), today=D(2026, 10, 20))
    assert deadline.due_on == rules.add_working_days(D(2026, 9, 15), 30)


def test_the_checklist_shows_what_is_missing(tree):
    candidate = at_verified(tree["cell_a"])
    items = {item.code: item for item in rules.checklist(candidate)}
    assert items["1-KNĐ"].document is not None  # filed with the application step
    assert items["3-KNĐ"].document is None and items["3-KNĐ"].needed_now
    assert not items["9-KNĐ"].needed_now
    assert "4-KNĐ" not in items  # not a youth-union candidate


def test_an_emptied_rule_table_falls_back_to_the_default_rule_sets(db):
    RuleSet.objects.all().delete()
    assert RuleSet.in_force_on(D(2026, 1, 1)).code == "294-QĐ/TW"
    assert RuleSet.in_force_on(D(2015, 1, 1)).code == "29-QĐ/TW"
    assert RuleSet.objects.count() == 4


def test_a_list_of_deadlines_reads_the_days_off_once_per_year_not_once_per_person(tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for day in (D(2025, 3, 3), D(2025, 4, 7), D(2025, 6, 2), D(2025, 9, 15)):
        admit(tree["cell_a"], day)
    with CaptureQueriesContext(connection) as queries:
        found = rules.deadlines(tree["cell_a"].candidates.all(), today=D(2026, 12, 1), soon_days=400)
    assert len(found) == 4
    assert sum("candidates_dayoff" in query["sql"] for query in queries.captured_queries) == 1  # reviews all fall in 2026
