import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from cells import services
from cells.models import Target, Term
from tracker.periods import PeriodError, parse_period, term_period, year_period
from tracker.progress import target_count

from .factories import nightly_plan


def test_an_organization_has_one_target_per_year_and_per_term(tree, terms):
    services.target_set(organization=tree["commune"], year=2023, count=4)
    services.target_set(organization=tree["commune"], year=2023, count=5)
    services.target_set(organization=tree["commune"], term=terms[2020], count=15)
    assert Target.objects.filter(organization=tree["commune"]).count() == 2
    assert target_count(tree["commune"], year_period(2023)) == 5
    assert target_count(tree["commune"], term_period(terms[2020])) == 15


def test_the_database_refuses_a_target_for_both_a_year_and_a_term(tree, terms):
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(organization=tree["commune"], year=2023, term=terms[2020], count=1)


def test_the_service_refuses_a_target_without_a_period(tree):
    with pytest.raises(ValidationError, match="Nhập năm hoặc nhiệm kỳ"):
        services.target_set(organization=tree["commune"], count=3)


def test_an_organizations_own_target_is_independent_of_its_childrens(tree):
    services.target_set(organization=tree["district"], year=2023, count=10)
    services.target_set(organization=tree["commune"], year=2023, count=4)
    services.target_set(organization=tree["school"], year=2023, count=3)
    assert target_count(tree["district"], year_period(2023)) == 10


def test_no_target_means_no_plan_not_zero(tree):
    assert target_count(tree["cell_a"], year_period(2023)) is None


def test_periods_parse_years_and_terms(terms):
    assert parse_period("2023").start == datetime.date(2023, 1, 1)
    term = parse_period("2020-2025")
    assert (term.start, term.end, term.label) == (datetime.date(2020, 1, 1), datetime.date(2025, 6, 30), "2020–2025")


@pytest.mark.parametrize("key", ["", "23", "2023-24", "abc", "2020/2025"])
def test_a_malformed_period_is_refused_with_a_message(key, db):
    with pytest.raises(PeriodError, match="không hợp lệ"):
        parse_period(key)


def test_an_unknown_term_is_refused_with_a_message(db):
    with pytest.raises(PeriodError, match="Không có nhiệm kỳ 2010"):
        parse_period("2010-2015")


def test_terms_cannot_overlap(terms):
    overlapping = Term(start_date=datetime.date(2024, 1, 1), end_date=datetime.date(2029, 12, 31))
    with pytest.raises(ValidationError, match="trùng với nhiệm kỳ"):
        overlapping.full_clean()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index-only scans are PostgreSQL's (CI's second run)")
def test_the_nightly_check_reads_only_its_periods_targets_on_postgresql(tree, terms):
    services.target_set(organization=tree["commune"], year=2023, count=4)
    services.target_set(organization=tree["commune"], term=terms[2020], count=15)
    for period, index in ((year_period(2023), "targets_of_a_year"), (term_period(terms[2020]), "targets_of_a_term")):
        plan = nightly_plan(period)
        # Which scan of the index the planner picks depends on the statistics the tests before left behind.
        scans = (f"Index Only Scan using {index} on", f"Index Scan using {index} on", f"Bitmap Index Scan on {index}")
        assert any(scan in plan for scan in scans)
        assert "Seq Scan on cells_target" not in plan
