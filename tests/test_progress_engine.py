import datetime
import json

from django.db import connection

from candidates.models import AdmissionCredit, Gender, OccupationCategory, Stage
from cells import services
from tracker.periods import parse_period, year_period
from tracker.models import PipelineSnapshot, ProgressSnapshot
from tracker.progress import figures_select, pace_status, percent, pipeline_select
from tracker.selectors import fresh_figures
from tracker.services import pipeline_recompute, snapshots_recompute

from .factories import CandidateFactory, admit, walk_to

TODAY = datetime.date(2026, 11, 26)


def figures(org, key="2023", today=TODAY):
    return fresh_figures([org], parse_period(key), today)[org.pk]


def test_percent_has_one_decimal_and_no_target_means_no_plan():
    assert percent(60, 75) == 80.0
    assert percent(21, 15) == 140.0
    assert percent(1, 3) == 33.3
    assert percent(5, None) is None


def test_subtree_sums_and_childrens_targets_beside_the_own_target(tree):
    services.target_set(organization=tree["district"], year=2023, count=10)
    services.target_set(organization=tree["commune"], year=2023, count=4)
    services.target_set(organization=tree["school"], year=2023, count=3)
    admit(tree["cell_a"], datetime.date(2023, 3, 1))
    admit(tree["cell_b"], datetime.date(2023, 4, 1))
    admit(tree["school"], datetime.date(2023, 5, 1))
    data = figures(tree["district"])
    assert (data["admitted"], data["target"], data["percent"]) == (3, 10, 30.0)
    assert data["children_target"] == 7
    assert {row["org"]: (row["admitted"], row["target"]) for row in data["children"]} == {"c": (2, 4), "s": (1, 3)}


def test_breakdowns_by_category_gender_age_sector_and_month(tree):
    admit(tree["cell_a"], datetime.date(2023, 3, 1), OccupationCategory.TEACHER, date_of_birth=datetime.date(1990, 1, 1))
    admit(tree["school"], datetime.date(2023, 3, 9), OccupationCategory.HIGH_SCHOOL_STUDENT,
          date_of_birth=datetime.date(2005, 1, 1), gender=Gender.FEMALE)
    admit(tree["cell_b"], datetime.date(2023, 7, 1), OccupationCategory.RESIDENT, date_of_birth=datetime.date(1970, 1, 1))
    data = figures(tree["district"])
    assert data["by_category"] == {"teacher": 1, "high_school_student": 1, "resident": 1}
    assert data["by_gender"] == {"male": 2, "female": 1}
    assert data["by_age_band"] == {"30_45": 1, "under_30": 1, "over_45": 1}
    assert data["by_sector"] == {"other": 2, "school": 1}
    assert data["by_month"] == {"2023-03": 2, "2023-07": 1}


def test_a_term_period_spans_years(tree, terms):
    admit(tree["cell_a"], datetime.date(2020, 2, 1))
    admit(tree["cell_a"], datetime.date(2025, 6, 30))
    admit(tree["cell_a"], datetime.date(2025, 7, 1))
    term = figures(tree["commune"], "2020-2025")
    assert term["admitted"] == 2
    # A term's months, 60 or more, are counted in the same pass as its total.
    assert term["by_month"] == {"2020-02": 1, "2025-06": 1}
    assert figures(tree["commune"], "2025-2030")["admitted"] == 1


def test_missing_targets_raise_a_no_plan_alert_not_an_error(tree):
    data = figures(tree["district"], "2026")  # a running period: an ended one can no longer be planned
    assert data["target"] is None and data["percent"] is None and data["status"] == "no_plan"
    assert {alert["org"] for alert in data["alerts"] if alert["kind"] == "no_plan"} == {"d", "c", "s"}


def test_moved_and_deactivated_organizations_keep_their_past_figures(tree):
    admit(tree["cell_a"], datetime.date(2023, 3, 1))
    services.organization_move(organization=tree["school"], new_parent=tree["district"], effective_on=datetime.date(2024, 1, 1))
    services.organization_deactivate(organization=tree["commune"], effective_on=datetime.date(2024, 1, 1))
    data = figures(tree["district"])
    assert data["admitted"] == 1
    assert [row["org"] for row in data["children"] if not row["is_active"]] == ["c"]
    # A closed unit with nothing in the period is left out of that period's table.
    assert [row["org"] for row in figures(tree["district"], "2024")["children"]] == ["s"]


def test_pace_status_on_track_behind_and_done():
    period = year_period(2026)
    assert pace_status(5, 10, period, datetime.date(2026, 7, 1)) == ("on_track", 5.0)
    assert pace_status(3, 10, period, datetime.date(2026, 7, 1))[0] == "behind"
    assert pace_status(10, 10, period, datetime.date(2026, 7, 1))[0] == "done"
    assert pace_status(3, None, period, datetime.date(2026, 7, 1)) == ("no_plan", None)


def test_completing_the_plan_early_records_the_date(tree):
    services.target_set(organization=tree["commune"], year=2023, count=2)
    admit(tree["cell_a"], datetime.date(2023, 3, 1))
    admit(tree["cell_b"], datetime.date(2023, 5, 20))
    admit(tree["cell_b"], datetime.date(2023, 9, 1))
    data = figures(tree["commune"], "2023", today=datetime.date(2023, 10, 1))
    assert data["status"] == "done"
    assert data["completed_on"] == "2023-05-20"
    assert data["completed_early"] is True


def test_a_target_of_zero_is_reached_on_the_first_admission_and_no_target_is_never_reached(tree):
    services.target_set(organization=tree["cell_a"], year=2023, count=0)
    admit(tree["cell_a"], datetime.date(2023, 4, 2))
    admit(tree["cell_a"], datetime.date(2023, 6, 3))
    admit(tree["cell_b"], datetime.date(2023, 2, 1))
    assert figures(tree["cell_a"], "2023", today=datetime.date(2023, 10, 1))["completed_on"] == "2023-04-02"
    without_plan = figures(tree["cell_b"], "2023", today=datetime.date(2023, 10, 1))
    assert (without_plan["admitted"], without_plan["target"], without_plan["completed_on"]) == (1, None, None)


def test_the_plan_is_completed_on_the_day_of_the_admission_that_reaches_it_and_not_before_it_is_reached(tree):
    services.target_set(organization=tree["commune"], year=2023, count=3)
    services.target_set(organization=tree["cell_b"], year=2023, count=3)
    services.target_set(organization=tree["cell_a"], year=2023, count=3)
    for day in ("2023-09-01", "2023-07-07", "2023-03-01", "2023-05-20"):  # entered out of order
        admit(tree["cell_b"], datetime.date.fromisoformat(day))
    admit(tree["cell_a"], datetime.date(2023, 5, 20))
    admit(tree["cell_a"], datetime.date(2023, 5, 20))
    today = datetime.date(2023, 10, 1)
    assert figures(tree["cell_b"], "2023", today=today)["completed_on"] == "2023-07-07"
    reached_not = figures(tree["cell_a"], "2023", today=today)
    assert (reached_not["admitted"], reached_not["target"], reached_not["completed_on"]) == (2, 3, None)
    # The commune's third admission is one of three the same day; counted from its credits, and added up.
    snapshots_recompute(period=year_period(2023))
    counted = ProgressSnapshot.objects.get(organization=tree["commune"], period_key="2023")
    assert (counted.admitted, counted.completed_on) == (6, datetime.date(2023, 5, 20))
    assert figures(tree["commune"], "2023", today=today)["completed_on"] == "2023-05-20"


def test_pipeline_counts_by_stage_roll_up_the_subtree(tree):
    CandidateFactory(home_cell=tree["cell_a"])
    applied = CandidateFactory(home_cell=tree["cell_b"])
    walk_to(applied, Stage.APPLIED, datetime.date(2023, 2, 1))
    data = figures(tree["district"])
    assert data["pipeline"]["sourced"] == 1
    assert data["pipeline"]["applied"] == 1
    assert data["pipeline_total"] == 2


def test_a_pipeline_too_small_for_the_remaining_target_raises_a_source_gap_alert(tree):
    services.target_set(organization=tree["commune"], year=2026, count=5)
    data = figures(tree["commune"], "2026")
    assert data["source_gap"] is True
    assert data["alerts"][0]["kind"] == "source_gap" and data["alerts"][0]["missing"] == 5.0


def test_credits_carry_the_breakdown_keys_of_the_admission(tree):
    admission = admit(tree["school"], datetime.date(2023, 3, 1), OccupationCategory.TEACHER)
    keys = set(AdmissionCredit.objects.filter(admission=admission).values_list("category", "sector", "organization__code"))
    assert keys == {("teacher", "school", "s"), ("teacher", "school", "d")}


def test_the_demo_forecast_uses_the_previous_years_conversion_rates(db):
    from cells.models import Organization

    data = figures(Organization.objects.get(code="thanh-hoa"), "2026")
    assert data["admitted"] <= data["forecast"] <= data["admitted"] + data["pipeline_total"]


def test_a_stage_nobody_was_admitted_from_gives_a_zero_rate_not_an_error(tree):
    from tracker.progress import conversion_rates

    # 2016–2018 hold only this person, who applied and went no further.
    walk_to(CandidateFactory(home_cell=tree["cell_a"], sourced_on=datetime.date(2017, 1, 5)), Stage.APPLIED, datetime.date(2017, 3, 1))
    rates = conversion_rates(parse_period("2019"))
    assert rates.share == {Stage.SOURCED: 0.0, Stage.TRAINED: 0.0, Stage.APPLIED: 0.0}
    assert rates.days == {}


def test_rates_are_the_share_admitted_later_and_their_mean_wait_per_stage(tree):
    from tracker.progress import conversion_rates

    walk_to(CandidateFactory(home_cell=tree["cell_a"], sourced_on=datetime.date(2017, 1, 5)), Stage.APPLIED, datetime.date(2017, 3, 1))
    admit(tree["cell_b"], datetime.date(2018, 3, 20))  # sourced on 1 March, every later step on the 20th
    admit(tree["cell_b"], datetime.date(2018, 5, 11))  # sourced on 1 May
    rates = conversion_rates(parse_period("2019"))
    assert rates.share[Stage.SOURCED] == rates.share[Stage.APPLIED] == 2 / 3
    assert rates.share[Stage.VERIFIED] == 1.0
    assert rates.days[Stage.SOURCED] == (19 + 10) / 2
    assert rates.days[Stage.APPLIED] == 0.0


def test_deleting_an_organization_deletes_its_snapshots(tree):
    from tracker.models import ProgressSnapshot
    from tracker.services import snapshots_recompute

    snapshots_recompute(period=year_period(2023), organization_ids=[tree["cell_b"].pk, tree["commune"].pk])
    cell_id = tree["cell_b"].pk
    assert ProgressSnapshot.objects.filter(organization_id=cell_id).exists()
    tree["cell_b"].delete()
    assert not ProgressSnapshot.objects.filter(organization_id=cell_id).exists()
    assert ProgressSnapshot.objects.filter(organization=tree["commune"]).exists()


def test_figures_select_counts_what_the_recompute_stores(tree):
    services.target_set(organization=tree["commune"], year=2023, count=1)
    admit(tree["cell_a"], datetime.date(2023, 3, 1), OccupationCategory.TEACHER)
    admit(tree["school"], datetime.date(2023, 7, 9))
    walk_to(CandidateFactory(home_cell=tree["cell_b"]), Stage.APPLIED, datetime.date(2023, 2, 1))
    period = year_period(2023)
    snapshots_recompute(period=period)
    pipeline_recompute()
    stored = {
        row.organization_id: (row.admitted, row.target, row.completed_on, row.breakdowns)
        for row in ProgressSnapshot.objects.filter(period_key="2023")
    }
    selected = _rows(*figures_select(period))
    assert len(selected) == len(stored) and stored[tree["commune"].pk][:3] == (1, 1, datetime.date(2023, 3, 1))
    for row in selected:
        assert stored[row["organization_id"]] == (
            row["admitted"], row["target"], _date(row["completed_on"]), _json(row["breakdowns"])
        )
    stored_pipelines = {row.organization_id: (row.by_stage, row.total) for row in PipelineSnapshot.objects.all()}
    selected = _rows(*pipeline_select())
    assert len(selected) == len(stored_pipelines) and stored_pipelines[tree["commune"].pk] == ({"applied": 1}, 1)
    for row in selected:
        assert stored_pipelines[row["organization_id"]] == (_json(row["by_stage"]), row["total"])


def _rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def _date(value):
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value  # SQLite gives text


def _json(value):
    return json.loads(value) if isinstance(value, str) else value
