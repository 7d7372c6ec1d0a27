import datetime

import pytest
from django.core.exceptions import ValidationError

from candidates.models import Stage
from cells import services
from cells.models import Organization
from tracker.periods import year_period
from tracker.progress import admitted_count

from .factories import CandidateFactory, OrganizationFactory, admit

Kind = Organization.Kind
Y2023 = year_period(2023)
Y2024 = year_period(2024)


def test_a_cell_cannot_have_organizations_under_it(tree):
    with pytest.raises(ValidationError, match="chi bộ không có tổ chức trực thuộc"):
        OrganizationFactory(kind=Kind.CELL, parent=tree["cell_a"])


def test_a_grassroots_committee_must_sit_under_a_district_or_province(tree):
    with pytest.raises(ValidationError, match="không thể trực thuộc"):
        OrganizationFactory(kind=Kind.GRASSROOTS_COMMITTEE, parent=tree["commune"])
    with pytest.raises(ValidationError, match="không thể ở cấp cao nhất"):
        OrganizationFactory(kind=Kind.GRASSROOTS_COMMITTEE)


def test_communes_can_sit_directly_under_a_province_after_2025(db):
    province = OrganizationFactory(kind=Kind.PROVINCE)
    commune = OrganizationFactory(kind=Kind.GRASSROOTS_COMMITTEE, parent=province)
    assert Organization.objects.get_parent(commune) == province


def test_codes_are_unique(tree):
    with pytest.raises(ValidationError):
        OrganizationFactory(code="c-a", kind=Kind.CELL, parent=tree["commune"])


def test_the_tree_has_any_depth_and_subtree_queries_follow_it(tree):
    sub = OrganizationFactory(kind=Kind.SUB_COMMITTEE, parent=tree["commune"])
    deep = OrganizationFactory(kind=Kind.CELL, parent=sub)
    assert set(tree["district"].subtree()) == {
        tree["district"], tree["commune"], tree["cell_a"], tree["cell_b"], tree["school"], sub, deep
    }
    assert deep.depth == 4


def test_admissions_count_for_the_cell_and_every_ancestor(tree):
    admit(tree["cell_a"], datetime.date(2023, 5, 2))
    admit(tree["cell_b"], datetime.date(2023, 6, 2))
    admit(tree["school"], datetime.date(2023, 7, 2))
    assert admitted_count(tree["cell_a"], Y2023) == 1
    assert admitted_count(tree["commune"], Y2023) == 2
    assert admitted_count(tree["district"], Y2023) == 3


def test_moving_a_subtree_keeps_past_figures_and_credits_later_ones_to_the_new_parent(tree):
    other = OrganizationFactory(code="c2", kind=Kind.GRASSROOTS_COMMITTEE, parent=tree["district"])
    admit(tree["cell_a"], datetime.date(2023, 5, 2))
    admit(tree["cell_a"], datetime.date(2024, 5, 2))

    services.organization_move(organization=tree["cell_a"], new_parent=other, effective_on=datetime.date(2024, 1, 1))

    assert Organization.objects.get_parent(Organization.objects.get(code="c-a")) == other
    assert admitted_count(tree["commune"], Y2023) == 1
    assert admitted_count(other, Y2023) == 0
    assert admitted_count(tree["commune"], Y2024) == 0
    assert admitted_count(other, Y2024) == 1
    assert admitted_count(tree["district"], Y2023) == 1
    assert admitted_count(tree["district"], Y2024) == 1


def test_moving_an_organization_under_its_own_unit_is_refused(tree):
    with pytest.raises(ValidationError, match="trực thuộc chính nó"):
        services.organization_move(
            organization=tree["commune"], new_parent=tree["cell_a"], effective_on=datetime.date(2024, 1, 1)
        )


def test_moving_a_cell_to_the_top_of_the_tree_is_refused(tree):
    with pytest.raises(ValidationError, match="không thể ở cấp cao nhất"):
        services.organization_move(organization=tree["cell_a"], new_parent=None, effective_on=datetime.date(2024, 1, 1))


def test_deactivating_keeps_the_history_of_figures(tree):
    admit(tree["cell_a"], datetime.date(2023, 5, 2))
    services.organization_deactivate(organization=tree["commune"], effective_on=datetime.date(2024, 1, 1))
    assert not Organization.objects.get(code="c-a").is_active
    assert Organization.objects.get(code="c").deactivated_on == datetime.date(2024, 1, 1)
    assert admitted_count(tree["district"], Y2023) == 1
    assert admitted_count(tree["commune"], Y2023) == 1


def test_deactivating_a_cell_with_people_in_the_pipeline_is_refused(tree):
    CandidateFactory(home_cell=tree["cell_a"])
    with pytest.raises(ValidationError, match="còn 1 quần chúng trong nguồn"):
        services.organization_deactivate(organization=tree["cell_a"], effective_on=datetime.date(2024, 1, 1))


def test_merging_two_cells_moves_the_pipeline_and_never_double_counts(tree):
    admit(tree["cell_a"], datetime.date(2023, 5, 2))
    admit(tree["cell_b"], datetime.date(2023, 6, 2))
    admit(tree["cell_a"], datetime.date(2024, 9, 2))
    waiting = CandidateFactory(home_cell=tree["cell_a"])

    services.organization_merge(source=tree["cell_a"], into=tree["cell_b"], effective_on=datetime.date(2024, 7, 1))

    cell_a = Organization.objects.get(code="c-a")
    assert not cell_a.is_active and cell_a.merged_into == tree["cell_b"]
    waiting.refresh_from_db()
    assert waiting.home_cell == tree["cell_b"] and waiting.stage == Stage.SOURCED
    assert admitted_count(cell_a, Y2023) == 1
    assert admitted_count(tree["cell_b"], Y2023) == 1
    assert admitted_count(tree["cell_b"], Y2024) == 1
    assert admitted_count(tree["commune"], Y2023) == 2
    assert admitted_count(tree["commune"], Y2024) == 1
    assert admitted_count(tree["district"], Y2024) == 1


def test_merging_organizations_of_different_kinds_is_refused(tree):
    with pytest.raises(ValidationError, match="cùng loại"):
        services.organization_merge(source=tree["school"], into=tree["cell_a"], effective_on=datetime.date(2024, 1, 1))


def test_admissions_need_an_active_cell(tree):
    with pytest.raises(ValidationError, match="không phải là chi bộ"):
        admit(tree["commune"], datetime.date(2023, 5, 2))


def test_a_person_cannot_be_admitted_twice(tree):
    admission = admit(tree["cell_a"], datetime.date(2023, 5, 2))
    from candidates.services import admission_record

    with pytest.raises(ValidationError, match="đã được kết nạp rồi"):
        admission_record(
            candidate=admission.candidate, cell=tree["cell_a"], decision_number="2",
            decision_date=datetime.date(2023, 6, 1),
        )


def test_every_change_to_an_organization_is_in_its_history(tree, django_user_model):
    user = django_user_model.objects.create(username="editor")
    services.organization_move(
        organization=tree["school"], new_parent=tree["district"], effective_on=datetime.date(2024, 1, 1), acting_user=user
    )
    latest = Organization.objects.get(code="s").history.first()
    assert latest.history_user == user
    assert "moved" in latest.history_change_reason
