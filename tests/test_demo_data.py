"""The demo district carries the published 2023 figures of Thạnh Hóa exactly."""
import datetime

from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from candidates.models import Admission, AwarenessClass, Candidate, OccupationCategory
from cells.models import Organization
from tracker.demo import DEMO_USERS
from tracker.periods import current_year, parse_period
from tracker.progress import admitted_count, target_count


def figures(code, period):
    organization = Organization.objects.get(code=code)
    period = parse_period(period)
    return admitted_count(organization, period), target_count(organization, period)


def test_the_district_admitted_60_of_its_75_in_2023(db):
    assert figures("thanh-hoa", "2023") == (60, 75)


def test_the_2023_admissions_were_18_teachers_12_residents_and_2_students(db):
    by_category = dict(
        Admission.objects.filter(admitted_on__year=2023, cell__path__startswith=Organization.objects.get(code="thanh-hoa").path)
        .values_list("occupation_category")
        .annotate(Count("id"))
    )
    assert by_category[OccupationCategory.TEACHER] == 18
    assert by_category[OccupationCategory.RESIDENT] == 12
    assert by_category[OccupationCategory.HIGH_SCHOOL_STUDENT] == 2
    assert sum(by_category.values()) == 60


def test_tan_dong_admitted_21_against_a_term_target_of_15_and_4_of_4_in_2023(db):
    assert figures("tan-dong", "2020-2025") == (21, 15)
    assert figures("tan-dong", "2023") == (4, 4)
    assert Organization.objects.get(code="tan-dong").kind == Organization.Kind.GRASSROOTS_COMMITTEE


def test_the_high_school_admitted_3_of_5_in_2023_two_of_them_students(db):
    assert figures("thpt-thanh-hoa", "2023") == (3, 5)
    students = Admission.objects.filter(
        cell__code="thpt-thanh-hoa", admitted_on__year=2023, occupation_category=OccupationCategory.HIGH_SCHOOL_STUDENT
    )
    assert students.count() == 2


def test_the_two_2023_awareness_classes_had_140_attendees(db):
    classes = AwarenessClass.objects.filter(start_date__year=2023).annotate(n=Count("attendances"))
    assert classes.count() == 2
    assert sum(c.n for c in classes) == 140


def test_the_district_totals_are_the_sum_of_its_units(db):
    district = Organization.objects.get(code="thanh-hoa")
    period = parse_period("2023")
    units = Organization.objects.get_children(district)
    assert units.count() >= 13
    assert sum(admitted_count(unit, period) for unit in units) == 60


def test_todays_dashboards_are_not_empty(db):
    today = timezone.localdate()
    admitted, target = figures("thanh-hoa", current_year(today).key)
    assert admitted > 0 and target > 0
    assert Candidate.objects.filter(stage__in=["sourced", "trained", "applied"]).exists()
    assert figures("thanh-hoa", "2025-2030")[0] > 0


def test_no_admission_is_dated_in_the_future(db):
    assert not Admission.objects.filter(admitted_on__gt=timezone.localdate()).exists()


def test_loaddemo_is_idempotent(db, capsys):
    before = (Organization.objects.count(), Candidate.objects.count(), Admission.objects.count())
    call_command("loaddemo")
    assert (Organization.objects.count(), Candidate.objects.count(), Admission.objects.count()) == before
    out = capsys.readouterr().out
    assert "already loaded" in out
    for username, password, *_ in DEMO_USERS:
        assert username in out and password in out


def test_every_demo_user_can_log_in(client, db):
    for username, password, *_ in DEMO_USERS:
        assert client.login(username=username, password=password), username


def test_the_demo_term_2020_2025_ends_at_mid_2025(db):
    assert parse_period("2020-2025").end == datetime.date(2025, 6, 30)
