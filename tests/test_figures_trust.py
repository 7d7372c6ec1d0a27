"""Issue 22, figures people trust: a monthly report is the state at the end of its month, forecasts and
alerts speak of whole people, and the status is one a secretary would agree with."""
import datetime
import io
import re
from types import SimpleNamespace

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from candidates import services as candidate_services
from candidates.models import PIPELINE_STAGES, AdmissionCredit, Candidate, Stage, StageEvent
from cells import services as cell_services
from cells.models import Organization
from tracker import tasks
from tracker.models import PeriodCheck, ReportJob
from tracker.periods import add_months, parse_period, year_period
from tracker.progress import FORECAST_RANGE_BELOW, forecast_people, pace_status
from tracker.selectors import figures_as_of, figures_for, fresh_figures

from .factories import CandidateFactory, OrganizationFactory, UserFactory, admit, role, walk_to

JUNE_END = datetime.date(2023, 6, 30)


@pytest.fixture
def district_secretary(client, db):
    client.login(username="bithu.huyen", password="BiThuHuyen@2026")
    return client


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def on_day(monkeypatch, day):
    """Make `day` the pages' today."""
    monkeypatch.setattr(timezone, "localdate", lambda *args: day)


def credits_up_to(code, day, start=datetime.date(2023, 1, 1)):
    return AdmissionCredit.objects.filter(organization__code=code, admitted_on__gte=start, admitted_on__lte=day).count()


def pipeline_in_python(organization, day):
    """Who was in the pipeline at the end of `day`, by stage, worked out person by person from the steps."""
    order = list(Stage.values)  # procedural order, leaving last
    counts = {}
    people = Candidate.objects.filter(home_cell__path__startswith=organization.path)
    events = {}
    for candidate_id, stage in StageEvent.objects.filter(candidate__in=people, occurred_on__lte=day).values_list(
        "candidate_id", "stage"
    ):
        events.setdefault(candidate_id, []).append(stage)
    for stages in events.values():
        furthest = max(stages, key=order.index)
        if furthest in PIPELINE_STAGES:
            counts[furthest] = counts.get(furthest, 0) + 1
    return counts


def report_figures(response):
    return response.context["data"]


# 1. A monthly report is the state at the end of its month ---------------------------------------------


def test_a_past_months_report_counts_the_admissions_up_to_its_last_day_against_the_years_plan(district_secretary):
    response = district_secretary.get("/org/thanh-hoa/report/?month=2023-06")
    data = report_figures(response)
    up_to_june = credits_up_to("thanh-hoa", JUNE_END)
    assert 0 < up_to_june < 60
    assert (data["admitted"], data["target"]) == (up_to_june, 75)
    assert response.context["as_of"] == JUNE_END
    # The pace on 30/06/2023: 181 days of 365 call for ⌊75 × 181 / 365⌋ = 37 people.
    assert data["expected_people"] == 37
    assert data["status"] == pace_status(up_to_june, 75, year_period(2023), JUNE_END, ended=False)[0]
    body = response.content.decode()
    assert 'id="report-as-of"' in body and "30/06/2023" in body
    assert 'id="report-forecast"' not in body and data["forecast_text"] is None


def test_a_past_months_report_shows_the_pipeline_as_it_stood_then_from_the_steps(district_secretary):
    district = Organization.objects.get(code="thanh-hoa")
    data = report_figures(district_secretary.get("/org/thanh-hoa/report/?month=2023-06"))
    then = pipeline_in_python(district, JUNE_END)
    assert sum(then.values()) > 0
    assert {stage: count for stage, count in data["pipeline"].items() if count} == then
    assert data["pipeline_total"] == sum(then.values())
    today = figures_for(district, year_period(2023), timezone.localdate()).data
    assert data["pipeline"] != today["pipeline"]  # not who waits today
    # Each unit's pipeline is its own subtree's.
    for child in data["children"]:
        unit = Organization.objects.get(code=child["org"])
        assert child["pipeline_total"] == sum(pipeline_in_python(unit, JUNE_END).values()), child["org"]


def test_the_december_report_of_a_past_year_is_the_years_outcome_and_keeps_the_demo_figures(district_secretary):
    district = report_figures(district_secretary.get("/org/thanh-hoa/report/?month=2023-12"))
    assert (district["admitted"], district["target"], district["percent"]) == (60, 75, 80.0)
    assert district["status"] == "not_met"
    assert {"org": "thanh-hoa", "kind": "not_met", "missing": 15}.items() <= district["alerts"][0].items()
    assert not [alert for alert in district["alerts"] if alert["kind"] in ("no_plan", "source_gap")]
    tan_dong = report_figures(district_secretary.get("/org/tan-dong/report/?month=2023-12"))
    assert (tan_dong["admitted"], tan_dong["target"], tan_dong["status"]) == (4, 4, "done")
    school = report_figures(district_secretary.get("/org/thpt-thanh-hoa/report/?month=2023-12"))
    assert (school["admitted"], school["target"], school["status"]) == (3, 5, "not_met")


def test_the_current_months_report_is_as_of_today_with_the_forecast(district_secretary):
    today = timezone.localdate()
    response = district_secretary.get(f"/org/thanh-hoa/report/?month={today:%Y-%m}")
    data = report_figures(response)
    live = figures_for(Organization.objects.get(code="thanh-hoa"), year_period(today.year), today).data
    assert response.context["as_of"] is None
    assert (data["admitted"], data["pipeline_total"], data["status"]) == (live["admitted"], live["pipeline_total"], live["status"])
    assert data["forecast_text"] == live["forecast_text"] is not None
    assert 'id="report-forecast"' in response.content.decode()


def test_the_report_without_a_month_shows_the_last_full_month(district_secretary):
    response = district_secretary.get("/org/thanh-hoa/report/")
    last_month = add_months(timezone.localdate().replace(day=1), -1)
    assert response.context["month"] == last_month
    assert response.context["as_of"] == add_months(last_month, 1) - datetime.timedelta(days=1)


def test_the_past_months_workbook_is_the_state_at_the_months_end_without_a_forecast(district_secretary):
    response = district_secretary.get("/org/thanh-hoa/report/?month=2023-06&format=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][3] == datetime.datetime(2023, 6, 30)  # the state at the end of that day
    assert rows[5][:4] == ("2023", credits_up_to("thanh-hoa", JUNE_END), 75, round(credits_up_to("thanh-hoa", JUNE_END) * 100 / 75, 1))
    assert "Dự báo" not in rows[4]
    assert rows[5][6] == 37  # the pace's whole people on 30/06/2023


def test_the_units_report_job_is_the_state_at_the_months_end(district_secretary):
    district_secretary.post("/org/tan-dong/report/jobs/", {"month": "2023-06"})
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.DONE
    download = district_secretary.get(f"/reports/{job.pk}/?download=1")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    for title in workbook.sheetnames:
        rows = list(workbook[title].iter_rows(values_only=True))
        unit = Organization.objects.get(code=title)
        assert rows[5][1] == credits_up_to(title, JUNE_END), title
        assert rows[5][7] == sum(pipeline_in_python(unit, JUNE_END).values()), title
        assert "Dự báo" not in rows[4]


@pytest.fixture
def story(tree):
    """2023 in the small tree: one person applies and leaves, one is decided in June and admitted in July,
    one is sourced in July, one waits in cell B all along."""
    cell_a, cell_b = tree["cell_a"], tree["cell_b"]
    leaving = CandidateFactory(home_cell=cell_a, sourced_on=datetime.date(2023, 2, 1))
    walk_to(leaving, Stage.APPLIED, datetime.date(2023, 5, 10))
    candidate_services.candidate_advance(candidate=leaving, stage=Stage.DROPPED, occurred_on=datetime.date(2023, 8, 1))
    admitted = CandidateFactory(home_cell=cell_a, sourced_on=datetime.date(2023, 2, 1))
    walk_to(admitted, Stage.COMMITTEE_RESOLUTION, datetime.date(2023, 6, 1))
    admission = candidate_services.admission_record(
        candidate=admitted, cell=cell_a, decision_number="QĐ-1", decision_date=datetime.date(2023, 6, 20)
    )
    candidate_services.admission_hold_ceremony(admission=admission, admitted_on=datetime.date(2023, 7, 5))
    CandidateFactory(home_cell=cell_b, sourced_on=datetime.date(2023, 7, 10))
    CandidateFactory(home_cell=cell_b, sourced_on=datetime.date(2023, 1, 15))
    cell_services.target_set(organization=tree["district"], year=2023, count=3)
    cell_services.target_set(organization=tree["commune"], year=2023, count=2)
    # The school had no plan and closed at the end of the year.
    cell_services.organization_deactivate(organization=tree["school"], effective_on=datetime.date(2024, 1, 1))
    return tree


def as_of(tree, day, code="district"):
    return figures_as_of(tree[code], year_period(2023), day).data


def test_the_pipeline_at_a_months_end_has_who_had_reached_a_stage_and_was_not_yet_admitted_or_gone(story):
    june = as_of(story, JUNE_END)
    assert june["admitted"] == 0
    assert {k: v for k, v in june["pipeline"].items() if v} == {"applied": 1, "decided": 1, "sourced": 1}
    commune = next(row for row in june["children"] if row["org"] == "c")
    assert (commune["pipeline_total"], commune["ready"]) == (3, 1)
    july = as_of(story, datetime.date(2023, 7, 31))
    assert july["admitted"] == 1  # the July ceremony
    assert {k: v for k, v in july["pipeline"].items() if v} == {"applied": 1, "sourced": 2}
    august = as_of(story, datetime.date(2023, 8, 31))
    assert {k: v for k, v in august["pipeline"].items() if v} == {"sourced": 2}  # the one who left is gone
    assert as_of(story, datetime.date(2023, 1, 31))["pipeline_total"] == 1
    # A cell's own pipeline: the people whose home it is.
    assert as_of(story, JUNE_END, "cell_a")["pipeline"]["decided"] == 1


def test_the_pace_and_alerts_are_those_of_the_months_end(story):
    june = as_of(story, JUNE_END)
    # 181 days of 365: the district's 3 call for 1, the commune's 2 for none yet.
    assert (june["status"], june["expected_people"]) == ("behind", 1)
    rows = {row["org"]: row for row in june["children"]}
    assert (rows["c"]["status"], rows["c"]["expected_people"]) == ("on_track", 0)
    # The school was open then, without a plan.
    assert rows["s"]["is_active"] is True
    assert [alert["org"] for alert in june["alerts"] if alert["kind"] == "no_plan"] == ["s"]
    assert june["forecast"] is None and june["forecast_text"] is None and not june["source_gap"]
    december = as_of(story, datetime.date(2023, 12, 31))
    assert (december["status"], december["admitted"]) == ("not_met", 1)
    assert {(alert["org"], alert["kind"], alert["missing"]) for alert in december["alerts"]} == {
        ("d", "not_met", 2), ("c", "not_met", 1),
    }


def test_a_past_months_report_has_the_units_of_that_day(story):
    later = OrganizationFactory(
        code="c-new", kind=Organization.Kind.CELL, parent=story["commune"], effective_on=datetime.date(2024, 3, 1)
    )
    june = figures_as_of(story["commune"], year_period(2023), JUNE_END).data
    assert [row["org"] for row in june["children"]] == ["c-a", "c-b"]  # not yet the cell created in 2024
    assert "c-new" not in {alert["org"] for alert in june["alerts"]}
    june_2024 = figures_as_of(story["commune"], year_period(2024), datetime.date(2024, 6, 30)).data
    assert [row["org"] for row in june_2024["children"]] == ["c-a", "c-b", later.code]
    # The school closed on 01/01/2024: open in the 2023 reports, gone from the 2024 ones (it had nothing).
    assert [row["org"] for row in as_of(story, datetime.date(2023, 12, 31))["children"]] == ["c", "s"]
    assert [row["org"] for row in figures_as_of(story["district"], year_period(2024), datetime.date(2024, 6, 30)).data["children"]] == ["c"]


def _tree_with_people(n):
    root = OrganizationFactory(kind=Organization.Kind.PROVINCE)
    for index in range(n):
        cell = OrganizationFactory(kind=Organization.Kind.GRASSROOTS_CELL, parent=root)
        cell_services.target_set(organization=cell, year=2025, count=2)
        for person in range(2):
            candidate = CandidateFactory(home_cell=cell, sourced_on=datetime.date(2025, 1, 10))
            walk_to(candidate, Stage.APPLIED, datetime.date(2025, 3, 1 + person))
        if index % 2:
            admit(cell, datetime.date(2025, 5, 5))
    return root


def test_the_report_pages_queries_do_not_grow_with_units_or_people(client, db):
    user = UserFactory()
    counts = []
    for n in (2, 10):
        root = _tree_with_people(n)
        role(user, root)
        client.force_login(user)
        url = f"/org/{root.code}/report/?month=2025-06"
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert (response.context["data"]["admitted"], response.context["data"]["pipeline_total"]) == (n // 2, 2 * n)
        counts.append(len(queries))
    assert counts[0] == counts[1]


# 2. Whole people ------------------------------------------------------------------------------------


def pipeline(**by_stage):
    return SimpleNamespace(by_stage=by_stage, total=sum(by_stage.values()))


def test_a_small_pipelines_forecast_is_a_range_from_rounding_each_stage_down_to_rounding_it_up():
    # 3 applicants counting for 0.4 each (1.2) and one decided for 0.9: 2.1 likely, 1 to 3 in whole people.
    assert forecast_people(60, pipeline(applied=3, decided=1), {"applied": 0.4, "decided": 0.9}) == (61, 62, 63)
    # Whole figures need no range, whatever the floating point says (10 × 0.3 = 3.0000000000000004).
    assert forecast_people(60, pipeline(applied=10), {"applied": 0.3}) == (63, 63, 63)


def test_a_large_pipelines_forecast_is_one_whole_number():
    waiting = pipeline(sourced=FORECAST_RANGE_BELOW, applied=1)
    assert forecast_people(10, waiting, {"sourced": 0.25, "applied": 0.5}) == (23, 23, 23)  # 12.5 + 0.5 → 13


def test_the_forecast_never_exceeds_the_admitted_and_the_people_in_the_pipeline():
    assert forecast_people(5, pipeline(decided=2), {"decided": 1.3}) == (7, 7, 7)
    assert forecast_people(5, pipeline(), {}) == (5, 5, 5)


@pytest.fixture
def running(tree):
    """2025 with rates learnt: everyone at the committee's resolution is admitted within 30 days, 90 %."""
    PeriodCheck.objects.update_or_create(
        period_key="2025", defaults={"rates": {"share": {"committee_resolution": 0.9}, "days": {"committee_resolution": 30.0}}}
    )
    walk_to(CandidateFactory(home_cell=tree["cell_a"], sourced_on=datetime.date(2025, 1, 5)), Stage.COMMITTEE_RESOLUTION,
            datetime.date(2025, 2, 1))
    return tree


def test_the_source_gap_is_in_whole_people_rounded_up_and_silent_below_one(running):
    cell_services.target_set(organization=running["commune"], year=2025, count=3)
    cell_services.target_set(organization=running["district"], year=2025, count=1)
    data = fresh_figures([running["district"]], year_period(2025), datetime.date(2025, 3, 1))[running["district"].pk]
    # The district: 0.9 expected of 1, 0.1 short: less than one person, no alert.
    assert (data["forecast"], data["source_gap"], data["forecast_text"]) == (0.9, False, "0–1")
    commune = next(row for row in data["children"] if row["org"] == "c")
    # The commune: 2.1 short of 3: about 3 more needed.
    assert (commune["source_gap"], commune["missing"]) == (True, 3)
    gaps = [alert for alert in data["alerts"] if alert["kind"] == "source_gap"]
    assert gaps == [{"org": "c", "name": "Xã thử", "kind": "source_gap", "missing": 3, "pipeline": 1}]


def test_the_dashboard_and_the_api_speak_of_whole_people(running, client, english, monkeypatch):
    on_day(monkeypatch, datetime.date(2025, 3, 1))
    cell_services.target_set(organization=running["commune"], year=2025, count=20)
    user = UserFactory()
    role(user, running["district"])
    client.force_login(user)
    body = client.get("/org/c/?period=2025").content.decode()
    # 20 × 59 / 365 = 3.2 people by 1 March: 3.
    assert re.search(r'id="expected">expected by today at this pace: 3<', body)
    assert "Expected by the end of the period: 0–1 (from 1 people" in body
    assert "the pipeline (1 people) is not enough: about 20 more needed" in body
    assert not re.search(r"\d,\d", re.search(r'id="forecast">(.*?)</p>', body, re.S).group(1))
    api = client.get("/api/v1/progress/?org=c&period=2025").json()
    assert (api["status"], api["expected_to_date"], api["pipeline_total"]) == ("behind", 3, 1)
    assert api["forecast"] == {"low": 0, "expected": 1, "high": 1}
    assert [alert for alert in api["alerts"] if alert["kind"] != "no_plan"] == [
        {"org": "c", "name": "Xã thử", "kind": "source_gap", "missing": 20, "pipeline": 1}
    ]
    assert {alert["org"] for alert in api["alerts"] if alert["kind"] == "no_plan"} == {"c-a", "c-b"}
    assert (api["admitted"], api["target"], api["percent"]) == (0, 20, 0.0)  # the fields as before


def test_an_ended_periods_api_answer_has_no_forecast(district_secretary):
    body = district_secretary.get("/api/v1/progress/?org=thanh-hoa&period=2023").json()
    assert (body["admitted"], body["target"], body["status"], body["forecast"]) == (60, 75, "not_met", None)
    assert body["alerts"][0]["kind"] == "not_met"


# 3. Status ------------------------------------------------------------------------------------------


def test_a_cell_at_0_of_1_on_3_december_with_nobody_decided_is_behind():
    year = year_period(2026)
    assert pace_status(0, 1, year, datetime.date(2026, 12, 3))[0] == "behind"
    assert pace_status(0, 1, year, datetime.date(2026, 12, 3), ready=1)[0] == "on_track"
    assert pace_status(1, 1, year, datetime.date(2026, 12, 3))[0] == "done"


def test_the_last_month_starts_on_its_first_day():
    year = year_period(2026)
    assert pace_status(0, 1, year, datetime.date(2026, 11, 30))[0] == "on_track"  # ⌊1 × 334/365⌋ = 0
    assert pace_status(0, 1, year, datetime.date(2026, 12, 1))[0] == "behind"
    assert pace_status(0, 1, year, datetime.date(2026, 12, 31))[0] == "behind"
    # In the last month enough people decided make up for what is missing, not for the pace's share.
    assert pace_status(3, 10, year, datetime.date(2026, 12, 10), ready=7)[0] == "behind"  # ⌊10 × 344/365⌋ = 9
    assert pace_status(9, 10, year, datetime.date(2026, 12, 10), ready=1)[0] == "on_track"
    assert pace_status(9, 10, year, datetime.date(2026, 12, 10), ready=0)[0] == "behind"


def test_an_ended_period_below_its_plan_is_not_met(terms):
    assert pace_status(0, 1, year_period(2026), datetime.date(2027, 1, 1))[0] == "not_met"
    assert pace_status(60, 75, year_period(2023), datetime.date(2026, 12, 3)) == ("not_met", 75.0)
    assert pace_status(75, 75, year_period(2023), datetime.date(2026, 12, 3))[0] == "done"
    # The state at the end of the period's last day: over.
    assert pace_status(0, 1, year_period(2026), datetime.date(2026, 12, 31), ended=True)[0] == "not_met"
    term = parse_period("2020-2025")
    assert pace_status(14, 15, term, datetime.date(2025, 6, 10))[0] == "behind"  # the term's last month
    assert pace_status(14, 15, term, datetime.date(2025, 6, 10), ready=1)[0] == "on_track"
    assert pace_status(14, 15, term, datetime.date(2025, 7, 1))[0] == "not_met"


def test_the_dashboard_on_3_december_says_what_the_last_month_needs(tree, client, english, monkeypatch):
    on_day(monkeypatch, datetime.date(2025, 12, 3))
    cell_services.target_set(organization=tree["cell_a"], year=2025, count=1)
    user = UserFactory()
    role(user, tree["district"])
    client.force_login(user)
    response = client.get("/org/c-a/?period=2025")
    assert response.context["data"]["status"] == "behind"
    body = response.content.decode()
    assert "last month of the period: 1 still to admit; 0 with the admission decided" in body
    assert '<span class="badge text-bg-danger">behind</span>' in body
    decided = CandidateFactory(home_cell=tree["cell_a"], sourced_on=datetime.date(2025, 1, 5))
    walk_to(decided, Stage.COMMITTEE_RESOLUTION, datetime.date(2025, 11, 10))
    candidate_services.admission_record(
        candidate=decided, cell=tree["cell_a"], decision_number="QĐ-9", decision_date=datetime.date(2025, 11, 28)
    )
    tasks.recompute_pending()  # the job that follows the change (its queueing waits for a commit)
    response = client.get("/org/c-a/?period=2025")
    assert response.context["data"]["status"] == "on_track"
    assert "1 still to admit; 1 with the admission decided" in response.content.decode()


def test_an_ended_period_shows_not_met_with_its_alert_and_no_no_plan_alerts(district_secretary, english):
    response = district_secretary.get("/org/thanh-hoa/?period=2023")
    data = response.context["data"]
    assert data["status"] == "not_met"
    assert [alert["kind"] for alert in data["alerts"]].count("no_plan") == 0
    assert data["alerts"][0] == {
        "org": "thanh-hoa", "name": "Đảng bộ huyện Thạnh Hóa", "kind": "not_met", "missing": 15, "admitted": 60, "target": 75,
    }
    body = response.content.decode()
    assert '<span class="badge text-bg-danger">not met</span>' in body
    assert "60 admitted of a plan of 75" in body and "No alerts." not in body


def test_an_ended_period_raises_no_no_plan_alert_for_units_without_a_plan_or_closed(tree):
    cell_services.target_set(organization=tree["district"], year=2023, count=2)
    cell_services.organization_deactivate(organization=tree["school"], effective_on=datetime.date(2024, 1, 1))
    ended = fresh_figures([tree["district"]], year_period(2023), datetime.date(2024, 2, 1))[tree["district"].pk]
    assert {row["org"]: row["status"] for row in ended["children"]} == {"c": "no_plan"}  # the closed school had nothing
    assert [alert["kind"] for alert in ended["alerts"]] == ["not_met"]
    running = fresh_figures([tree["district"]], year_period(2023), datetime.date(2023, 6, 1))[tree["district"].pk]
    assert [alert["org"] for alert in running["alerts"] if alert["kind"] == "no_plan"] == ["c"]


def test_the_status_labels_are_translated(tree):
    from django.utils import translation

    from tracker.reports import status_labels

    with translation.override("en"):
        assert status_labels()["not_met"] == "not met"
    # The Vietnamese "không đạt kế hoạch" comes with the catalogue (report22-vi.po until it is merged).
    with translation.override("vi"):
        assert status_labels()["behind"] == "chậm tiến độ"
