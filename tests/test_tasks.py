import datetime
import os

import pytest
from django.db import connection
from kombu.exceptions import OperationalError

from cells.models import Organization
from tracker import tasks
from tracker.models import PendingRecompute, PipelineSnapshot, ProgressSnapshot
from tracker.periods import year_period
from tracker.selectors import figures_for

from .factories import OrganizationFactory, admit, nightly_plan

TODAY = datetime.date(2026, 11, 26)


def snapshot(code, key):
    return ProgressSnapshot.objects.get(organization__code=code, period_key=key)


def test_an_admission_recomputes_the_cell_and_every_ancestor_on_commit(tree, django_capture_on_commit_callbacks):
    figures_for(tree["district"], year_period(2023), TODAY)
    assert snapshot("d", "2023").admitted == 0
    with django_capture_on_commit_callbacks(execute=True):
        admit(tree["cell_a"], datetime.date(2023, 5, 1))
    for code in ("d", "c", "c-a"):
        assert snapshot(code, "2023").admitted == 1
    assert not PendingRecompute.objects.exists()


def test_many_changes_in_one_transaction_queue_one_recompute(tree, django_capture_on_commit_callbacks, monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.recompute_pending, "delay", lambda: calls.append(1))
    with django_capture_on_commit_callbacks(execute=True):
        admit(tree["cell_a"], datetime.date(2023, 5, 1))
        admit(tree["cell_b"], datetime.date(2023, 6, 1))
    assert len(calls) == 1
    pending = set(PendingRecompute.objects.values_list("organization_id", flat=True))
    assert pending >= {tree["cell_a"].pk, tree["cell_b"].pk, tree["district"].pk}
    assert tasks.recompute_pending() > 0  # one job takes everything
    assert not PendingRecompute.objects.exists() and tasks.recompute_pending() == 0


def test_a_rolled_back_change_does_not_stop_later_ones_from_queueing(tree, django_capture_on_commit_callbacks, monkeypatch):
    from django.db import transaction

    calls = []
    monkeypatch.setattr(tasks.recompute_pending, "delay", lambda: calls.append(1))
    with pytest.raises(RuntimeError), transaction.atomic():
        admit(tree["cell_a"], datetime.date(2023, 5, 1))
        raise RuntimeError("the change fails")
    with django_capture_on_commit_callbacks(execute=True):
        admit(tree["cell_b"], datetime.date(2023, 6, 1))
    assert calls == [1]


def test_saving_still_works_when_the_broker_is_down(tree, django_capture_on_commit_callbacks, monkeypatch):
    figures_for(tree["district"], year_period(2023), TODAY)

    def broker_down():
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.recompute_pending, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        admission = admit(tree["cell_a"], datetime.date(2023, 5, 1))
    assert admission.pk
    old = figures_for(tree["district"], year_period(2023), TODAY)
    assert old.stale and old.data["admitted"] == 0  # old figures, marked as such
    tasks.recompute_all()  # the nightly job catches up
    fresh = figures_for(tree["district"], year_period(2023), TODAY)
    assert not fresh.stale and fresh.data["admitted"] == 1


def _base_figures(row):
    pipeline = PipelineSnapshot.objects.get(organization_id=row.organization_id)
    return (row.admitted, row.target, row.completed_on, row.breakdowns, pipeline.by_stage, pipeline.total)


def test_the_recompute_is_idempotent(tree):
    admit(tree["cell_a"], datetime.date(2026, 5, 1))
    tasks.recompute_pending()
    first = _base_figures(snapshot("d", "2026"))
    for _ in range(2):
        PendingRecompute.objects.create(organization=tree["cell_a"])
        written = tasks.recompute_pending()
        lineage = {"organization__code__in": ["d", "c", "c-a"]}
        # Each period's snapshots of the lineage, and its pipelines once.
        assert written == ProgressSnapshot.objects.filter(**lineage).count() + PipelineSnapshot.objects.filter(**lineage).count()
        assert PipelineSnapshot.objects.filter(**lineage).count() == 3
    assert _base_figures(snapshot("d", "2026")) == first
    assert first[0] == 1
    assert ProgressSnapshot.objects.filter(organization__code="d", period_key="2026").count() == 1


def test_the_nightly_recompute_covers_every_organization(db):
    tasks.recompute_all()
    assert ProgressSnapshot.objects.filter(period_key=str(datetime.date.today().year)).count() == Organization.objects.count()
    assert snapshot("thanh-hoa", "2025-2030").admitted > 0


def test_the_nightly_schedule_is_in_the_database(db):
    from django_celery_beat.models import PeriodicTask

    nightly = PeriodicTask.objects.get(task="tracker.tasks.recompute_all")
    assert nightly.enabled and nightly.crontab.hour == "1"


@pytest.mark.slow
@pytest.mark.real_worker
@pytest.mark.skipif(not os.environ.get("CI_REAL_WORKER"), reason="needs the real Celery worker that .ci/run starts")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_recomputes_the_figures():
    import time

    today = datetime.date.today()
    district = OrganizationFactory(kind=Organization.Kind.DISTRICT)
    cell = OrganizationFactory(kind=Organization.Kind.GRASSROOTS_CELL, parent=district)
    admit(cell, today)  # committed: its job is queued on the broker and the worker takes it
    counted = ProgressSnapshot.objects.filter(organization=district, period_key=str(today.year), admitted=1)
    deadline = time.monotonic() + 60
    while not counted.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert counted.exists() and not PendingRecompute.objects.exists()
    # Jobs store no result (nothing reads one); this test asks for one.
    assert tasks.recompute_pending.apply_async(ignore_result=False).get(timeout=60) == 0  # nothing left for a second job


def test_a_recompute_that_fails_midway_leaves_the_previous_figures(tree, monkeypatch):
    from django.db import IntegrityError

    from tracker import progress

    figures_for(tree["district"], year_period(2023), TODAY)
    admit(tree["cell_a"], datetime.date(2023, 5, 1))
    real_statement = progress.recompute_statement

    def fails_on_the_cells_row(*args, **kwargs):
        statement, params = real_statement(*args, **kwargs)
        # The cell's row breaks a constraint after the others were computed: the whole statement fails.
        broken = statement.replace(
            "SELECT s.id AS organization_id, coalesce(t.n, 0) AS admitted,",
            f"SELECT s.id AS organization_id, CASE WHEN s.id = {tree['cell_a'].pk} THEN -1 ELSE coalesce(t.n, 0) END AS admitted,",
        )
        assert broken != statement
        return broken, params

    monkeypatch.setattr(progress, "recompute_statement", fails_on_the_cells_row)
    with pytest.raises(IntegrityError):
        tasks.recompute_pending()
    old = figures_for(tree["district"], year_period(2023), TODAY)
    assert old.data["admitted"] == 0 and old.stale  # the old, marked figures: nothing half-written
    assert PendingRecompute.objects.filter(organization=tree["cell_a"]).exists()  # taken back for the next job
    assert not ProgressSnapshot.objects.filter(organization__code="c-a", period_key="2023").exists()


def test_the_nightly_check_rewrites_only_changed_rows_and_pages_date_their_figures_by_it(tree, monkeypatch):
    from django.utils import timezone

    from tracker.models import PeriodCheck
    from tracker.services import pipeline_checked_at

    period = year_period(2023)
    monkeypatch.setattr(tasks, "_periods_to_refresh", lambda ids, today: [period])
    tasks.recompute_all()
    first_check = PeriodCheck.objects.get(period_key="2023").checked_at
    school_at = snapshot("s", "2023").computed_at
    monkeypatch.setattr(tasks.recompute_pending, "delay", lambda: None)  # the change waits for the night
    admit(tree["cell_a"], datetime.date(2023, 5, 1))

    assert tasks.recompute_all() == 3  # the cell, the commune and the district; nothing else changed
    check = PeriodCheck.objects.get(period_key="2023")
    assert check.checked_at > first_check
    assert snapshot("s", "2023").computed_at == school_at  # untouched
    assert snapshot("c-a", "2023").computed_at == check.checked_at and snapshot("c-a", "2023").admitted == 1
    # The school's figures are as of the last check, not as of the day they were last different: of
    # its pipeline's check, the older of the two, as the job counts the pipelines first.
    school = figures_for(tree["school"], period, TODAY)
    assert first_check < school.computed_at == pipeline_checked_at() <= check.checked_at <= timezone.now()
    assert tasks.recompute_all() == 0


def test_a_nightly_check_after_a_day_without_changes_rewrites_no_row(tree):
    # The statement compares the figures it counts, as JSON text, with the text of the stored rows:
    # keys of several lengths, months, categories and stages check that both are written alike.
    from candidates.models import OccupationCategory, Stage

    from tracker.services import period_check, pipeline_check, pipeline_recompute, snapshots_recompute

    from .factories import CandidateFactory, walk_to

    period = year_period(2023)
    admit(tree["cell_a"], datetime.date(2023, 3, 1), OccupationCategory.TEACHER)
    admit(tree["cell_a"], datetime.date(2023, 11, 9), OccupationCategory.UNIVERSITY_STUDENT)
    admit(tree["cell_b"], datetime.date(2023, 5, 1), gender="female")
    walk_to(CandidateFactory(home_cell=tree["cell_b"]), Stage.APPLIED, datetime.date(2023, 2, 1))
    walk_to(CandidateFactory(home_cell=tree["cell_b"]), Stage.VERIFIED, datetime.date(2023, 2, 1))
    snapshots_recompute(period=period)
    pipeline_recompute()
    assert len(snapshot("d", "2023").breakdowns) > 8
    assert PipelineSnapshot.objects.get(organization=tree["district"]).by_stage == {"applied": 1, "verified": 1}

    assert period_check(period=period) == 0
    assert pipeline_check() == 0


def test_the_nightly_check_takes_the_snapshots_statistics_again_before_comparing_with_them(tree):
    # Planned from statistics taken before a period's rows were written, the comparison with the
    # stored rows went from seconds to a nested loop of every row against every row (bench/README.md).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tracker.services import period_check

    with CaptureQueriesContext(connection) as captured:
        period_check(period=year_period(2023))
    statements = [query["sql"] for query in captured]
    analyzed = next(i for i, sql in enumerate(statements) if sql.startswith(f"ANALYZE {ProgressSnapshot._meta.db_table}"))
    compared = next(i for i, sql in enumerate(statements) if sql.lstrip().startswith("INSERT INTO tracker_progresssnapshot"))
    assert analyzed < compared
    if connection.vendor == "postgresql":  # from a small sample: a country's full one took a tenth of the check
        sampled = next(i for i, sql in enumerate(statements) if "'default_statistics_target', '10'" in sql)
        assert sampled == analyzed - 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index scans are PostgreSQL's (CI's second run)")
def test_the_nightly_check_reads_only_its_periods_stored_rows_on_postgresql(tree):
    # Each night checks every period kept; reading every period's rows to compare one made each check
    # longer with every year kept (bench/README.md, session 11).
    from tracker.services import snapshots_recompute

    for year in (2022, 2023, 2024):
        snapshots_recompute(period=year_period(year))
    assert "snapshots_of_a_period" in nightly_plan(year_period(2023))  # an index scan, or a bitmap one


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index scans are PostgreSQL's (CI's second run)")
def test_the_nightly_check_reads_only_its_periods_credits_on_postgresql(tree):
    # Reading every year's credits to count one year's made each check longer with every year kept
    # (bench/README.md, session 12).
    for year in range(2021, 2026):
        for cell in (tree["cell_a"], tree["cell_b"]):
            admit(cell, datetime.date(year, 6, 1))
    plan = nightly_plan(year_period(2023))
    assert "credits_of_a_day" in plan  # an index scan, or a bitmap one
    assert "Seq Scan on candidates_admissioncredit" not in plan


def test_the_forecast_follows_today_without_a_recompute(tree):
    from tracker.models import PeriodCheck

    from .factories import CandidateFactory, walk_to

    period = year_period(2026)
    # Everyone who reaches the committee's resolution is admitted, 30 days later on average.
    PeriodCheck.objects.create(
        period_key=period.key, rates={"share": {"committee_resolution": 1.0}, "days": {"committee_resolution": 30.0}}
    )
    walk_to(CandidateFactory(home_cell=tree["cell_a"], sourced_on=datetime.date(2026, 1, 5)), "committee_resolution",
            datetime.date(2026, 2, 1))
    tasks.recompute_pending()
    computed_at = snapshot("c", "2026").computed_at

    assert figures_for(tree["commune"], period, datetime.date(2026, 3, 1)).data["forecast"] == 1.0
    # Eleven days left of the thirty it usually takes: the same person now counts for 11/30.
    late = figures_for(tree["commune"], period, datetime.date(2026, 12, 20)).data
    assert late["forecast"] == round(11 / 30, 1) and late["pipeline_total"] == 1
    assert snapshot("c", "2026").computed_at == computed_at  # read-time arithmetic, no recompute


def test_a_recompute_job_uses_the_stored_rates_instead_of_learning_them(tree, monkeypatch, django_capture_on_commit_callbacks):
    from tracker import progress

    figures_for(tree["district"], year_period(2026), TODAY)  # learns and stores the rates once

    def scans_the_history(period):
        raise AssertionError("a recompute job scanned the steps history")

    monkeypatch.setattr(progress, "conversion_rates", scans_the_history)
    with django_capture_on_commit_callbacks(execute=True):
        admit(tree["cell_a"], datetime.date(2026, 5, 1))
    assert not PendingRecompute.objects.exists()
    assert figures_for(tree["district"], year_period(2026), TODAY).data["admitted"] == 1


def learnt_periods(monkeypatch) -> list[str]:
    """The periods whose conversion rates get learnt from now on (the real ones are learnt still)."""
    from tracker import progress

    learnt, learn = [], progress.conversion_rates

    def recording(period):
        learnt.append(period.key)
        return learn(period)

    monkeypatch.setattr(progress, "conversion_rates", recording)
    return learnt


def test_the_nightly_check_learns_no_rates_for_a_period_that_has_ended(tree, monkeypatch):
    from django.utils import timezone

    from tracker.models import PeriodCheck
    from tracker.services import period_check

    from .factories import CandidateFactory

    this_year = timezone.localdate().year
    CandidateFactory(home_cell=tree["cell_a"])  # someone in the pipeline, who could count towards a forecast
    learnt = learnt_periods(monkeypatch)
    period_check(period=year_period(this_year - 1))
    period_check(period=year_period(this_year))
    # An ended period forecasts nothing: learning its rates would read three years of steps for nothing.
    assert learnt == [str(this_year)]
    assert PeriodCheck.objects.get(period_key=str(this_year - 1)).rates == {"share": {}, "days": {}}
    data = figures_for(tree["commune"], year_period(this_year - 1), timezone.localdate()).data
    assert (data["pipeline_total"], data["forecast"], data["source_gap"]) == (1, 0.0, False)


def test_a_page_of_an_ended_period_nobody_checked_learns_no_rates(tree, monkeypatch):
    from django.utils import timezone

    learnt = learnt_periods(monkeypatch)
    today = timezone.localdate()
    assert figures_for(tree["district"], year_period(2023), today).data["admitted"] == 0
    assert figures_for(tree["district"], year_period(today.year + 1), today).data["admitted"] == 0
    assert learnt == [str(today.year + 1)]  # a period still to come forecasts from its rates
