"""Periods: the pages and the API count only the years there is something to count, and the nightly job
checks only the periods still running or about to start."""
import datetime

import pytest
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from cells.models import Organization, Target, Term
from tracker import tasks
from tracker.models import PendingRecompute, PeriodCheck, ProgressSnapshot, ReportJob
from tracker.periods import year_period
from tracker.selectors import figures_for

from .factories import admit

FIRST_TERM_YEAR = 2020  # the demo's first term, 2020–2025


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    return client


def refusal() -> str:
    today = timezone.localdate()
    return _("Choose a year from %(first)d to %(last)d.") % {"first": FIRST_TERM_YEAR, "last": today.year + 1}


def nothing_stored(key: str) -> bool:
    return not ProgressSnapshot.objects.filter(period_key=key).exists() and not PeriodCheck.objects.filter(period_key=key).exists()


@pytest.mark.parametrize("years_ahead", [2, 14, 73])
def test_the_api_refuses_a_year_more_than_one_ahead_and_stores_nothing_for_it(staff, years_ahead):
    key = str(timezone.localdate().year + years_ahead)
    response = staff.get(f"/api/v1/progress/?org=thanh-hoa&period={key}")
    assert response.status_code == 400
    assert response.json() == {"error": refusal()}
    assert nothing_stored(key)


def test_the_api_refuses_a_year_before_the_first_term(staff):
    response = staff.get("/api/v1/progress/?org=thanh-hoa&period=2019")
    assert (response.status_code, response.json()) == (400, {"error": refusal()})
    assert nothing_stored("2019")


def test_the_first_terms_year_and_next_year_are_answered(staff):
    next_year = timezone.localdate().year + 1
    assert staff.get("/api/v1/progress/?org=thanh-hoa&period=2020").status_code == 200
    answer = staff.get(f"/api/v1/progress/?org=thanh-hoa&period={next_year}")
    assert answer.status_code == 200 and answer.json()["period"] == str(next_year)


def test_without_a_term_the_years_start_in_2020(staff):
    Target.objects.filter(term__isnull=False).delete()
    Term.objects.all().delete()
    assert staff.get("/api/v1/progress/?org=thanh-hoa&period=2019").json() == {"error": refusal()}
    assert staff.get("/api/v1/progress/?org=thanh-hoa&period=2020").status_code == 200


@pytest.mark.parametrize("url", ["/org/thanh-hoa/?period=2040", "/org/thanh-hoa/targets/?period=2040"])
def test_the_dashboard_and_the_targets_table_refuse_2040_with_a_message(staff, url):
    response = staff.get(url)
    assert response.status_code == 400
    assert escape(refusal()) in response.content.decode()
    assert nothing_stored("2040")


def test_the_monthly_report_refuses_a_month_of_2099(staff):
    response = staff.get("/org/thanh-hoa/report/?month=2099-01")
    assert response.status_code == 400 and escape(refusal()) in response.content.decode()
    before = ReportJob.objects.count()
    started = staff.post("/org/thanh-hoa/report/jobs/", {"month": "2099-01"}, follow=True)
    assert escape(refusal()) in started.content.decode()
    assert ReportJob.objects.count() == before
    assert nothing_stored("2099")


def test_the_period_picker_offers_the_years_from_the_first_terms(staff):
    today = timezone.localdate()
    choices = staff.get("/org/thanh-hoa/").context["period_choices"]
    years = [period.year for period in choices if period.year]
    assert years == list(range(today.year, FIRST_TERM_YEAR - 1, -1))


def nightly_keys(today: datetime.date) -> list[str]:
    return [period.key for period in tasks._periods_to_refresh(None, today)]


def test_the_nightly_job_checks_this_year_and_term_not_the_periods_stored_before(db):
    today = datetime.date(2029, 6, 15)
    district = Organization.objects.get(code="thanh-hoa")
    for key in ("2023", "2040"):  # counted for pages, 2040 asked for before the years were limited
        figures_for(district, year_period(int(key)), today)
    assert nightly_keys(today) == ["2029", "2025-2030"]


def test_the_nightly_job_checks_next_year_once_its_targets_are_set_or_from_december(db):
    assert nightly_keys(datetime.date(2029, 12, 1)) == ["2029", "2030", "2025-2030"]
    Target.objects.create(organization=Organization.objects.get(code="thanh-hoa"), year=2030, count=80)
    assert nightly_keys(datetime.date(2029, 6, 15)) == ["2029", "2030", "2025-2030"]


def test_the_nightly_job_checks_a_term_starting_within_a_year(db):
    Term.objects.create(start_date=datetime.date(2031, 1, 1), end_date=datetime.date(2035, 12, 31))
    assert nightly_keys(datetime.date(2030, 3, 1)) == ["2030", "2025-2030", "2031-2035"]
    assert "2031-2035" not in nightly_keys(datetime.date(2029, 11, 30))


def test_the_nightly_recompute_counts_only_the_running_periods(db, monkeypatch):
    today = timezone.localdate()
    checked = []
    monkeypatch.setattr(tasks, "pipeline_check", lambda: 0)
    monkeypatch.setattr(tasks, "period_check", lambda period: checked.append(period.key) or 0)
    figures_for(Organization.objects.get(code="thanh-hoa"), year_period(2023), today)
    tasks.recompute_all()
    assert checked == nightly_keys(today) and "2023" not in checked


def test_a_ceremony_of_an_ended_year_saved_with_the_broker_down_is_counted_by_the_night(
    tree, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    today = timezone.localdate()
    ended = year_period(2023)
    figures_for(tree["district"], ended, today)
    tasks.recompute_pending()  # what creating the tree left

    def broker_down():
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.recompute_pending, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        admit(tree["cell_a"], datetime.date(2023, 11, 20))
    assert "2023" not in nightly_keys(today)
    tasks.recompute_all()
    fresh = figures_for(tree["district"], ended, today)
    assert (fresh.data["admitted"], fresh.stale) == (1, False)
    assert not PendingRecompute.objects.exists()


def test_a_page_of_an_ended_year_counts_it_on_the_spot_and_a_change_keeps_it_current(
    tree, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    admit(tree["cell_a"], datetime.date(2022, 3, 1))
    tasks.recompute_pending()
    assert not ProgressSnapshot.objects.filter(organization=tree["district"], period_key="2022").exists()
    assert figures_for(tree["district"], year_period(2022), today).data["admitted"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        admit(tree["cell_b"], datetime.date(2022, 9, 1))  # recorded late: its job recounts 2022
    assert ProgressSnapshot.objects.get(organization=tree["district"], period_key="2022").admitted == 2
    assert "2022" not in nightly_keys(today)
