"""The recompute after a change adds up the units' snapshots; it must agree with counting the admissions."""
import datetime

import pytest
from django.apps import apps as django_apps

from cells import services as cell_services
from cells.models import Organization
from tracker import progress
from tracker.models import PipelineSnapshot, ProgressSnapshot
from tracker.periods import parse_period
from tracker.services import pipeline_recompute, pipeline_refresh, snapshots_recompute, snapshots_refresh

from .factories import CandidateFactory, admit

TODAY = datetime.date(2026, 11, 26)
REFORM = datetime.date(2025, 7, 1)


def base_figures(period):
    return {
        row.organization_id: (row.admitted, row.target, row.completed_on, row.breakdowns)
        for row in ProgressSnapshot.objects.filter(period_key=period.key)
    }


def counted_and_added(period):
    """(figures counted from the admissions, the same figures added up from the units)."""
    ids = list(Organization.objects.values_list("pk", flat=True))
    snapshots_recompute(period=period)
    counted = base_figures(period)
    # Spoil the committees' rows: what the refresh writes must come from the units alone.
    ProgressSnapshot.objects.exclude(organization__kind__in=["cell", "grassroots_cell"]).update(
        admitted=999_999, breakdowns={}, completed_on=None
    )
    snapshots_refresh(period=period, organization_ids=ids)
    return counted, base_figures(period)


@pytest.mark.parametrize("key, some_completed", [("2023", True), ("2026", True), ("2020-2025", True), ("2025-2030", False)])
def test_adding_up_the_units_gives_the_counted_figures(db, key, some_completed):
    period = parse_period(key)
    committees = Organization.objects.exclude(kind__in=["cell", "grassroots_cell"])
    assert all(progress.can_roll_up(org, period) for org in committees)
    counted, added = counted_and_added(period)
    assert added == counted
    # Where some reached their target, the completion days are compared too.
    assert any(row[2] for row in counted.values()) is some_completed


def test_after_a_move_the_old_and_new_parents_are_counted_again(db):
    district = Organization.objects.get(code="thanh-hoa")
    tan_dong, tan_tay = Organization.objects.get(code="tan-dong"), Organization.objects.get(code="tan-tay")
    cell = Organization.objects.get_children(tan_tay).first()
    admit(cell, datetime.date(2025, 3, 1))
    cell_services.organization_move(organization=cell, new_parent=tan_dong, effective_on=REFORM)
    moved = {org.code: org for org in Organization.objects.filter(code__in=["tan-dong", "tan-tay", "thanh-hoa"])}
    assert moved["tan-dong"].restructured_on == moved["tan-tay"].restructured_on == REFORM
    assert not progress.can_roll_up(moved["tan-tay"], parse_period("2025"))
    assert progress.can_roll_up(moved["tan-tay"], parse_period("2026"))
    counted, added = counted_and_added(parse_period("2025"))
    assert added == counted
    assert counted[tan_tay.pk][0] >= 1  # the March admission stays with Tân Tây
    assert district.pk in counted


def test_the_migration_finds_moves_made_before_it(db):
    from importlib import import_module

    tan_dong, tan_tay = Organization.objects.get(code="tan-dong"), Organization.objects.get(code="tan-tay")
    cell = Organization.objects.get_children(tan_tay).first()
    admit(cell, datetime.date(2025, 3, 1))
    cell_services.organization_move(organization=cell, new_parent=tan_dong, effective_on=REFORM)
    Organization.objects.update(restructured_on=None)
    import_module("cells.migrations.0003_restructured_on").mark_past_moves(django_apps, None)
    marked = dict(Organization.objects.exclude(restructured_on=None).values_list("code", "restructured_on"))
    assert set(marked) >= {"tan-dong", "tan-tay"}
    assert all(day > datetime.date(2025, 3, 1) for day in marked.values())


def test_a_unit_without_a_snapshot_is_counted_before_it_is_added_up(db):
    period = parse_period("2023")
    snapshots_recompute(period=period)
    counted = base_figures(period)
    tan_dong = Organization.objects.get(code="tan-dong")
    cell = Organization.objects.get_children(tan_dong).first()
    admit(cell, datetime.date(2023, 5, 2))
    ProgressSnapshot.objects.filter(organization=cell).delete()
    snapshots_refresh(period=period, organization_ids=[tan_dong.pk])
    after = base_figures(period)
    assert after[cell.pk][0] == counted[cell.pk][0] + 1
    assert after[tan_dong.pk][0] == counted[tan_dong.pk][0] + 1


def test_adding_up_a_lineage_costs_the_same_queries_however_many_ancestors(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    period = parse_period("2025-2030")  # no target reached: no completion day to look up
    snapshots_recompute(period=period)
    cell = Organization.objects.filter(kind="cell").order_by("-depth").first()
    lineage = list(Organization.objects.filter(path__in=cell.lineage_paths()).order_by("-depth"))
    assert len(lineage) >= 3  # the cell, its committee and at least one above

    def queries(organizations):
        with CaptureQueriesContext(connection) as captured:
            snapshots_refresh(period=period, organization_ids=[org.pk for org in organizations])
        return len(captured)

    assert queries(lineage) == queries(lineage[:2])


def pipelines():
    return {row.organization_id: (row.by_stage, row.total) for row in PipelineSnapshot.objects.all()}


def test_adding_up_the_pipelines_gives_the_counted_ones_once_for_every_period(db):
    commune = Organization.objects.get(code="tan-dong")
    ids = list(Organization.objects.values_list("pk", flat=True))
    pipeline_recompute()
    counted = pipelines()
    assert len(counted) == len(ids) and counted[commune.pk][1] > 1
    PipelineSnapshot.objects.exclude(organization__kind__in=["cell", "grassroots_cell"]).update(by_stage={}, total=0)
    PipelineSnapshot.objects.filter(organization=commune).delete()
    assert pipeline_refresh(organization_ids=ids) == len(ids)
    assert pipelines() == counted


def test_a_unit_without_a_pipeline_row_is_counted_before_it_is_added_up(db):
    pipeline_recompute()
    tan_dong = Organization.objects.get(code="tan-dong")
    cell = Organization.objects.get_children(tan_dong).first()
    before = pipelines()
    CandidateFactory(home_cell=cell)
    PipelineSnapshot.objects.filter(organization=cell).delete()
    pipeline_refresh(organization_ids=[tan_dong.pk])
    after = pipelines()
    assert after[cell.pk][1] == before[cell.pk][1] + 1
    assert after[tan_dong.pk][1] == before[tan_dong.pk][1] + 1


def test_adding_up_a_lineages_pipelines_costs_the_same_queries_however_many_ancestors(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pipeline_recompute()
    cell = Organization.objects.filter(kind="cell").order_by("-depth").first()
    lineage = list(Organization.objects.filter(path__in=cell.lineage_paths()).order_by("-depth"))
    assert len(lineage) >= 3

    def queries(organizations):
        with CaptureQueriesContext(connection) as captured:
            pipeline_refresh(organization_ids=[org.pk for org in organizations])
        return len(captured)

    assert queries(lineage) == queries(lineage[:2])
